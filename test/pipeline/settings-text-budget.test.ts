import { describe, expect, it } from 'vitest';
import { settingsText } from '../../src/pipeline/settings-text.js';
import { DEFAULTS } from '../config/fixtures/repo-config-kit.js';

const request = { repo: { owner: 'acme', name: 'app', fullName: 'acme/app', cloneUrl: 'https://g/acme/app.git', defaultBranch: 'main', htmlUrl: 'https://g/acme/app' } };
const text = (budget: (typeof DEFAULTS)['budget']) => settingsText(request, { ...DEFAULTS, budget }, { maxAgents: 2, hasAllowList: false });

describe('/kugetsu help names the budgets in force', () => {
  it('says both limits in US dollars, one of them, or nothing without any', () => {
    expect(text({ maxTurnCostUsd: 2.5, maxDailyCostUsd: 20 })).toContain(
      'Budgets: a turn is stopped once it costs more than $2.50; once $20.00 is spent in a day, jobs wait for 00:00 UTC.',
    );
    expect(text({ maxTurnCostUsd: undefined, maxDailyCostUsd: 5 })).toContain('Budgets: once $5.00 is spent in a day, jobs wait for 00:00 UTC.');
    expect(text({ maxTurnCostUsd: undefined, maxDailyCostUsd: undefined })).not.toContain('Budgets');
  });
});
