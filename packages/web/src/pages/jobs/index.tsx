// Jobs: the queue, each job's planned window drawn over its zone's forecast on one timeline, states and
// history; cancel, pause and resume (POST /api/jobs/:id/<action>, authorised like every /api call).
import { useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { Chart, axis, spansPlugin, withAlpha, type Span } from '../../components/Chart';
import { ErrorNote, Status, useInterval, useLoad } from '../../components/ui';
import { describeError, getJson, postJson, query } from '../../lib/api';
import * as f from '../../lib/format';
import { href } from '../../lib/router';
import { alignSteps, stepSeries } from '../../lib/series';
import type { IntensitySeries, Job } from '../../lib/types';
import type { PageDef } from '../page';

const HOUR = 3600;
const WAITING = new Set(['queued', 'scheduled']);
const ENDED = new Set(['succeeded', 'failed', 'cancelled']);

const zoneOf = (j: Job): string | undefined => j.plan?.zone ?? (typeof j.spec?.zone === 'string' ? j.spec.zone : undefined);
const held = (j: Job): boolean => j.state === 'paused' || j.pending_request === 'hold' || j.pending_request === 'pause';

function windowOf(j: Job): { from: number; to: number } | undefined {
  const from = f.epochS(j.started_at ?? j.plan?.planned_start ?? j.planned_start);
  const to = f.epochS(j.ended_at ?? j.plan?.planned_end);
  if (!Number.isFinite(from)) return undefined;
  return { from, to: Number.isFinite(to) && to > from ? to : from + (typeof j.spec.durationS === 'number' ? j.spec.durationS : HOUR) };
}

function History({ job }: { job: Job }) {
  const [events, setEvents] = useState<Job['events'] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <details
      onToggle={(e) => {
        if ((e.currentTarget as HTMLDetailsElement).open && !events) {
          getJson<Job>(`/api/jobs/${encodeURIComponent(job.job_id)}`)
            .then((j) => setEvents(j.events ?? []))
            .catch(setError);
        }
      }}
    >
      <summary>History</summary>
      <ErrorNote error={error} />
      {events && (
        <ol class="note">
          {events.map((ev, i) => (
            <li key={i}>
              {f.dateTime(ev.at)}: {ev.state}
              {ev.message ? ` — ${f.humanTimes(ev.message)}` : ''}
            </li>
          ))}
        </ol>
      )}
    </details>
  );
}

function JobsPage() {
  const jobs = useLoad((signal) => getJson<{ jobs: Job[] }>('/api/jobs?limit=200', signal), []);
  useInterval(jobs.reload, 3000);
  const [span] = useState(() => {
    const now = Math.floor(Date.now() / 1000 / HOUR) * HOUR;
    return { from: now - 12 * HOUR, to: now + 36 * HOUR };
  });
  const list = jobs.data?.jobs ?? [];
  const zones = useMemo(() => [...new Set(list.filter((j) => !ENDED.has(j.state)).map(zoneOf).filter((z): z is string => !!z))].sort(), [list.map((j) => `${j.job_id}:${zoneOf(j)}:${j.state}`).join(',')]);
  const forecasts = useLoad(
    (signal) => Promise.all(zones.map((zone) => getJson<IntensitySeries>(`/api/intensity${query({ zone, from: span.from, to: span.to })}`, signal).catch(() => ({ zone, points: [], parts: [] })))),
    [zones.join(',')],
  );
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<string | undefined>(undefined);

  const act = async (job: Job, action: 'cancel' | 'pause' | 'resume') => {
    setBusy(`${job.job_id}:${action}`);
    try {
      await postJson(`/api/jobs/${encodeURIComponent(job.job_id)}/${action}`);
      setActionError(undefined);
      jobs.reload();
    } catch (e) {
      setActionError(`${action} ${job.name}: ${describeError(e)}`);
    } finally {
      setBusy(undefined);
    }
  };

  const data = useMemo(() => {
    const steps = (forecasts.data ?? []).map((s) => stepSeries(s.points.map((p) => ({ t: f.epochS(p.t), resolutionS: p.resolution_s, value: p.g_per_kwh })), span.from, span.to));
    const a = alignSteps(steps);
    return [a.t, ...a.v] as uPlot.AlignedData;
  }, [forecasts.data]);

  const spans = useRef<Array<Span & { zone: string }>>([]);
  spans.current = list
    .filter((j) => !ENDED.has(j.state) || (j.ended_at && f.epochS(j.ended_at) > span.from))
    .flatMap((j) => {
      const w = windowOf(j);
      const z = zoneOf(j);
      return w && z ? [{ ...w, color: '', label: j.name, zone: z }] : [];
    });
  // The axis ends an hour after the last thing drawn (the forecast's end or the last planned window), within the
  // span asked for, so that it does not run on past what is known.
  const axisEnd = useRef(span.to);
  {
    const ts = data[0] as ArrayLike<number>;
    const last = Math.max(ts.length ? ts[ts.length - 1]! : span.from, ...spans.current.map((s) => s.to));
    axisEnd.current = Math.min(span.to, Math.max(span.from + HOUR, Math.ceil(last / HOUR) * HOUR + HOUR));
  }

  return (
    <main data-page="jobs" data-ready={jobs.data ? 'true' : undefined}>
      <h1>Jobs</h1>
      <ErrorNote error={jobs.error} />
      <div class="chart-block">
        <h2>Timeline: planned windows over each zone's forecast</h2>
        <Chart
          name="timeline"
          label="Each job's planned window over the forecast intensity of its zone"
          data={data}
          optionsKey={`timeline:${zones.join(',')}`}
          height={240}
          options={(theme) => ({
            scales: { x: { time: true, range: () => [span.from, axisEnd.current] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
            axes: [axis(theme), axis(theme, { size: 85, values: (_u, v) => v.map((g) => f.intensity(g)) })],
            plugins: [
              spansPlugin(
                () => spans.current.map((s) => ({ ...s, color: withAlpha(theme.series[Math.max(0, zones.indexOf(s.zone)) % theme.series.length]!, 0.18) })),
                theme.fg,
              ),
            ],
            series: [{}, ...zones.map((z, i) => ({ label: z, stroke: theme.series[i % theme.series.length], width: 1.5, points: { show: false }, paths: uPlot.paths.stepped!({ align: 1 }), value: (_u: uPlot, v: number | null) => f.intensity(v) }))],
          })}
        />
        {zones.length === 0 && <p class="muted">No waiting or running job: nothing planned to draw.</p>}
      </div>
      {actionError && (
        <p class="error" role="alert">
          {actionError}
        </p>
      )}
      <h2>Queue and history</h2>
      <div class="table-wrap" tabIndex={0}>
        <table data-table="jobs">
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">State</th>
              <th scope="col">Zone</th>
              <th scope="col">Planned window</th>
              <th scope="col" class="num">Saving</th>
              <th scope="col">Run</th>
              <th scope="col">Actions</th>
              <th scope="col">History</th>
            </tr>
          </thead>
          <tbody>
            {list.map((j) => {
              const canCancel = !ENDED.has(j.state);
              const canResume = held(j) && !ENDED.has(j.state);
              const canPause = !canResume && (WAITING.has(j.state) || j.state === 'running');
              return (
                <tr key={j.job_id} data-job-id={j.job_id} data-state={j.state}>
                  <td>
                    {j.name}
                    <div class="note">
                      <code>{j.job_id.slice(0, 12)}</code> · {j.executor}
                    </div>
                  </td>
                  <td>
                    <Status status={j.state} />
                    {j.message && <div class="note" style={{ whiteSpace: 'normal', maxWidth: '18rem' }}>{f.humanTimes(j.message)}</div>}
                  </td>
                  <td>{zoneOf(j) ?? '–'}</td>
                  <td>
                    {j.plan?.planned_start ? `${f.dateTime(j.plan.planned_start)} – ${f.time(j.plan.planned_end)}` : '–'}
                    {j.plan?.source && <div class="note">{j.plan.source}</div>}
                  </td>
                  <td class="num">{j.plan?.saving_fraction !== null && j.plan?.saving_fraction !== undefined ? f.percent(j.plan.saving_fraction) : '–'}</td>
                  <td>{j.run_id ? <a href={href(`/runs/${encodeURIComponent(j.run_id)}`)}>{j.run_id.slice(0, 8)}</a> : '–'}</td>
                  <td>
                    <div class="row">
                      {canPause && (
                        <button type="button" aria-label={`Pause ${j.name}`} disabled={busy !== undefined} onClick={() => act(j, 'pause')}>
                          Pause
                        </button>
                      )}
                      {canResume && (
                        <button type="button" aria-label={`Resume ${j.name}`} disabled={busy !== undefined} onClick={() => act(j, 'resume')}>
                          Resume
                        </button>
                      )}
                      {canCancel && (
                        <button type="button" aria-label={`Cancel ${j.name}`} disabled={busy !== undefined} onClick={() => act(j, 'cancel')}>
                          Cancel
                        </button>
                      )}
                    </div>
                  </td>
                  <td>
                    <History job={j} />
                  </td>
                </tr>
              );
            })}
            {jobs.data && list.length === 0 && (
              <tr>
                <td colSpan={8} class="muted">
                  No job yet. Submit one with <code>verdant submit</code> or POST /api/jobs.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </main>
  );
}

export const page: PageDef = { name: 'jobs', path: '/jobs', nav: 'Jobs', title: () => 'Jobs', component: JobsPage };
