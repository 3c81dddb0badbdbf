import { afterEach, describe } from 'vitest';
import type { JobStore } from '../../src/store/job-store.js';
import { admitContract } from './contract-admit.js';
import { claimRaceContract } from './contract-claim-race.js';
import { claimsContract } from './contract-claims.js';
import { concurrencyContract } from './contract-concurrency.js';
import { engineEventsContract } from './contract-engine-events.js';
import { eventsContract } from './contract-events.js';
import type { StoreBackend } from './contract-fixtures.js';
import { jobsContract } from './contract-jobs.js';
import { leasesContract } from './contract-leases.js';
import { lifecycleContract } from './contract-lifecycle.js';
import { outboxClaimsContract } from './contract-outbox-claims.js';
import { outboxContract } from './contract-outbox.js';
import { outputContract } from './contract-output.js';
import { changeFeedContract } from './contract-change-feed.js';
import { browseContract } from './contract-browse.js';

/** What each part of the contract gets: the backend, and stores that are closed after each test. */
export interface ContractContext {
  backend: StoreBackend;
  /** Opens a store on a fresh database (or on `location`, to share one database between stores). */
  open(options?: { location?: string; now?: () => Date; outputMaxBytes?: number }): Promise<JobStore>;
  /** A fresh database's location (not opened). */
  fresh(): Promise<string>;
  /** Remembers a store opened outside {@link open} so that it is closed after the test. */
  closeLater(store: JobStore): JobStore;
}

/**
 * The behaviour every {@link JobStore} backend must have, as one suite: call it from a test file
 * with a backend factory (`store-contract` runs against SQLite and PostgreSQL). Each test gets a
 * fresh database; stores it opened are closed after it. To extend the contract, add a `*Contract`
 * part (a function of {@link ContractContext}) and call it below.
 */
export function describeStoreContract(backend: StoreBackend): void {
  const stores: JobStore[] = [];
  afterEach(async () => {
    await Promise.allSettled(stores.splice(0).map((s) => s.close()));
  });
  const ctx: ContractContext = {
    backend,
    fresh: () => backend.fresh(),
    closeLater(store) {
      stores.push(store);
      return store;
    },
    async open(options = {}) {
      const location = options.location ?? (await backend.fresh());
      return ctx.closeLater(
        await backend.open(location, { ...(options.now ? { now: options.now } : {}), ...(options.outputMaxBytes !== undefined ? { outputMaxBytes: options.outputMaxBytes } : {}) }),
      );
    },
  };
  describe(`JobStore contract (${backend.name})`, () => {
    admitContract(ctx);
    jobsContract(ctx);
    outboxContract(ctx);
    eventsContract(ctx);
    lifecycleContract(ctx);
    concurrencyContract(ctx);
    claimsContract(ctx);
    leasesContract(ctx);
    outboxClaimsContract(ctx);
    engineEventsContract(ctx);
    claimRaceContract(ctx);
    outputContract(ctx);
    changeFeedContract(ctx);
    browseContract(ctx);
  });
}
