// Hardware: which accelerators, how many, where and when (@verdant/accel, docs/hardware.md). A training job's
// form asks POST /api/accel/recommend; its Pareto front is drawn as cost against carbon (area by hours), the
// chosen plan and its five nearest alternatives are tabled with where each figure came from, the excluded
// devices with their reasons; below, the measured and published profiles and the device catalog.
import { useEffect, useState } from 'preact/hooks';
import { ErrorNote, useLoad } from '../../components/ui';
import { ApiError, describeError, getJson, postJson } from '../../lib/api';
import * as f from '../../lib/format';
import { Pareto } from './Pareto';
import { planKey, type DeviceJson, type PlanJson, type ProfileJson, type Provenance, type RecommendationJson, type Sourced } from './types';
import './accel.css';

const PRECISIONS = ['bf16', 'fp16', 'fp8', 'tf32', 'fp32', 'int8'];

interface Form {
  paramsTotal: string;
  paramsActive: string;
  tokens: string;
  precision: string;
  deadline: string;
  earliestStart: string;
  allowRegions: string;
  objective: 'carbon' | 'cost' | 'time';
  pricing: 'on-demand' | 'spot';
  budgetUsd: string;
  carbonCapKg: string;
}

const DEFAULTS: Form = { paramsTotal: '7B', paramsActive: '', tokens: '2T', precision: 'bf16', deadline: '14d', earliestStart: '', allowRegions: '', objective: 'carbon', pricing: 'on-demand', budgetUsd: '', carbonCapKg: '' };

/** The request body field an input fills (the API's errors name these). */
const INPUT_OF: Record<string, string> = {
  paramsTotal: 'a-params',
  paramsActive: 'a-active',
  tokens: 'a-tokens',
  precision: 'a-precision',
  deadline: 'a-deadline',
  earliestStart: 'a-earliest',
  allowRegions: 'a-allow',
  objective: 'a-objective',
  pricing: 'a-pricing',
  budgetUsd: 'a-budget',
  carbonCapG: 'a-cap',
};

/** Checks what the browser can before asking; the server checks everything again and names the field. */
function check(v: Form): { field: string; message: string } | undefined {
  if (!v.paramsTotal.trim()) return { field: 'paramsTotal', message: 'Parameters: give the model size, e.g. 7B' };
  if (!v.tokens.trim()) return { field: 'tokens', message: 'Tokens: give the training tokens, e.g. 2T' };
  if (!v.deadline.trim()) return { field: 'deadline', message: 'Deadline: give a duration after the start (14d) or a date (2027-01-31)' };
  if (v.budgetUsd.trim() && !(Number(v.budgetUsd) > 0)) return { field: 'budgetUsd', message: 'Budget: give a number of US dollars greater than 0, or leave it empty' };
  if (v.carbonCapKg.trim() && !(Number(v.carbonCapKg) > 0)) return { field: 'carbonCapG', message: 'Carbon cap: give kgCO2e greater than 0, or leave it empty' };
  return undefined;
}

/** The request body: the library's field names, values as the CLI's strings ("7B", "14d"). */
function body(v: Form): Record<string, unknown> {
  const regions = v.allowRegions.split(',').map((s) => s.trim()).filter(Boolean);
  const earliest = f.localInputToIso(v.earliestStart);
  return {
    paramsTotal: v.paramsTotal.trim(),
    ...(v.paramsActive.trim() ? { paramsActive: v.paramsActive.trim() } : {}),
    tokens: v.tokens.trim(),
    precision: v.precision,
    deadline: v.deadline.trim(),
    ...(earliest ? { earliestStart: earliest } : {}),
    ...(regions.length ? { allowRegions: regions } : {}),
    objective: v.objective,
    pricing: v.pricing,
    ...(v.budgetUsd.trim() ? { budgetUsd: Number(v.budgetUsd) } : {}),
    ...(v.carbonCapKg.trim() ? { carbonCapG: Number(v.carbonCapKg) * 1000 } : {}),
  };
}

// A figure is only as good as its weakest input: the tag on a cell is the least trusted provenance among them.
const RANK: Record<Provenance, number> = { measured: 0, input: 0, published: 1, spec: 2, default: 3 };
const LABEL: Record<Provenance, string> = { measured: 'measured', input: 'given', published: 'published', spec: 'spec', default: 'default' };

function weakest(p: PlanJson, names: string[]): Provenance {
  let worst: Provenance = 'measured';
  for (const n of names) {
    const s = p.figures[n];
    if (s && RANK[s.provenance] > RANK[worst]) worst = s.provenance;
  }
  return worst;
}

/** Which figures each column rests on. */
const TIME = ['peak_flops', 'utilization', 'scaling'];
const ENERGY = [...TIME, 'device_power_w', 'idle_w', 'host_overhead', 'pue'];
const COLUMNS = {
  price: ['price_usd_per_h'],
  pflop: ['price_usd_per_h', 'peak_flops'],
  hours: TIME,
  kwh: ENERGY,
  carbon: [...ENERGY, 'intensity'],
  usd: ['price_usd_per_h', ...TIME],
};

function Prov({ p }: { p: Provenance }) {
  return (
    <span class={`prov prov-${p}`} data-prov={p}>
      {LABEL[p]}
    </span>
  );
}

const money = (v: number, digits = 0): string => `$${v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
const one = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
const whole = (v: number): string => Math.round(v).toLocaleString('en-US');
const gb = (b: number | null): string => (b === null ? '–' : `${whole(b / 1e9)} GB`);
const kgOf = (g: number): string => (g >= 1e7 ? whole(g / 1000) : one(g / 1000));
const offerOf = (p: PlanJson): string => `${p.provider} ${p.instance_type} ${p.region}${p.pricing === 'spot' ? ' (spot)' : ''}`;
const FIGURE_NAMES: Record<string, string> = {
  peak_flops: 'dense peak',
  utilization: 'utilization',
  scaling: 'scaling',
  device_power_w: 'device power',
  idle_w: 'idle power',
  host_overhead: 'host overhead',
  pue: 'PUE',
  memory_bytes_needed: 'memory needed',
  price_usd_per_h: 'price per instance-hour',
  intensity: 'grid intensity',
};

function figureValue(name: string, s: Sourced): string {
  if (name === 'peak_flops') return `${whole(s.value / 1e12)} TFLOP/s`;
  if (name === 'device_power_w' || name === 'idle_w') return `${whole(s.value)} W`;
  if (name === 'memory_bytes_needed') return gb(s.value);
  if (name === 'price_usd_per_h') return money(s.value, 2);
  if (name === 'intensity') return `${whole(s.value)} g/kWh`;
  return s.value.toFixed(2);
}

function PlanRow({ p, kind }: { p: PlanJson; kind: 'chosen' | 'alternative' }) {
  return (
    <tr data-plan={kind} data-front={p.on_front ? 'true' : 'false'} class={kind === 'chosen' ? 'plan-chosen' : undefined}>
      <th scope="row">{kind === 'chosen' ? 'chosen' : p.on_front ? 'front' : 'dominated'}</th>
      <td>
        {p.count} × {p.device_name}
      </td>
      <td class="num">
        {gb(p.device_memory_bytes)} <Prov p="spec" />
      </td>
      <td>{offerOf(p)}</td>
      <td>{p.grid_zone}</td>
      <td>{f.dateTime(p.start)}</td>
      <td class="num">
        {money(p.usd_per_device_hour, 2)} <Prov p={weakest(p, COLUMNS.price)} />
      </td>
      <td class="num">
        {p.usd_per_pflop_hour === null ? '–' : money(p.usd_per_pflop_hour, 2)} <Prov p={weakest(p, COLUMNS.pflop)} />
      </td>
      <td class="num">
        {one(p.duration_s / 3600)} <Prov p={weakest(p, COLUMNS.hours)} />
      </td>
      <td class="num">
        {whole(p.energy_j / 3.6e6)} <Prov p={weakest(p, COLUMNS.kwh)} />
      </td>
      <td class="num">
        {kgOf(p.emissions_g)} <Prov p={weakest(p, COLUMNS.carbon)} />
      </td>
      <td class="num">
        {money(p.cost_usd)} <Prov p={weakest(p, COLUMNS.usd)} />
      </td>
    </tr>
  );
}

function Result({ r }: { r: RecommendationJson }) {
  const onFront = new Set(r.front.map(planKey));
  const dominated = r.alternatives.filter((p) => !onFront.has(planKey(p)));
  const c = r.chosen;
  const excluded = [...r.excluded].sort((a, b) => a.device_id.localeCompare(b.device_id));
  return (
    <section aria-labelledby="a-result" data-result="recommend">
      <h2 id="a-result">Recommendation</h2>
      <p data-chosen-summary>
        <strong>
          {c.count} × {c.device_name}
        </strong>{' '}
        on {offerOf(c)} ({c.grid_zone}), starting {f.dateTime(c.start)}: {one(c.duration_s / 3600)} h, {whole(c.energy_j / 3.6e6)} kWh, {kgOf(c.emissions_g)} kgCO2e, {money(c.cost_usd)}. {whole(r.candidates)} placements
        evaluated, {r.front.length} on the Pareto front.
      </p>
      {r.warnings.map((w) => (
        <p key={w} class="note warn" data-warning>
          {w}
        </p>
      ))}
      <div class="chart-block">
        <h3>Pareto front: cost against carbon</h3>
        <Pareto front={r.front} dominated={dominated} chosen={c} />
      </div>
      <h3 id="a-plans">The chosen plan and the five nearest alternatives</h3>
      <p class="note">
        Each figure is tagged with the least trusted of the inputs it rests on: <Prov p="measured" /> on this or your hardware, <Prov p="published" /> by a third party, <Prov p="spec" /> from a datasheet,{' '}
        <Prov p="default" /> an assumption of the model.
      </p>
      <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="a-plans">
        <table data-table="accel-plans">
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">Devices</th>
              <th scope="col" class="num">Device memory</th>
              <th scope="col">Offer</th>
              <th scope="col">Zone</th>
              <th scope="col">Start</th>
              <th scope="col" class="num">$/GPU-hour</th>
              <th scope="col" class="num">$/PFLOP-hour</th>
              <th scope="col" class="num">Hours</th>
              <th scope="col" class="num">kWh</th>
              <th scope="col" class="num">kgCO2e</th>
              <th scope="col" class="num">USD</th>
            </tr>
          </thead>
          <tbody>
            <PlanRow p={c} kind="chosen" />
            {r.alternatives.map((p) => (
              <PlanRow key={planKey(p)} p={p} kind="alternative" />
            ))}
          </tbody>
        </table>
      </div>
      <h3 id="a-sources">Where the chosen plan's figures come from</h3>
      <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="a-sources">
        <table data-table="accel-sources">
          <thead>
            <tr>
              <th scope="col">Figure</th>
              <th scope="col" class="num">Value</th>
              <th scope="col">Provenance</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(c.figures).map(([name, s]) => (
              <tr key={name} data-figure={name}>
                <th scope="row">{FIGURE_NAMES[name] ?? name}</th>
                <td class="num">{figureValue(name, s)}</td>
                <td>
                  <Prov p={s.provenance} />
                </td>
                <td class="wrap">{s.source}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details class="front-list">
        <summary>All {r.front.length} plans on the Pareto front</summary>
        <div class="table-wrap" tabIndex={0} role="region" aria-label="All plans on the Pareto front">
          <table data-table="accel-front">
            <thead>
              <tr>
                <th scope="col">Devices</th>
                <th scope="col">Offer</th>
                <th scope="col">Start</th>
                <th scope="col" class="num">Hours</th>
                <th scope="col" class="num">kgCO2e</th>
                <th scope="col" class="num">USD</th>
              </tr>
            </thead>
            <tbody>
              {r.front.map((p) => (
                <tr key={planKey(p)} data-chosen={planKey(p) === planKey(c) ? 'true' : undefined}>
                  <td>
                    {p.count} × {p.device_name}
                    {planKey(p) === planKey(c) ? ' (chosen)' : ''}
                  </td>
                  <td>{offerOf(p)}</td>
                  <td>{f.dateTime(p.start)}</td>
                  <td class="num">{one(p.duration_s / 3600)}</td>
                  <td class="num">{kgOf(p.emissions_g)}</td>
                  <td class="num">{money(p.cost_usd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
      <h3 id="a-excluded">Excluded ({excluded.length})</h3>
      {excluded.length === 0 ? (
        <p class="note">Nothing was excluded.</p>
      ) : (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="a-excluded">
          <table data-table="accel-excluded">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">What</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {excluded.map((e) => (
                <tr key={`${e.what}|${e.reason}`} data-device={e.device_id}>
                  <td>{e.device_id}</td>
                  <td>{e.what}</td>
                  <td class="wrap">{e.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Profiles({ profiles, devices }: { profiles: ProfileJson[]; devices: DeviceJson[] }) {
  if (!profiles.length) {
    return (
      <div class="empty-state" data-empty="accel-profiles">
        <p>No measured or published profiles yet.</p>
        <p class="note">
          <code>verdant accel bench</code> measures this machine and stores a profile; from then on plans on that device use it and say <em>measured</em>.
        </p>
      </div>
    );
  }
  const byId = new Map(devices.map((d) => [d.id, d]));
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="a-profiles">
      <table data-table="accel-profiles">
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Precision</th>
            <th scope="col">Provenance</th>
            <th scope="col">Kind</th>
            <th scope="col" class="num">Achieved TFLOP/s</th>
            <th scope="col" class="num">Of dense peak</th>
            <th scope="col" class="num">Power</th>
            <th scope="col" class="num">J per TFLOP</th>
            <th scope="col" class="num">Scaling</th>
            <th scope="col">Used by the model</th>
            <th scope="col">Source</th>
            <th scope="col">Host</th>
            <th scope="col">Recorded</th>
          </tr>
        </thead>
        <tbody>
          {profiles.map((p) => {
            const peak = byId.get(p.device_id)?.dense_peak_tflops[p.precision] ?? null;
            return (
              <tr key={p.id} data-profile={p.id}>
                <td>{byId.get(p.device_id)?.name ?? p.device_id}</td>
                <td>{p.precision}</td>
                <td>
                  <Prov p={p.provenance} />
                </td>
                <td data-kind={p.kind ?? 'training'}>{p.kind === 'gemm' ? 'GEMM: achievable peak' : 'training: utilization'}</td>
                <td class="num">{p.achieved_tflops === null ? '–' : p.achieved_tflops.toLocaleString('en-US', { maximumFractionDigits: 3 })}</td>
                <td class="num">{peak && p.achieved_tflops !== null ? f.percent(p.achieved_tflops / peak) : '–'}</td>
                <td class="num">{p.power_w === null ? '–' : `${one(p.power_w)} W${p.power_estimated ? ' (estimate)' : ''}`}</td>
                <td class="num">{p.power_w !== null && p.achieved_tflops ? one(p.power_w / p.achieved_tflops) : '–'}</td>
                <td class="num">{p.scaling_efficiency === null ? '–' : p.scaling_efficiency.toFixed(2)}</td>
                <td>{p.in_use === undefined ? '–' : p.in_use ? 'yes' : 'no (a better one exists)'}</td>
                <td class="wrap">
                  {p.source}
                  {p.workload ? ` (${p.workload})` : ''}
                </td>
                <td>{p.host ?? '–'}</td>
                <td>{f.dateTime(p.recorded_at)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const tflops = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : v.toLocaleString('en-US', { maximumFractionDigits: 1 }));

function Catalog({ devices }: { devices: DeviceJson[] }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="a-catalog">
      <table data-table="accel-devices">
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">Vendor</th>
            <th scope="col" class="num">Memory</th>
            <th scope="col" class="num">Bandwidth</th>
            {['fp32', 'tf32', 'bf16', 'fp16', 'fp8'].map((p) => (
              <th key={p} scope="col" class="num">
                {p} TFLOP/s
              </th>
            ))}
            <th scope="col" class="num">int8 TOPS</th>
            <th scope="col" class="num">TDP</th>
            <th scope="col">Interconnect</th>
            <th scope="col">Datasheet</th>
          </tr>
        </thead>
        <tbody>
          {devices.map((d) => (
            <tr key={d.id} data-device={d.id}>
              <td>
                {d.name} <code>{d.id}</code>
              </td>
              <td>{d.vendor}</td>
              <td class="num">{gb(d.memory_bytes)}</td>
              <td class="num">{d.memory_bandwidth_bytes_per_s === null ? '–' : `${(d.memory_bandwidth_bytes_per_s / 1e12).toFixed(2)} TB/s`}</td>
              {['fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'int8'].map((p) => (
                <td key={p} class="num">
                  {tflops(d.dense_peak_tflops[p])}
                </td>
              ))}
              <td class="num">{d.tdp_w === null ? '–' : `${whole(d.tdp_w)} W`}</td>
              <td>{d.interconnect ?? '–'}</td>
              <td>
                {d.source_url ? (
                  <a href={d.source_url} rel="noreferrer noopener" target="_blank" aria-label={`${d.retrieved}: datasheet of the ${d.name}`}>
                    {d.retrieved}
                  </a>
                ) : (
                  d.retrieved
                )}
                {/UNVERIFIED/.test(d.note) && <span class="prov prov-default"> unverified</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AccelPage() {
  const devices = useLoad((signal) => getJson<{ devices: DeviceJson[] }>('/api/accel/devices', signal), []);
  const profiles = useLoad((signal) => getJson<{ profiles: ProfileJson[] }>('/api/accel/profiles', signal), []);
  const [form, setForm] = useState<Form>(DEFAULTS);
  const [result, setResult] = useState<RecommendationJson | undefined>(undefined);
  const [error, setError] = useState<{ message: string; field: string | null } | undefined>(undefined);
  const [running, setRunning] = useState(false);
  const [asked, setAsked] = useState(false);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setForm((x) => ({ ...x, [k]: v }));

  const run = async (v: Form) => {
    const bad = check(v);
    if (bad) {
      setError(bad);
      setResult(undefined);
      document.getElementById(INPUT_OF[bad.field] ?? '')?.focus();
      return;
    }
    setRunning(true);
    try {
      setResult(await postJson<RecommendationJson>('/api/accel/recommend', body(v)));
      setError(undefined);
    } catch (err) {
      setResult(undefined);
      setError({ message: describeError(err), field: err instanceof ApiError ? err.field : null });
    } finally {
      setRunning(false);
      setAsked(true);
    }
  };
  // The form's defaults (the 7B example of docs/hardware.md) are planned on arrival.
  useEffect(() => {
    void run(DEFAULTS);
  }, []);

  const invalid = (field: string) => (error?.field === field ? { 'aria-invalid': true, 'aria-describedby': 'a-error' } : {});
  const ready = asked && (devices.data || devices.error) && (profiles.data || profiles.error);

  return (
    <main data-page="accel" data-ready={ready ? 'true' : undefined}>
      <h1>Hardware</h1>
      <p class="note">
        Which accelerators, how many, where and when: cost, carbon, energy and time of one training job across device × count × offer × start, the same model as <code>verdant accel recommend</code>.
      </p>
      <form
        class="toolbar accel-form"
        aria-label="Training job"
        onSubmit={(e) => {
          e.preventDefault();
          void run(form);
        }}
      >
        <div class="field">
          <label for="a-params">Parameters</label>
          <input id="a-params" name="paramsTotal" value={form.paramsTotal} placeholder="7B" size={8} {...invalid('paramsTotal')} onInput={(e) => set('paramsTotal', e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="a-active">Active parameters (MoE)</label>
          <input id="a-active" name="paramsActive" value={form.paramsActive} placeholder="all" size={8} {...invalid('paramsActive')} onInput={(e) => set('paramsActive', e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="a-tokens">Tokens</label>
          <input id="a-tokens" name="tokens" value={form.tokens} placeholder="2T" size={8} {...invalid('tokens')} onInput={(e) => set('tokens', e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="a-precision">Precision</label>
          <select id="a-precision" name="precision" value={form.precision} {...invalid('precision')} onChange={(e) => set('precision', e.currentTarget.value)}>
            {PRECISIONS.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="a-deadline">Deadline</label>
          <input id="a-deadline" name="deadline" value={form.deadline} placeholder="14d or 2027-01-31" size={10} {...invalid('deadline')} onInput={(e) => set('deadline', e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="a-earliest">Earliest start (empty: now)</label>
          <input id="a-earliest" name="earliestStart" type="datetime-local" value={form.earliestStart} {...invalid('earliestStart')} onInput={(e) => set('earliestStart', e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="a-allow">Regions allowed (empty: all)</label>
          <input id="a-allow" name="allowRegions" value={form.allowRegions} placeholder="aws:us-east-1, ES, gcp" size={18} {...invalid('allowRegions')} onInput={(e) => set('allowRegions', e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="a-objective">Objective</label>
          <select id="a-objective" name="objective" value={form.objective} {...invalid('objective')} onChange={(e) => set('objective', e.currentTarget.value as Form['objective'])}>
            <option value="carbon">least carbon</option>
            <option value="cost">least cost</option>
            <option value="time">soonest finish</option>
          </select>
        </div>
        <div class="field">
          <label for="a-pricing">Pricing</label>
          <select id="a-pricing" name="pricing" value={form.pricing} {...invalid('pricing')} onChange={(e) => set('pricing', e.currentTarget.value as Form['pricing'])}>
            <option value="on-demand">on-demand</option>
            <option value="spot">spot</option>
          </select>
        </div>
        <div class="field">
          <label for="a-budget">Budget, USD (optional)</label>
          <input id="a-budget" name="budgetUsd" type="number" min="0" step="any" inputMode="decimal" value={form.budgetUsd} size={10} {...invalid('budgetUsd')} onInput={(e) => set('budgetUsd', e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="a-cap">Carbon cap, kgCO2e (optional)</label>
          <input id="a-cap" name="carbonCapKg" type="number" min="0" step="any" inputMode="decimal" value={form.carbonCapKg} size={10} {...invalid('carbonCapG')} onInput={(e) => set('carbonCapKg', e.currentTarget.value)} />
        </div>
        <button type="submit" class="primary" disabled={running}>
          {running ? 'Planning…' : 'Recommend'}
        </button>
      </form>
      {error && (
        <p id="a-error" class="error" role="alert" data-field={error.field ?? undefined}>
          {error.message}
        </p>
      )}
      {result ? (
        <Result r={result} />
      ) : (
        !error && (
          <div class="empty-state" data-empty="accel">
            <p>{running ? 'Planning: every device × count × offer × start…' : 'No recommendation yet.'}</p>
          </div>
        )
      )}
      <h2 id="a-profiles">Measured and published profiles</h2>
      <ErrorNote error={profiles.error} />
      {profiles.data && <Profiles profiles={profiles.data.profiles} devices={devices.data?.devices ?? []} />}
      <h2 id="a-catalog">Device catalog</h2>
      <p class="note">Dense peak figures from each datasheet (vendors' "with sparsity" figures are never used); the date is when the row was checked against its page.</p>
      <ErrorNote error={devices.error} />
      {devices.data && <Catalog devices={devices.data.devices} />}
    </main>
  );
}
