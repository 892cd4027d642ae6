// The Pareto front of a recommendation as a small SVG scatter: cost (USD) on x, carbon (kgCO2e) on y, each
// circle's area proportional to the plan's hours, the chosen plan ringed, off-front alternatives faded.
// SVG rather than uPlot: uPlot sizes all points of a series alike. The chart is an image with a text
// description; the plans themselves are listed in the tables below it (the text alternative).
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import * as f from '../../lib/format';
import { planKey, type PlanJson } from './types';

interface Scale {
  pos: (v: number) => number;
  ticks: number[];
  log: boolean;
}

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  return (r >= 5 ? 10 : r >= 2 ? 5 : r >= 1 ? 2 : 1) * mag;
}

/** A linear scale, or a log one when the values span a factor of 10 or more. */
function scale(values: number[], from: number, to: number, tickCount: number): Scale {
  let min = Math.min(...values);
  let max = Math.max(...values);
  const log = min > 0 && max / min >= 10;
  if (log) {
    const lo = Math.log10(min / 1.2);
    const hi = Math.log10(max * 1.2);
    const ticks: number[] = [];
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) for (const m of hi - lo > 3 ? [1] : [1, 2, 5]) ticks.push(m * 10 ** k);
    return { pos: (v) => from + ((Math.log10(v) - lo) / (hi - lo)) * (to - from), ticks: ticks.filter((t) => Math.log10(t) >= lo && Math.log10(t) <= hi), log };
  }
  const pad = max > min ? (max - min) * 0.1 : Math.abs(max) * 0.1 || 1;
  min = Math.max(0, min - pad);
  max += pad;
  const step = niceStep(max - min, tickCount);
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  return { pos: (v) => from + ((v - min) / (max - min)) * (to - from), ticks, log };
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const usd = (v: number): string => `$${compact.format(v)}`;
const kg = (g: number): string => compact.format(g / 1000);

function useWidth(): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null);
  const [w, setW] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => setW(Math.floor(el.clientWidth));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, w];
}

export interface ParetoProps {
  front: PlanJson[];
  /** Alternatives that are not on the front (drawn faded). */
  dominated: PlanJson[];
  chosen: PlanJson;
}

export function Pareto({ front, dominated, chosen }: ParetoProps) {
  const [ref, width] = useWidth();
  const narrow = width < 500;
  const height = narrow ? 260 : 320;
  const m = { left: narrow ? 44 : 60, right: 14, top: 14, bottom: 42 };
  const all = [...front, ...dominated];
  const chosenKey = planKey(chosen);
  const hours = all.map((p) => p.duration_s / 3600);
  const hMin = Math.min(...hours);
  const hMax = Math.max(...hours);
  const rMax = narrow ? 13 : 17;
  const radius = (p: PlanJson): number => Math.max(3, rMax * Math.sqrt(p.duration_s / 3600 / hMax));
  const x = scale(all.map((p) => p.cost_usd), m.left, Math.max(m.left + 10, width - m.right), narrow ? 3 : 6);
  const y = scale(all.map((p) => p.emissions_g), height - m.bottom, m.top, 5);
  // Largest circles first, so the small ones stay visible on top; the chosen plan last of all.
  const order = [...dominated.map((p) => ({ p, front: false })), ...front.map((p) => ({ p, front: true }))].sort((a, b) => radius(b.p) - radius(a.p));
  const drawn = [...order.filter((o) => planKey(o.p) !== chosenKey), ...order.filter((o) => planKey(o.p) === chosenKey)];
  const describe = (p: PlanJson): string =>
    `${p.count} × ${p.device_name}, ${p.provider} ${p.instance_type} ${p.region} from ${f.dateTime(p.start)}: ${usd(p.cost_usd)}, ${kg(p.emissions_g)} kgCO2e, ${f.duration(p.duration_s)}`;
  const desc =
    `${front.length} plan${front.length === 1 ? '' : 's'} on the Pareto front, cost ${usd(Math.min(...front.map((p) => p.cost_usd)))} to ${usd(Math.max(...front.map((p) => p.cost_usd)))}, ` +
    `carbon ${kg(Math.min(...front.map((p) => p.emissions_g)))} to ${kg(Math.max(...front.map((p) => p.emissions_g)))} kgCO2e; circle area is the run's hours (${hMin.toFixed(0)} to ${hMax.toFixed(0)} h). ` +
    `Chosen: ${describe(chosen)}.${dominated.length ? ` ${dominated.length} dominated alternative${dominated.length === 1 ? '' : 's'} drawn faded.` : ''} The plans are listed in the tables below.`;
  return (
    <div ref={ref} class="pareto" data-chart="accel-pareto" data-points={String(front.length)} data-dominated={String(dominated.length)}>
      {width > 0 && (
        <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="pareto-title pareto-desc">
          <title id="pareto-title">Cost against carbon of the plans on the Pareto front</title>
          <desc id="pareto-desc">{desc}</desc>
          <g class="pareto-grid">
            {x.ticks.map((t) => (
              <g key={`x${t}`}>
                <line x1={x.pos(t)} x2={x.pos(t)} y1={m.top} y2={height - m.bottom} />
                <text x={x.pos(t)} y={height - m.bottom + 14} text-anchor="middle">
                  {usd(t)}
                </text>
              </g>
            ))}
            {y.ticks.map((t) => (
              <g key={`y${t}`}>
                <line x1={m.left} x2={width - m.right} y1={y.pos(t)} y2={y.pos(t)} />
                <text x={m.left - 5} y={y.pos(t) + 4} text-anchor="end">
                  {kg(t)}
                </text>
              </g>
            ))}
            <text class="pareto-axis" x={(m.left + width - m.right) / 2} y={height - 6} text-anchor="middle">
              cost, USD{x.log ? ' (log)' : ''}
            </text>
            <text class="pareto-axis" transform={`translate(11 ${(m.top + height - m.bottom) / 2}) rotate(-90)`} text-anchor="middle">
              kgCO2e{y.log ? ' (log)' : ''}
            </text>
          </g>
          {drawn.map(({ p, front: on }) => {
            const k = planKey(p);
            const isChosen = k === chosenKey;
            return (
              <circle
                key={k}
                class={isChosen ? 'pareto-chosen' : on ? 'pareto-front' : 'pareto-dominated'}
                data-key={k}
                data-front={on ? 'true' : 'false'}
                data-chosen={isChosen ? 'true' : undefined}
                data-hours={(p.duration_s / 3600).toFixed(2)}
                cx={x.pos(p.cost_usd)}
                cy={y.pos(p.emissions_g)}
                r={radius(p)}
              >
                <title>{`${isChosen ? 'chosen: ' : on ? '' : 'dominated: '}${describe(p)}`}</title>
              </circle>
            );
          })}
        </svg>
      )}
      <p class="pareto-legend note" aria-hidden="true">
        <span class="key key-chosen" /> chosen <span class="key key-front" /> on the front{dominated.length > 0 && (
          <>
            {' '}
            <span class="key key-dominated" /> dominated alternative
          </>
        )}{' '}
        · area ∝ hours ({hMin.toFixed(0)}–{hMax.toFixed(0)} h)
      </p>
    </div>
  );
}
