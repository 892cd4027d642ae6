import { renderSvg } from '@verdant/energy';
import type { TopLevelSpec } from 'vega-lite';
import type { SimulationRow } from './simulate.js';

/** The vega-lite spec of the savings chart: bars per zone and year, one panel per variant (and noise level). */
export function savingsChartSpec(rows: readonly SimulationRow[], title: string): TopLevelSpec {
  const showNoise = new Set(rows.map((r) => r.noise)).size > 1;
  const values = rows.map((r) => ({
    zone: r.zone,
    year: String(r.year),
    panel: showNoise ? `${r.variant}, noise ${+(r.noise * 100).toFixed(2)}%` : r.variant,
    savings: r.savingsPct,
    low: r.savingsPctMin,
    high: r.savingsPctMax,
  }));
  const panels = new Set(values.map((v) => v.panel)).size;
  const x = { field: 'zone', type: 'nominal', title: null } as const;
  const xOffset = { field: 'year', type: 'nominal' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    facet: { column: { field: 'panel', type: 'nominal', title: null, sort: [...new Set(values.map((v) => v.panel))] } },
    spec: {
      // Keep the whole chart within about 1,400 px however many panels there are.
      width: Math.round(Math.max(90, Math.min(180, 1400 / panels))),
      height: 220,
      layer: [
        {
          mark: 'bar',
          encoding: {
            x,
            xOffset,
            y: { field: 'savings', type: 'quantitative', title: 'emissions saved vs. nominal time (%)' },
            color: { field: 'year', type: 'nominal', title: 'year' },
            tooltip: [{ field: 'savings', type: 'quantitative', format: '.1f' }],
          },
        },
        // Range over forecast-noise seeds (a zero-length rule when there is one run).
        { mark: { type: 'rule', color: 'black' }, encoding: { x, xOffset, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } } },
      ],
    },
  };
}

/** Renders the savings chart to SVG headlessly (the same Vega-Lite renderer as the run report). */
export async function renderSavingsSvg(rows: readonly SimulationRow[], title: string): Promise<string> {
  return renderSvg(savingsChartSpec(rows, title));
}
