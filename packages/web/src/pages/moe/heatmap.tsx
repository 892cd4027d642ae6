// The expert-load heat map: one canvas per MoE layer, experts as rows, steps as columns, each cell the expert's load
// relative to the fair share (viridis: dark idle, yellow overloaded), with a colour legend and the same numbers as
// a table for assistive technology and for reading exact values.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { readTheme, useColorScheme } from '../../components/Chart';
import { VIRIDIS, colourAt, num, relativeLoad, type ByLayer, type LayerStep } from './data';

const GUTTER_LEFT = 34;
const GUTTER_BOTTOM = 16;

function HeatLayer({ layer, row, steps, experts, after, vmax }: { layer: number; row: ReadonlyArray<LayerStep | undefined>; steps: readonly number[]; experts: number; after: boolean; vmax: number }) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const scheme = useColorScheme();
  const rowPx = Math.max(6, Math.min(18, Math.floor(144 / Math.max(1, experts))));
  const height = experts * rowPx + GUTTER_BOTTOM;

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const measure = () => setWidth(Math.floor(el.clientWidth));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current;
    if (!c || width <= 0) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(height * dpr);
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const n = steps.length;
    const plotW = Math.max(1, width - GUTTER_LEFT);
    if (n > 0 && experts > 0) {
      // One pixel per (step, expert), scaled up without smoothing: as fast for 10,000 steps as for 10.
      const img = new ImageData(n, experts);
      for (let j = 0; j < n; j++) {
        const r = row[j];
        const rel = r ? relativeLoad(r, after) : undefined;
        for (let e = 0; e < experts; e++) {
          const o = (e * n + j) * 4;
          if (!rel) continue; // a step without this layer stays transparent
          const [R, G, B] = colourAt((rel[e] ?? 0) / vmax);
          img.data[o] = R;
          img.data[o + 1] = G;
          img.data[o + 2] = B;
          img.data[o + 3] = 255;
        }
      }
      const off = document.createElement('canvas');
      off.width = n;
      off.height = experts;
      off.getContext('2d')!.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(off, 0, 0, n, experts, GUTTER_LEFT, 0, plotW, experts * rowPx);
    }
    const theme = readTheme();
    ctx.fillStyle = theme.muted;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    const every = rowPx >= 11 ? 1 : Math.ceil(11 / rowPx);
    for (let e = 0; e < experts; e += every) ctx.fillText(`e${e}`, GUTTER_LEFT - 4, e * rowPx + rowPx / 2);
    ctx.textBaseline = 'bottom';
    if (n > 0) {
      ctx.textAlign = 'left';
      ctx.fillText(`step ${steps[0]}`, GUTTER_LEFT, height);
      ctx.textAlign = 'right';
      if (n > 1) ctx.fillText(`step ${steps[n - 1]}`, width, height);
    }
  }, [width, height, row, steps, experts, after, vmax, scheme, rowPx]);

  return (
    <figure class="moe-heat-layer" data-heatmap-layer={String(layer)}>
      <figcaption>Layer {layer}</figcaption>
      <div ref={wrap} class="moe-heat-canvas">
        <canvas
          ref={canvas}
          role="img"
          data-experts={String(experts)}
          data-steps={String(steps.length)}
          aria-label={`Expert load of layer ${layer}: ${experts} experts (rows) over ${steps.length} steps (columns), relative to the fair share; the table "Expert load as numbers" gives the values`}
        />
      </div>
    </figure>
  );
}

function Legend({ vmax }: { vmax: number }) {
  const fair = Math.min(100, (1 / vmax) * 100);
  return (
    <div class="moe-legend" data-legend="heatmap">
      <div class="moe-legend-bar" style={{ background: `linear-gradient(to right, ${VIRIDIS.join(', ')})` }} aria-hidden="true">
        <span class="moe-legend-tick" style={{ left: `${fair}%` }} />
      </div>
      <div class="moe-legend-labels">
        <span>0 (idle)</span>
        <span>1 = fair share</span>
        <span>{num(vmax, 2)}× or more</span>
      </div>
      <p class="note">Colour: an expert's load (assignments) divided by the mean load over experts before the capacity. The tick marks the fair share.</p>
    </div>
  );
}

/** The numbers behind the colours: each layer's relative load per expert at the last step and averaged over all steps. */
function LoadTable({ b, after }: { b: ByLayer; after: boolean }) {
  const experts = Array.from({ length: b.experts }, (_, e) => e);
  const rows = b.layers.map((layer, i) => {
    const present = b.rows[i]!.filter((r): r is LayerStep => r !== undefined);
    const last = present[present.length - 1];
    const mean = experts.map((e) => (present.length ? present.reduce((a, r) => a + (relativeLoad(r, after)[e] ?? 0), 0) / present.length : null));
    return { layer, last: last ? relativeLoad(last, after) : [], lastStep: last?.step, mean };
  });
  return (
    <details class="moe-table-details">
      <summary>Expert load as numbers (last step and mean over all steps)</summary>
      <div class="table-wrap" tabIndex={0}>
        <table data-table="expert-load">
          <caption class="visually-hidden">Each expert's load relative to the fair share, per layer</caption>
          <thead>
            <tr>
              <th scope="col">Layer</th>
              <th scope="col">Over</th>
              {experts.map((e) => (
                <th key={e} scope="col" class="num">
                  e{e}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.flatMap((r) => [
              <tr key={`${r.layer}-last`}>
                <th scope="row" rowSpan={2}>
                  {r.layer}
                </th>
                <td>step {r.lastStep ?? '–'}</td>
                {experts.map((e) => (
                  <td key={e} class="num">
                    {num(r.last[e], 2)}
                  </td>
                ))}
              </tr>,
              <tr key={`${r.layer}-mean`}>
                <td>mean</td>
                {experts.map((e) => (
                  <td key={e} class="num">
                    {num(r.mean[e], 2)}
                  </td>
                ))}
              </tr>,
            ])}
          </tbody>
        </table>
      </div>
    </details>
  );
}

export function HeatMap({ b, after }: { b: ByLayer; after: boolean }) {
  // The top of the colour scale: the largest relative load seen, at least twice the fair share, in quarter steps.
  const vmax = useMemo(() => {
    let m = 2;
    for (const row of b.rows) for (const r of row) if (r) for (const v of relativeLoad(r, after)) m = Math.max(m, v);
    return Math.ceil(m * 4) / 4;
  }, [b, after]);
  return (
    <div class="moe-heatmap" data-heatmap="expert-load" data-layers={String(b.layers.length)} data-experts={String(b.experts)} data-steps={String(b.steps.length)}>
      {b.layers.map((layer, i) => (
        <HeatLayer key={layer} layer={layer} row={b.rows[i]!} steps={b.steps} experts={b.experts} after={after} vmax={vmax} />
      ))}
      <Legend vmax={vmax} />
      <LoadTable b={b} after={after} />
    </div>
  );
}
