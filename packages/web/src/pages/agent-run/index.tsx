// One recorded agent run: a Gantt chart per turn, the model's request and each tool call on real times (epoch
// seconds from the store), with the wait before each call started (queue, of which rate limit) drawn apart and
// the call on the turn's critical path marked. Refreshes every second while the run goes.
import { ErrorNote, Stat, Status, useInterval, useLoad } from '../../components/ui';
import { getJson } from '../../lib/api';
import * as f from '../../lib/format';
import type { PageDef, PageProps } from '../page';
import type { AgentRunItem } from '../agent-runs';

interface Turn {
  step: number;
  started_at: number;
  first_token_at: number | null;
  ended_at: number | null;
  finish_reason: string | null;
  input_tokens: number;
  output_tokens: number;
  error: string | null;
}
interface Call {
  step: number;
  seq: number;
  call_id: string;
  tool: string;
  status: string;
  dispatched_at: number;
  started_at: number | null;
  ended_at: number | null;
  attempts: number;
  queue_wait_s: number | null;
  rate_wait_s: number;
  error: string | null;
}
interface AgentRunDoc extends AgentRunItem {
  turns: Turn[];
  calls: Call[];
  critical_path: Array<{ step: number; seconds: number; seq: number | null }>;
}

/** Fills by bar kind, from the theme's variables (light and dark). */
const FILL: Record<string, string> = {
  'gantt-model': 'var(--link)',
  'gantt-queue': 'var(--paused)',
  'gantt-rate': 'var(--warn)',
  'gantt-run': 'var(--accent)',
  'gantt-error': 'var(--danger)',
};
const Swatch = ({ kind }: { kind: string }) => <span style={{ display: 'inline-block', width: '0.9em', height: '0.9em', background: FILL[kind], verticalAlign: 'middle' }} />;

const ROW = 22;
const LABEL = 190;
const WIDTH = 900;

/** Bars of one turn: the model row, then one row per call (wait | run), on a shared time axis from the run's start. */
function TurnGantt({ run, turn, now }: { run: AgentRunDoc; turn: Turn; now: number }) {
  const calls = run.calls.filter((c) => c.step === turn.step);
  const critical = run.critical_path.find((p) => p.step === turn.step)?.seq;
  const end = (t: number | null) => t ?? now;
  const t0 = turn.started_at;
  const t1 = Math.max(end(turn.ended_at), ...calls.map((c) => end(c.ended_at)), t0 + 0.001);
  const x = (t: number) => LABEL + ((t - t0) / (t1 - t0)) * (WIDTH - LABEL - 10);
  const height = ROW * (calls.length + 2);
  const bar = (from: number, to: number, cls: string, y: number, title: string) => (
    <rect data-kind={cls} fill={FILL[cls]} x={x(from)} y={y + 4} width={Math.max(1, x(to) - x(from))} height={ROW - 8}>
      <title>{title}</title>
    </rect>
  );
  return (
    <figure class="chart-block" data-turn={turn.step}>
      <figcaption>
        Turn {turn.step}: {turn.finish_reason ?? turn.error ?? 'running'} · {f.duration(t1 - t0)} · tokens {turn.input_tokens} / {turn.output_tokens}
      </figcaption>
      <svg role="img" aria-label={`Gantt chart of turn ${turn.step}`} viewBox={`0 0 ${WIDTH} ${height}`} width="100%" data-gantt={turn.step}>
        <text x={4} y={ROW - 7} fill="var(--fg)" font-size="12">
          model
        </text>
        {bar(turn.started_at, end(turn.ended_at), 'gantt-model', 0, `model request ${f.duration(end(turn.ended_at) - turn.started_at)}`)}
        {turn.first_token_at !== null && <line stroke="var(--fg)" stroke-width="2" x1={x(turn.first_token_at)} x2={x(turn.first_token_at)} y1={2} y2={ROW - 2} />}
        {calls.map((c, i) => {
          const y = ROW * (i + 1);
          const started = c.started_at;
          const rateFrom = started === null ? null : started - c.rate_wait_s;
          return (
            <g key={c.seq} data-call={c.call_id} data-status={c.status} data-critical={critical === c.seq ? 'true' : undefined}>
              <text x={4} y={y + ROW - 7} fill="var(--fg)" font-size="12">
                {critical === c.seq ? '★ ' : ''}
                {c.tool} {c.call_id}
              </text>
              {started === null
                ? bar(c.dispatched_at, end(c.ended_at), c.ended_at === null ? 'gantt-queue' : 'gantt-error', y, `${c.status}${c.error ? `: ${c.error}` : ''}`)
                : [
                    bar(c.dispatched_at, rateFrom!, 'gantt-queue', y, `waited for a slot ${f.duration(Math.max(0, rateFrom! - c.dispatched_at))}`),
                    c.rate_wait_s > 0 ? bar(rateFrom!, started, 'gantt-rate', y, `rate limit ${f.duration(c.rate_wait_s)}`) : null,
                    bar(started, end(c.ended_at), c.status === 'ok' || c.status === 'running' ? 'gantt-run' : 'gantt-error', y, `${c.status} in ${f.duration(end(c.ended_at) - started)}, ${c.attempts} attempt(s)${c.error ? `: ${c.error}` : ''}`),
                  ]}
            </g>
          );
        })}
        <text x={LABEL} y={height - 6} fill="var(--fg)" font-size="12">
          +{f.duration(t0 - run.started_at)}
        </text>
        <text x={WIDTH - 10} y={height - 6} fill="var(--fg)" font-size="12" text-anchor="end">
          +{f.duration(t1 - run.started_at)}
        </text>
      </svg>
    </figure>
  );
}

function AgentRunPage({ params }: PageProps) {
  const id = params.id ?? '';
  const run = useLoad((signal) => getJson<AgentRunDoc>(`/api/agent-runs/${encodeURIComponent(id)}`, signal), [id]);
  const live = run.data?.status === 'running';
  useInterval(run.reload, live ? 1000 : null);
  const r = run.data;
  const now = Date.now() / 1000;
  return (
    <main data-page="agent-run" data-ready={r ? 'true' : undefined} data-live={live ? 'true' : undefined}>
      <h1>{r ? r.name : 'Agent run'}</h1>
      <ErrorNote error={run.error} />
      {r && (
        <>
          <div class="stats">
            <Stat label="Status" value={<Status status={r.status} />} hint={r.finish_reason ?? r.error ?? undefined} />
            <Stat label="Model" value={`${r.vendor}/${r.model}`} />
            <Stat label="Duration" value={f.duration((r.ended_at ?? now) - r.started_at)} hint={f.dateTime(r.started_at)} />
            <Stat label="Tokens in / out" value={`${r.input_tokens} / ${r.output_tokens}`} />
            <Stat label="Cost" value={r.cost_usd === null ? '–' : `$${r.cost_usd.toFixed(4)}`} />
          </div>
          <p class="note">
            Bars: <Swatch kind="gantt-model" /> model request (line: first token) · <Swatch kind="gantt-queue" /> waiting for a slot · <Swatch kind="gantt-rate" /> held by the rate limit ·{' '}
            <Swatch kind="gantt-run" /> running · <Swatch kind="gantt-error" /> failed. ★ the call on the turn's critical path.
          </p>
          {r.turns.map((t) => (
            <TurnGantt key={t.step} run={r} turn={t} now={now} />
          ))}
        </>
      )}
    </main>
  );
}

export const page: PageDef = { name: 'agent-run', section: 'agent-runs', path: '/agent-runs/:id', title: (p) => `Agent run ${p.id ?? ''}`, component: AgentRunPage };
