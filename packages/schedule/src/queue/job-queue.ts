import { ExitCode, VerdantError, newId, nowS, type Database, type JobState, type JobsTable, type Store } from '@verdant/core';
import { sql, type Kysely, type Updateable } from 'kysely';
import { ACTIVE_STATES, TERMINAL_STATES, WAITING_STATES, toRecord, type JobPlanSummary, type JobRecord, type PendingRequest } from './record.js';
import type { JobRequest } from './request.js';

export interface JobEvent {
  t: number;
  state: JobState;
  message: string;
}

/** Only rows still matching these conditions are changed; the caller learns whether it won. */
export interface Guard {
  states?: readonly JobState[];
  /** The row's owner must equal this (null: no owner). */
  owner?: string | null;
  /** The row's lease must have expired before this time (taking over from a dead owner). */
  leaseBefore?: number;
}

/**
 * The persistent job queue over the store's Kysely instance (SQLite or PostgreSQL). Every state change is a
 * conditional UPDATE guarded by the expected state and owner, so two schedulers (or a scheduler and a
 * `verdant jobs cancel`) never both win the same transition; each change is logged in job_events.
 */
export class JobQueue {
  /** Events of changes that were made while the event itself could not be written; retried by flushEvents(). */
  private unlogged: Array<{ job_id: string; t: number; state: JobState; message: string }> = [];

  constructor(private readonly db: Kysely<Database>) {}

  static of(store: Store): JobQueue {
    return new JobQueue(store.db);
  }

  async add(spec: JobRequest, plan: JobPlanSummary, options: { id?: string; externalId?: string; now?: number; message?: string } = {}): Promise<JobRecord> {
    const now = options.now ?? nowS();
    const row: JobsTable = {
      id: options.id ?? newId('j'),
      name: spec.name,
      state: 'scheduled',
      executor: spec.executor,
      spec: JSON.stringify(spec),
      plan: JSON.stringify(plan),
      planned_start: plan.plannedStart,
      created_at: now,
      updated_at: now,
      started_at: null,
      ended_at: null,
      owner: null,
      lease_until: null,
      attempts: 0,
      ran_s: 0,
      resumed_at: null,
      pid: null,
      host: null,
      run_id: null,
      external_id: options.externalId ?? null,
      exit_code: null,
      request: null,
      message: options.message ?? startMessage(plan),
    };
    await this.db.insertInto('jobs').values(row).execute();
    await this.logEvent(row.id, now, row.state, row.message);
    return toRecord(row);
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** The job, or a VerdantError naming `field` when there is none. */
  async require(idOrPrefix: string, field = 'job'): Promise<JobRecord> {
    const job = await this.get(await this.resolveId(idOrPrefix, field));
    if (!job) throw notFound(idOrPrefix, field);
    return job;
  }

  /** A full id or a unique prefix, as `git` resolves commits. */
  async resolveId(idOrPrefix: string, field = 'job'): Promise<string> {
    const exact = await this.db.selectFrom('jobs').select('id').where('id', '=', idOrPrefix).executeTakeFirst();
    if (exact) return exact.id;
    const rows = await this.db
      .selectFrom('jobs')
      .select('id')
      .where(sql<string>`substr(id, 1, ${idOrPrefix.length})`, '=', idOrPrefix)
      .limit(2)
      .execute();
    if (rows.length === 1) return rows[0]!.id;
    if (rows.length === 0) throw notFound(idOrPrefix, field);
    throw new VerdantError(`job id prefix ${idOrPrefix} is ambiguous`, { field, fix: 'pass more characters of the id', exitCode: ExitCode.usage });
  }

  async list(options: { states?: readonly JobState[]; executor?: string; limit?: number } = {}): Promise<JobRecord[]> {
    let q = this.db.selectFrom('jobs').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit ?? 100);
    if (options.states?.length) q = q.where('state', 'in', [...options.states]);
    if (options.executor) q = q.where('executor', '=', options.executor);
    return (await q.execute()).map(toRecord);
  }

  async events(id: string): Promise<JobEvent[]> {
    const rows = await this.db.selectFrom('job_events').select(['t', 'state', 'message']).where('job_id', '=', id).orderBy('t').execute();
    return rows.map((r) => ({ t: Number(r.t), state: r.state as JobState, message: r.message }));
  }

  /**
   * Applies `patch` if the row still matches `guard`; logs an event when the state or message changes.
   * Returns whether this caller's update won.
   */
  async update(id: string, guard: Guard, patch: Updateable<JobsTable>, now = nowS()): Promise<boolean> {
    // One statement, no transaction: the conditional UPDATE is the atomic step, and no lock is held across
    // an await (SQLite writers in other processes only wait for this one statement).
    let q = this.db
      .updateTable('jobs')
      .set({ ...patch, updated_at: now })
      .where('id', '=', id);
    if (guard.states) q = q.where('state', 'in', [...guard.states]);
    if (guard.owner === null) q = q.where('owner', 'is', null);
    else if (guard.owner !== undefined) q = q.where('owner', '=', guard.owner);
    if (guard.leaseBefore !== undefined) q = q.where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', guard.leaseBefore!)]));
    // RETURNING gives the state the event records in the same statement (SQLite 3.35+, PostgreSQL).
    const row = await q.returning('state').executeTakeFirst();
    const won = row !== undefined;
    if (won && (patch.state !== undefined || patch.message !== undefined)) await this.logEvent(id, now, row.state, patch.message ?? '');
    return won;
  }

  /**
   * Appends to a job's history. The change it describes is already made, so a failure to write the event
   * (the store went away) does not undo or fail it: the event is kept and written by the next flushEvents().
   */
  private async logEvent(jobId: string, t: number, state: JobState, message: string): Promise<void> {
    const event = { job_id: jobId, t, state, message };
    try {
      await this.db.insertInto('job_events').values(event).execute();
    } catch {
      this.unlogged.push(event);
    }
  }

  /** Writes the events held back while the store failed (the scheduler calls it each pass); rejects if it still fails. */
  async flushEvents(): Promise<void> {
    while (this.unlogged.length > 0) {
      const e = this.unlogged[0]!;
      // The failed insert may have committed without an answer: write it only if it is not there.
      const there = await this.db
        .selectFrom('job_events')
        .select('job_id')
        .where('job_id', '=', e.job_id)
        .where('t', '=', e.t)
        .where('state', '=', e.state)
        .where('message', '=', e.message)
        .executeTakeFirst();
      if (!there) await this.db.insertInto('job_events').values(e).execute();
      this.unlogged.shift();
    }
  }

  /** Local jobs whose planned start has come, oldest plan first; not yet owned, not held. */
  async due(now: number, executor = 'local', limit = 10): Promise<JobRecord[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('state', 'in', [...WAITING_STATES])
      .where('executor', '=', executor)
      .where('owner', 'is', null)
      .where('planned_start', '<=', now)
      .where((eb) => eb.or([eb('request', 'is', null), eb('request', '!=', 'hold')]))
      .orderBy('planned_start')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  /**
   * Claims a waiting job for `owner`: one atomic UPDATE from queued/scheduled with no owner to running with
   * this owner and a lease. Only one claimant can win, so a job is never started twice.
   */
  async claim(job: JobRecord, owner: string, host: string, now: number, leaseS: number): Promise<boolean> {
    return this.update(
      job.id,
      { states: WAITING_STATES, owner: null },
      {
        state: 'running',
        owner,
        host,
        lease_until: now + leaseS,
        started_at: now,
        resumed_at: now,
        attempts: job.attempts + 1,
        message: `started by ${owner}`,
      },
      now,
    );
  }

  /** Heartbeat: extends the lease on every job `owner` holds (updated_at records the beat, for crash reports). */
  async renew(owner: string, now: number, leaseS: number): Promise<void> {
    await this.db.updateTable('jobs').set({ lease_until: now + leaseS, updated_at: now }).where('owner', '=', owner).where('state', 'in', [...ACTIVE_STATES]).execute();
  }

  /** Jobs held by `owner`. */
  async owned(owner: string): Promise<JobRecord[]> {
    return (await this.db.selectFrom('jobs').selectAll().where('owner', '=', owner).execute()).map(toRecord);
  }

  /** Active local jobs whose owner stopped renewing its lease (crashed or killed scheduler). */
  async orphans(now: number, executor = 'local'): Promise<JobRecord[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('state', 'in', [...ACTIVE_STATES])
      .where('executor', '=', executor)
      .where((eb) => eb.or([eb('owner', 'is', null), eb('lease_until', '<', now)]))
      .execute();
    return rows.map(toRecord);
  }

  /** Takes over an orphan: wins only if the old owner still holds it and its lease is still expired. */
  async adopt(job: JobRecord, owner: string, now: number, leaseS: number, message: string): Promise<boolean> {
    let q = this.db
      .updateTable('jobs')
      .set({ owner, lease_until: now + leaseS, updated_at: now, message })
      .where('id', '=', job.id)
      .where('state', '=', job.state);
    q = job.owner === null ? q.where('owner', 'is', null) : q.where('owner', '=', job.owner).where('lease_until', '<', now);
    const res = await q.executeTakeFirst();
    const won = Number(res.numUpdatedRows) === 1;
    if (won) await this.logEvent(job.id, now, job.state, message);
    return won;
  }

  /**
   * Cancels a job: a waiting one at once; an active one by asking its owner (it stops the process at its
   * next tick). Returns the job as it now stands.
   */
  async cancel(idOrPrefix: string, now = nowS()): Promise<JobRecord> {
    const job = await this.require(idOrPrefix);
    if (TERMINAL_STATES.includes(job.state)) {
      throw new VerdantError(`job ${job.id} already ended (${job.state})`, { field: 'job', exitCode: ExitCode.usage });
    }
    if (WAITING_STATES.includes(job.state) && job.executor === 'local') {
      const won = await this.update(job.id, { states: WAITING_STATES, owner: null }, { state: 'cancelled', ended_at: now, message: 'cancelled before it started' }, now);
      if (won) return (await this.get(job.id))!;
    }
    await this.request(job.id, 'cancel', now);
    return (await this.get(job.id))!;
  }

  /**
   * Jobs not yet ended, by state and executor, and how many of the running or paused ones are held by a
   * scheduler whose lease ran out (it stopped heartbeating). Reads only unfinished jobs (the state index), so
   * its cost does not grow with the jobs that have ended.
   */
  async openCounts(now = nowS()): Promise<Array<{ state: JobState; executor: string; jobs: number; leaseExpired: number }>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['state', 'executor'])
      .select((eb) => [
        eb.fn.countAll<number | string>().as('jobs'),
        eb.fn.sum<number | string | null>(sql`case when ${sql.ref('owner')} is not null and ${sql.ref('lease_until')} < ${now} then 1 else 0 end`).as('lease_expired'),
      ])
      .where('state', 'in', [...WAITING_STATES, ...ACTIVE_STATES])
      .groupBy(['state', 'executor'])
      .execute();
    return rows.map((r) => ({ state: r.state, executor: r.executor, jobs: Number(r.jobs), leaseExpired: Number(r.lease_expired ?? 0) }));
  }

  /** Records a request for the job's owner (cancel, hold, resume). */
  async request(id: string, request: PendingRequest, now = nowS()): Promise<boolean> {
    return this.update(id, { states: [...WAITING_STATES, ...ACTIVE_STATES] }, { request, message: `${request} requested` }, now);
  }
}

/** What a new job's first event says: its planned start, or why it could not be planned. */
function startMessage(plan: JobPlanSummary): string {
  const at = new Date(plan.plannedStart * 1000).toISOString();
  return plan.note ? `${plan.note} (${at})` : `planned to start at ${at}`;
}

function notFound(idOrPrefix: string, field: string): VerdantError {
  return new VerdantError(`no job with id ${idOrPrefix}`, { field, fix: 'list jobs with `verdant jobs list`', exitCode: ExitCode.usage });
}
