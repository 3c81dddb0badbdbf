import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * The Node major from which better-sqlite3 13 is loaded instead of 12. better-sqlite3 ≤ 12 wraps
 * its objects in the raw `node::ObjectWrap`, whose destructor on Node 24 calls
 * `RemoveEnvironmentCleanupHook`, which aborts the process (`Assertion failed: (env) != nullptr`,
 * SIGABRT) when the garbage collector frees a `Statement` (seen in kugetsu's kill -9 store test on
 * Node 24.21; better-sqlite3 issue #1515). better-sqlite3 13 is built on Node-API and ships
 * prebuilt binaries, but needs Node ≥ 22 (`engines`; on Node 20 its binary segfaults), so Node 20
 * keeps 12 (compiled from source at install). The two majors have the same JavaScript API.
 */
export const NODE_API_DRIVER_FROM_MAJOR = 22;

/** The better-sqlite3 package for Node major `major`: `better-sqlite3` (12) or its 13 alias `better-sqlite3-napi`. */
export function sqliteDriverFor(major: number): 'better-sqlite3' | 'better-sqlite3-napi' {
  return major >= NODE_API_DRIVER_FROM_MAJOR ? 'better-sqlite3-napi' : 'better-sqlite3';
}

/**
 * better-sqlite3's `Database` class, from the build that is safe on this Node (see
 * {@link NODE_API_DRIVER_FROM_MAJOR}). Use it exactly like `import Database from 'better-sqlite3'`.
 */
export const Database: typeof BetterSqlite3 = createRequire(import.meta.url)(sqliteDriverFor(Number(process.versions.node.split('.')[0])));
