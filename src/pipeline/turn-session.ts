import { captureSession, restoreSession } from '../agents/session-travel.js';
import type { AgentAdapter, AgentOutcome, SessionPlace } from '../agents/types.js';
import type { Logger } from '../log/logger.js';
import type { IssueSession, JobStore } from '../store/job-store.js';

/** How long one session export or import may take, in ms (opencode 1.18.33 needs 2–5 s). */
export const SESSION_TRANSFER_TIMEOUT_MS = 120_000;

/**
 * Before a turn that continues the issue's stored session: brings it into this worker's agent dir
 * when it is not there (`restoreSession`: the marker says which version the agent dir holds; the
 * stored export is imported otherwise), and logs what happened. A missing or broken export never
 * fails the turn: the agent continues its local copy when it has one, else it rejects the session
 * and the turn runs on a new one (the runner's "session rejected" path).
 */
export async function restoreTurnSession(log: Logger, agent: AgentAdapter, previous: IssueSession, place: SessionPlace): Promise<void> {
  const restored = await restoreSession(agent, previous.export, place);
  const fields = { sessionId: place.sessionId, agent: agent.name };
  switch (restored.kind) {
    case 'held':
      log.debug(fields, 'the agent dir holds the stored session');
      break;
    case 'imported':
      log.info({ ...fields, bytes: previous.export?.length }, 'imported the stored session into this worker (its last turn ran elsewhere, or the agent dir lost it)');
      break;
    case 'no-export':
      if (agent.importSession) log.info(fields, 'no export of the stored session is kept; the agent continues its own copy if it has one, else starts a new session');
      break;
    case 'failed':
      log.warn({ ...fields, problem: restored.problem }, 'could not import the stored session; the agent continues its own copy if it has one, else starts a new session');
      break;
  }
}

/**
 * After a turn: stores the issue's session — the id the turn ended with and, when the agent can,
 * its export (`captureSession`, run like the turn), so that the next turn continues on any worker.
 * When the agent did not start, or the export fails, the previous export is kept if it is of the
 * same session (another worker would then continue the session as of that export), else none is.
 */
export async function storeTurnSession(
  deps: { store: Pick<JobStore, 'putSession'>; log: Logger },
  turn: {
    agent: AgentAdapter;
    /** The session stored before the turn. */
    previous: IssueSession | undefined;
    outcome: AgentOutcome;
    /** The session the turn ended with. */
    sessionId: string | undefined;
    /** Where the issue's session lives on this worker (see `SessionPlace`) for a session id. */
    place: (sessionId: string) => SessionPlace;
    issueKey: IssueSession['issueKey'];
    worktree: { path: string; branch: string };
  },
): Promise<void> {
  const { agent, previous, outcome, sessionId } = turn;
  let data: Buffer | undefined;
  const ran = !outcome.startError && !outcome.inputError;
  if (sessionId !== undefined && ran) {
    const captured = await captureSession(agent, turn.place(sessionId));
    if (captured.kind === 'exported') data = captured.data;
    if (captured.kind === 'failed') deps.log.warn({ sessionId, agent: agent.name, problem: captured.problem }, 'could not export the session after the turn');
  }
  if (data === undefined && previous?.agent === agent.name && previous.sessionId === sessionId) data = previous.export;
  await deps.store.putSession({
    issueKey: turn.issueKey,
    agent: agent.name,
    sessionId,
    worktreePath: turn.worktree.path,
    branch: turn.worktree.branch,
    updatedAt: new Date().toISOString(),
    ...(data ? { export: data } : {}),
  });
}
