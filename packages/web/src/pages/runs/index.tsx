// Runs: a server-paged table (cursor-based) with filters, sorting and search; select two or more to compare.
import { useMemo, useState } from 'preact/hooks';
import { Chart, axis } from '../../components/Chart';
import { ErrorNote, Status, useDebounced, useLoad } from '../../components/ui';
import { getJson, query } from '../../lib/api';
import * as f from '../../lib/format';
import { href } from '../../lib/router';
import { totalPower } from '../../lib/series';
import type { RunListItem, RunsPage, SamplesPage } from '../../lib/types';
import type { PageDef } from '../page';

const STATUSES = ['running', 'paused', 'succeeded', 'failed', 'stopped', 'interrupted'];
type SortKey = 'started_at' | 'energy_j' | 'emissions_g' | 'duration_s' | 'name';

interface Filters {
  status: string;
  name: string;
  zone: string;
  host: string;
  group: string;
  since: string;
  until: string;
  q: string;
}

const EMPTY: Filters = { status: '', name: '', zone: '', host: '', group: '', since: '', until: '', q: '' };
const PAGE_SIZE = 50;

function TextFilter({ id, label, value, onInput, type = 'text' }: { id: string; label: string; value: string; onInput: (v: string) => void; type?: 'text' | 'search' | 'datetime-local' }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type={type as "text"} value={value} onInput={(e) => onInput(e.currentTarget.value)} />
    </div>
  );
}

function SortHeader({ label, k, sort, order, onSort, num }: { label: string; k: SortKey; sort: SortKey; order: 'asc' | 'desc'; onSort: (k: SortKey) => void; num?: boolean }) {
  const active = sort === k;
  return (
    <th scope="col" class={num ? 'num' : undefined} aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : undefined}>
      <button type="button" class="sort" onClick={() => onSort(k)} aria-label={`Sort by ${label}`}>
        {label} {active ? (order === 'asc' ? '▲' : '▼') : ''}
      </button>
    </th>
  );
}

const COMPARE_BINS = 200;

function Compare({ runs, onClose }: { runs: RunListItem[]; onClose: () => void }) {
  const ids = runs.map((r) => r.run_id).join(',');
  const { data, error } = useLoad(
    (signal) => Promise.all(runs.map((r) => getJson<SamplesPage>(`/api/runs/${encodeURIComponent(r.run_id)}/samples?points=${COMPARE_BINS}`, signal))),
    [ids],
  );
  const chart = useMemo(() => {
    if (!data) return undefined;
    const curves = data.map((s, i) => {
      const tp = totalPower(s.samples);
      const start = f.epochS(runs[i]!.started_at);
      return { x: tp.t.map((t) => t - start), w: tp.w };
    });
    const maxX = Math.max(1, ...curves.map((c) => c.x[c.x.length - 1] ?? 0));
    const xs = Array.from({ length: COMPARE_BINS + 1 }, (_, i) => (i * maxX) / COMPARE_BINS);
    const ys = curves.map((c) =>
      xs.map((x) => {
        if (!c.x.length || x > c.x[c.x.length - 1]!) return null;
        let k = c.x.findIndex((t) => t >= x);
        if (k < 0) k = c.x.length - 1;
        return c.w[k]!;
      }),
    );
    return [xs, ...ys] as [number[], ...Array<Array<number | null>>];
  }, [data]);
  return (
    <section class="card" aria-labelledby="compare-title" data-section="compare">
      <div class="row">
        <h2 id="compare-title" style={{ margin: 0 }}>
          Comparing {runs.length} runs
        </h2>
        <button type="button" onClick={onClose}>
          Close comparison
        </button>
      </div>
      <div class="table-wrap" tabIndex={0} style={{ marginTop: '0.6rem' }}>
        <table>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">Duration</th>
              <th scope="col" class="num">Energy</th>
              <th scope="col" class="num">Emissions</th>
              <th scope="col" class="num">Mean intensity</th>
              <th scope="col">Zone</th>
              <th scope="col">Host</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.run_id}>
                <td>
                  <a href={href(`/runs/${encodeURIComponent(r.run_id)}`)}>{r.name}</a>
                </td>
                <td>
                  <Status status={r.status} />
                </td>
                <td class="num">{f.duration(r.duration_s)}</td>
                <td class="num">{f.energy(r.energy_j)}</td>
                <td class="num">{f.emissions(r.emissions_g)}</td>
                <td class="num">{r.energy_j > 0 ? f.intensity(r.emissions_g / (r.energy_j / 3.6e6)) : '–'}</td>
                <td>{r.zone}</td>
                <td>{r.host}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorNote error={error} />
      {chart && (
        <div class="chart-block">
          <h3>Power over elapsed time</h3>
          <Chart
            name="compare"
            label="Total power of each selected run against the time since it started"
            data={chart}
            optionsKey={ids}
            height={220}
            options={(theme) => ({
              scales: { x: { time: false } },
              axes: [axis(theme, { values: (_u, v) => v.map((s) => f.duration(s)) }), axis(theme, { size: 75, values: (_u, v) => v.map((w) => f.power(w)) })],
              series: [{ label: 'elapsed', value: (_u, v) => f.duration(v) }, ...runs.map((r, i) => ({ label: r.name, stroke: theme.series[i % theme.series.length], width: 1.5, value: (_u: unknown, v: number | null) => f.power(v) }))],
            })}
          />
        </div>
      )}
    </section>
  );
}

function RunsPageView() {
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [sort, setSort] = useState<SortKey>('started_at');
  const [order, setOrder] = useState<'asc' | 'desc'>('desc');
  const [cursor, setCursor] = useState<string | null>(null);
  const [selected, setSelected] = useState<Map<string, RunListItem>>(new Map());
  const [comparing, setComparing] = useState<RunListItem[] | null>(null);
  const debounced = useDebounced(filters, 250);

  const qs = query({
    limit: PAGE_SIZE,
    cursor,
    status: debounced.status,
    name: debounced.name,
    zone: debounced.zone,
    host: debounced.host,
    group: debounced.group,
    since: f.localInputToIso(debounced.since),
    until: f.localInputToIso(debounced.until),
    q: debounced.q,
    sort,
    order,
  });
  const { data, error, loading } = useLoad((signal) => getJson<RunsPage>(`/api/runs${qs}`, signal), [qs]);

  const set = (k: keyof Filters) => (v: string) => {
    setFilters((x) => ({ ...x, [k]: v }));
    setCursor(null);
  };
  const onSort = (k: SortKey) => {
    if (k === sort) setOrder((o) => (o === 'asc' ? 'desc' : 'asc'));
    else {
      setSort(k);
      setOrder(k === 'name' ? 'asc' : 'desc');
    }
    setCursor(null);
  };
  const toggle = (r: RunListItem, on: boolean) =>
    setSelected((m) => {
      const n = new Map(m);
      if (on) n.set(r.run_id, r);
      else n.delete(r.run_id);
      return n;
    });

  return (
    <main data-page="runs" data-ready={data ? 'true' : undefined}>
      <h1>Runs</h1>
      <form class="filters" role="search" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="f-status">Status</label>
          <select id="f-status" value={filters.status} onChange={(e) => set('status')(e.currentTarget.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <TextFilter id="f-name" label="Name" value={filters.name} onInput={set('name')} />
        <TextFilter id="f-zone" label="Zone" value={filters.zone} onInput={set('zone')} />
        <TextFilter id="f-host" label="Host" value={filters.host} onInput={set('host')} />
        <TextFilter id="f-group" label="Group" value={filters.group} onInput={set('group')} />
        <TextFilter id="f-since" label="From" type="datetime-local" value={filters.since} onInput={set('since')} />
        <TextFilter id="f-until" label="To" type="datetime-local" value={filters.until} onInput={set('until')} />
        <TextFilter id="f-q" label="Search" type="search" value={filters.q} onInput={set('q')} />
        <button
          type="button"
          onClick={() => {
            setFilters(EMPTY);
            setCursor(null);
          }}
        >
          Clear filters
        </button>
      </form>
      <ErrorNote error={error} />
      <div class="pager">
        <button type="button" disabled={!data?.prev_cursor} onClick={() => setCursor(data?.prev_cursor ?? null)}>
          Previous page
        </button>
        <button type="button" disabled={!data?.next_cursor} onClick={() => setCursor(data?.next_cursor ?? null)}>
          Next page
        </button>
        <span class="muted" aria-live="polite">
          {data ? `${data.runs.length} shown of ${data.total} run${data.total === 1 ? '' : 's'}` : loading ? 'Loading…' : ''}
        </span>
        <button type="button" class="primary" disabled={selected.size < 2} onClick={() => setComparing([...selected.values()])}>
          Compare
        </button>
        <span class="muted">{selected.size} selected</span>
      </div>
      {comparing && <Compare runs={comparing} onClose={() => setComparing(null)} />}
      <div class="table-wrap" tabIndex={0}>
        <table data-table="runs" aria-busy={loading ? 'true' : 'false'}>
          <thead>
            <tr>
              <th scope="col">
                <span class="visually-hidden">Select</span>
              </th>
              <SortHeader label="Name" k="name" sort={sort} order={order} onSort={onSort} />
              <th scope="col">Status</th>
              <SortHeader label="Started" k="started_at" sort={sort} order={order} onSort={onSort} />
              <SortHeader label="Duration" k="duration_s" sort={sort} order={order} onSort={onSort} num />
              <SortHeader label="Energy" k="energy_j" sort={sort} order={order} onSort={onSort} num />
              <SortHeader label="Emissions" k="emissions_g" sort={sort} order={order} onSort={onSort} num />
              <th scope="col">Zone</th>
              <th scope="col">Host</th>
              <th scope="col">Group</th>
            </tr>
          </thead>
          <tbody>
            {data?.runs.map((r) => (
              <tr key={r.run_id} data-run-id={r.run_id}>
                <td>
                  <input type="checkbox" aria-label={`Select ${r.name}`} checked={selected.has(r.run_id)} onChange={(e) => toggle(r, e.currentTarget.checked)} />
                </td>
                <td>
                  <a href={href(`/runs/${encodeURIComponent(r.run_id)}`)}>{r.name}</a>
                </td>
                <td>
                  <Status status={r.status} />
                </td>
                <td>{f.dateTime(r.started_at)}</td>
                <td class="num">{f.duration(r.duration_s)}</td>
                <td class="num">{f.energy(r.energy_j)}</td>
                <td class="num">{f.emissions(r.emissions_g)}</td>
                <td>{r.zone}</td>
                <td>{r.host}</td>
                <td>{r.group_id ? <code>{r.group_id.slice(0, 12)}</code> : ''}</td>
              </tr>
            ))}
            {data && data.runs.length === 0 && (
              <tr>
                <td colSpan={10} class="muted">
                  No run matches.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </main>
  );
}

export const page: PageDef = { name: 'runs', path: '/runs', nav: 'Runs', title: () => 'Runs', component: RunsPageView };
