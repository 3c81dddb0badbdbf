import { createAgentSandbox } from '../agents/agent-sandbox.js';
import { DEFAULT_SANDBOX_SETTINGS } from '../agents/sandbox-settings.js';
import { envSchema } from '../config/config.js';
import { fail, ok, warn, type DoctorCheck } from './doctor-check.js';

/**
 * The agent sandbox: with `KUGETSU_AGENT_SANDBOX=off` a warning; otherwise a real bubblewrap probe
 * (`KUGETSU_BWRAP`, default `bwrap`), failing with what to change (install bubblewrap, Docker
 * flags, kernel settings) when the sandbox cannot be built here.
 */
export async function checkSandbox(env: Record<string, string | undefined>, stateDir: string): Promise<DoctorCheck> {
  const shape = envSchema.shape;
  const mode = shape.KUGETSU_AGENT_SANDBOX.safeParse(env['KUGETSU_AGENT_SANDBOX']);
  const bwrap = shape.KUGETSU_BWRAP.safeParse(env['KUGETSU_BWRAP']);
  const network = shape.KUGETSU_AGENT_SANDBOX_NETWORK.safeParse(env['KUGETSU_AGENT_SANDBOX_NETWORK']);
  if (mode.success && mode.data === 'off') {
    return warn(
      'sandbox',
      "KUGETSU_AGENT_SANDBOX=off: agents run without a sandbox and can read kugetsu's token and state",
      'install bubblewrap and remove KUGETSU_AGENT_SANDBOX=off (README "Security model")',
    );
  }
  const sandbox = createAgentSandbox(
    { ...DEFAULT_SANDBOX_SETTINGS, ...(bwrap.success ? { bwrap: bwrap.data } : {}), ...(network.success ? { network: network.data } : {}) },
    { stateDir },
  );
  const probe = await sandbox.probe();
  if (!probe.ok) return fail('sandbox', probe.problem, probe.fix);
  return ok('sandbox', `${probe.version}: agent turns run isolated (network ${sandbox.settings.network})`);
}
