import { readSessionMarker, sessionVersion, writeSessionMarker } from './session-marker.js';
import type { AgentAdapter, SessionPlace } from './types.js';

/** What {@link restoreSession} found or did before a turn that continues a stored session. */
export type RestoreOutcome =
  /** The agent dir already holds this export's version of the session (its marker says so): nothing to do. */
  | { kind: 'held' }
  /** The stored export was imported; the marker now names it. */
  | { kind: 'imported' }
  /** No export is stored (an agent that cannot export, an older kugetsu, or the last export failed): the agent continues its local copy if it has one. */
  | { kind: 'no-export' }
  /** The import failed (broken export, agent error): the agent continues its local copy if it has one, else the turn starts afresh. */
  | { kind: 'failed'; problem: string };

/** What {@link captureSession} did after a turn. */
export type CaptureOutcome = { kind: 'exported'; data: Buffer } | { kind: 'unsupported' } | { kind: 'failed'; problem: string };

/**
 * Before a turn that continues `place.sessionId` (stored by `adapter` after the last turn,
 * on whichever worker ran it): makes sure this worker's agent dir holds the stored version. When
 * the agent dir's marker (`kugetsu-session.json`) names the same agent, session and export version
 * (SHA-256 of `stored`), the local copy is current; otherwise `stored` is imported
 * (`adapter.importSession`, in the sandbox) and the marker rewritten. Never rejects.
 */
export async function restoreSession(adapter: AgentAdapter, stored: Buffer | undefined, place: SessionPlace): Promise<RestoreOutcome> {
  if (!stored || !adapter.importSession) return { kind: 'no-export' };
  const version = sessionVersion(stored);
  const marker = await readSessionMarker(place.agentDir);
  if (marker?.agent === adapter.name && marker.sessionId === place.sessionId && marker.version === version) return { kind: 'held' };
  const r = await adapter.importSession(place, stored);
  if (!r.ok) return { kind: 'failed', problem: r.problem };
  // Without the marker the next turn here imports again: slower, not wrong.
  await writeSessionMarker(place.agentDir, { agent: adapter.name, sessionId: place.sessionId, version }).catch(() => undefined);
  return { kind: 'imported' };
}

/**
 * After a turn: the agent's record of `place.sessionId` (`adapter.exportSession`, in the issue's
 * sandbox), for the engine to store so that the next turn can continue on any worker; the agent
 * dir's marker then names that version (this agent dir holds it). Never rejects.
 */
export async function captureSession(adapter: AgentAdapter, place: SessionPlace): Promise<CaptureOutcome> {
  if (!adapter.exportSession) return { kind: 'unsupported' };
  const r = await adapter.exportSession(place);
  if (!r.ok) return { kind: 'failed', problem: r.problem };
  await writeSessionMarker(place.agentDir, { agent: adapter.name, sessionId: place.sessionId, version: sessionVersion(r.data) }).catch(() => undefined);
  return { kind: 'exported', data: r.data };
}
