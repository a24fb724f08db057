import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErasureRunner } from '../../api/data-rights/erasure-runner.ts';
import { Jobs } from '../../api/data-rights/jobs.ts';
import { LiveHub } from '../../api/live/live-hub.ts';
import type { Stores } from '../../cli/open-stores.ts';
import type { TimeSeriesStore } from '../../store/time-series-store.ts';
import { testLogger } from '../helpers/silent-logger.ts';
import { openTestStores } from '../helpers/test-stores.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Who runs an erasure when several API replicas share the registry: the claim each holds, and lets go.
describe('erasures shared by API replicas', () => {
  let stores: Stores;
  let jobs: Jobs;
  const done: string[] = [];
  beforeEach(async () => {
    stores = await openTestStores();
    jobs = new Jobs(testLogger);
    stores.registry.upsertClub('club', 'Club');
    stores.registry.createAthlete('club', { id: 'ann', name: 'Ann' });
    stores.registry.createDevice('club', { id: 'hrm-ann', profile: 'heart_rate', owner: 'ann' }, 0);
    stores.registry.requestErasure('club', 'ann', 'u_admin');
    done.length = 0;
  });
  afterEach(async () => {
    await jobs.close();
    await stores.close();
  });

  /** A replica's runner, over a store that may refuse deletions. */
  const replica = (timeSeries: TimeSeriesStore = stores.timeSeries, settleMs = 0) =>
    new ErasureRunner(
      {
        ...stores,
        timeSeries,
        live: new LiveHub({
          brokerUrl: 'mqtt://127.0.0.1:1',
          registry: stores.registry,
          logger: testLogger,
          staleAfterMs: 1000,
          windowMs: 1000,
        }),
      },
      jobs,
      testLogger,
      settleMs,
      (club) => void done.push(club),
    );

  it('lets go of an erasure whose run failed, for the next look to run it again', async () => {
    const away = Object.create(stores.timeSeries, {
      deleteRange: { value: async () => Promise.reject(new Error('the store is away')) },
    }) as TimeSeriesStore;
    const job = replica(away).start('club', 'ann', 'u_admin', 'u_admin');
    expect(job).not.toBeNull();
    await waitFor(() => job!.status === 'failed', { what: 'the run failed' });
    expect(job!.error).toBe('the store is away');
    // Free at once, not in two minutes: another replica takes it and finishes it.
    const other = replica();
    other.resume();
    await waitFor(() => !stores.registry.hasTraces('club', 'ann'), { what: 'Ann erased' });
    expect(done).toEqual(['club']);
  });

  it('runs an erasure once in a replica, and lets go of what it holds when it stops', async () => {
    const first = replica(stores.timeSeries, 60_000); // waits a minute for ingest: still running below
    expect(first.start('club', 'ann', 'u_admin', 'u_admin')).not.toBeNull();
    expect(first.start('club', 'ann', 'u_admin', 'u_admin')).toBeNull(); // asked again here
    const second = replica();
    expect(second.start('club', 'ann', 'u_admin', 'u_admin')).toBeNull(); // asked again on another replica
    first.close();
    expect(second.start('club', 'ann', 'u_admin', 'u_admin')).not.toBeNull();
    await waitFor(() => !stores.registry.hasTraces('club', 'ann'), { what: 'Ann erased' });
  });
});
