import { describe, expect, it } from 'vitest';
import { MENTION_BREAK, neutralizeMentions } from '../../src/report/neutralize-mentions.js';
import { liveMentions } from '../support/gitea-mentions.js';

describe('neutralizeMentions', () => {
  it.each([
    ['plain', 'ping @bob please', ['bob']],
    ['start of text', '@bob look', ['bob']],
    ['parentheses and brackets', 'see (@bob) and [@carol]', ['bob', 'carol']],
    ['punctuation after', '@bob, @carol. @dave: @erin!', ['bob', 'carol', 'dave', 'erin']],
    ['emphasis', '**@bob** and _@carol_ and ~~@dave~~', ['bob', 'carol', 'dave']],
    ['quote and list', '> @bob said\n- @carol\n1. @dave', ['bob', 'carol', 'dave']],
    ['team', 'cc @acme/reviewers', ['acme/reviewers']],
    ['inline code and fences', 'run `@bob`\n```\n@carol\n```', ['bob', 'carol']],
    ['dotted and dashed names', 'thanks @first.last and @some-one', ['first.last', 'some-one']],
  ])('%s: every mention Gitea would see is made inert, the visible text unchanged', (_name, text, mentioned) => {
    expect(liveMentions(text)).toEqual(mentioned);
    const out = neutralizeMentions(text);
    expect(liveMentions(out)).toEqual([]);
    expect(out.replaceAll(MENTION_BREAK, '')).toBe(text);
    expect(neutralizeMentions(out)).toBe(out);
  });

  it('leaves e-mail addresses alone, and the logins to keep live (case-insensitively)', () => {
    const text = 'mail dev@example.com, @Alice asked, @bob too; @alice.';
    const out = neutralizeMentions(text, ['alice']);
    expect(out).toContain('dev@example.com');
    expect(liveMentions(out)).toEqual(['Alice', 'alice']);
    expect(liveMentions(text)).toEqual(['Alice', 'bob', 'alice']);
  });
});
