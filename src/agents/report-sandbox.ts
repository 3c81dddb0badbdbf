import type { Logger } from '../log/logger.js';
import type { AgentSandbox } from './agent-sandbox.js';

/** The status comment footer while `KUGETSU_AGENT_SANDBOX=off`. */
export const SANDBOX_OFF_FOOTER =
  "⚠️ This kugetsu runs agents **without a sandbox** (`KUGETSU_AGENT_SANDBOX=off`): an agent can read its token, its state and other issues' files. Text in this issue steers the agent.";

/** Start-up log lines about the agent sandbox: a warning when it is off, an error with the fix when it cannot work. */
export async function reportSandbox(sandbox: AgentSandbox, logger: Logger): Promise<void> {
  if (sandbox.settings.mode === 'off') {
    logger.warn(
      "KUGETSU_AGENT_SANDBOX=off: agents run without a sandbox, as kugetsu's user — they can read its token (GITEA_TOKEN in /proc), its state dir and every issue's files. Every status comment says so.",
    );
    return;
  }
  const probe = await sandbox.probe();
  if (probe.ok) logger.info({ bwrap: probe.version, network: sandbox.settings.network }, 'agent sandbox ready (bubblewrap)');
  else
    logger.error(
      { problem: probe.problem, fix: probe.fix },
      `the agent sandbox cannot run here, so kugetsu refuses to start agents (jobs fail with this message): ${probe.problem}. To fix: ${probe.fix}`,
    );
}
