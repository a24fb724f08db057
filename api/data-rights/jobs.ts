import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';

/** A long piece of work a person started (an export, an erasure), with its progress for their page. */
export interface Job {
  id: string;
  kind: 'export' | 'erasure';
  /** The user who started it: only they see it. */
  owner: string;
  status: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  step: string;
  startedMs: number;
  finishedMs: number | null;
  /** Why it failed, in words. */
  error: string | null;
  /** The archive an export wrote (alone in a directory of its own), until the job expires. */
  file: string | null;
}

/** A finished job (and its archive) is kept this long. */
const KEEP_MS = 3_600_000;
/** Jobs one person may have running at once. */
export const MAX_RUNNING_PER_USER = 2;

/**
 * Jobs in this API process (a restart forgets them, and deletes nothing it should not: an erasure
 * interrupted halfway is simply run again). Progress is what the page polls.
 */
export class Jobs {
  private readonly jobs = new Map<string, Job>();

  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly logger: Logger) {
    // Archives of health data do not outlive their hour, whether or not another job starts.
    this.sweeper = setInterval(() => this.expire(), 60_000);
    this.sweeper.unref();
  }

  start(
    kind: Job['kind'],
    owner: string,
    work: (progress: (done: number, total: number, step: string) => void, job: Job) => Promise<string | null>,
  ): Job {
    this.expire();
    const running = [...this.jobs.values()].filter((job) => job.owner === owner && job.status === 'running').length;
    if (running >= MAX_RUNNING_PER_USER) throw new TooManyJobs();
    const job: Job = {
      id: `j_${randomBytes(12).toString('base64url')}`,
      kind,
      owner,
      status: 'running',
      done: 0,
      total: 1,
      step: 'starting',
      startedMs: Date.now(),
      finishedMs: null,
      error: null,
      file: null,
    };
    this.jobs.set(job.id, job);
    const progress = (done: number, total: number, step: string) => Object.assign(job, { done, total, step });
    void work(progress, job).then(
      (file) => Object.assign(job, { status: 'done', file, finishedMs: Date.now(), step: 'done', done: job.total }),
      (error: unknown) => {
        this.logger.error({ err: error, job: job.id, kind }, 'job failed');
        Object.assign(job, { status: 'failed', error: (error as Error).message, finishedMs: Date.now() });
      },
    );
    return job;
  }

  /** The job, when it is this person's. */
  get(id: string, owner: string): Job | null {
    const job = this.jobs.get(id);
    return job && job.owner === owner ? job : null;
  }

  private expire(nowMs = Date.now()): void {
    for (const [id, job] of this.jobs)
      if (job.finishedMs !== null && nowMs - job.finishedMs > KEEP_MS) {
        this.jobs.delete(id);
        if (job.file) void rm(dirname(job.file), { recursive: true, force: true });
      }
  }

  /** Deletes every archive still on disk (the API is stopping). */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all(
      [...this.jobs.values()].map((job) => (job.file ? rm(dirname(job.file), { recursive: true, force: true }) : undefined)),
    );
    this.jobs.clear();
  }
}

export class TooManyJobs extends Error {
  constructor() {
    super(`at most ${MAX_RUNNING_PER_USER} exports or erasures at once: wait for one to finish`);
  }
}
