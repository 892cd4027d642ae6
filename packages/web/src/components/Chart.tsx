// uPlot in a Preact component: sized to its container, re-created when its options or the colour scheme
// change, fed new data without re-creation. The wrapper carries data-chart and data-points (the number of x
// values plotted) for tests and benchmarks.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Theme {
  fg: string;
  muted: string;
  grid: string;
  band: string;
  paused: string;
  series: string[];
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  return style.getPropertyValue(name).trim() || fallback;
}

export function readTheme(): Theme {
  const s = getComputedStyle(document.documentElement);
  return {
    fg: cssVar(s, '--fg', '#1b1f24'),
    muted: cssVar(s, '--muted', '#59636e'),
    grid: cssVar(s, '--grid', 'rgba(0,0,0,0.08)'),
    band: cssVar(s, '--band', 'rgba(46,125,50,0.15)'),
    paused: cssVar(s, '--paused', 'rgba(128,128,128,0.22)'),
    series: [1, 2, 3, 4, 5, 6].map((i) => cssVar(s, `--series-${i}`, '#2e7d32')),
  };
}

export function useColorScheme(): 'light' | 'dark' {
  const mq = typeof window !== 'undefined' ? window.matchMedia('(prefers-color-scheme: dark)') : undefined;
  const [dark, setDark] = useState(mq?.matches ?? false);
  useEffect(() => {
    if (!mq) return;
    const on = (e: MediaQueryListEvent) => setDark(e.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return dark ? 'dark' : 'light';
}

/** A #rrggbb colour with an alpha (canvas fills); other colour forms are returned as they are. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color.trim());
  return m ? `rgba(${parseInt(m[1]!, 16)}, ${parseInt(m[2]!, 16)}, ${parseInt(m[3]!, 16)}, ${alpha})` : color;
}

/** Axes in the theme's colours. */
export function axis(theme: Theme, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return { stroke: theme.muted, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 }, ...extra };
}

export interface Span {
  from: number;
  to: number;
  color: string;
  label?: string;
}

/** Shades spans of x (paused periods, planned windows) behind the series, with an optional label on top. */
export function spansPlugin(spans: () => readonly Span[], labelColor?: string): uPlot.Plugin {
  return {
    hooks: {
      drawClear: [
        (u: uPlot) => {
          const { left, top, width, height } = u.bbox;
          const ctx = u.ctx;
          ctx.save();
          let lane = 0;
          for (const s of spans()) {
            const x0 = Math.max(left, u.valToPos(s.from, 'x', true));
            const x1 = Math.min(left + width, u.valToPos(s.to, 'x', true));
            if (!(x1 > x0)) continue;
            ctx.fillStyle = s.color;
            ctx.fillRect(x0, top, x1 - x0, height);
            if (s.label && labelColor) {
              ctx.fillStyle = labelColor;
              ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
              ctx.textBaseline = 'top';
              // Labels of neighbouring spans go on successive lines so they do not overwrite each other.
              ctx.fillText(s.label, x0 + 3 * devicePixelRatio, top + (3 + 14 * (lane++ % 4)) * devicePixelRatio);
            }
          }
          ctx.restore();
        },
      ],
    },
  };
}

export interface ChartProps {
  /** data-chart name (contract with the browser tests). */
  name: string;
  /** What the chart shows, for assistive technology. */
  label: string;
  data: uPlot.AlignedData;
  /** Options without size; called again when optionsKey or the colour scheme changes. */
  options: (theme: Theme) => Omit<uPlot.Options, 'width' | 'height'>;
  optionsKey: string;
  height?: number;
  /** Drag-selected x range (the page re-requests data for it). */
  onSelect?: (min: number, max: number) => void;
  /** Reports the plot's width in CSS pixels (pages ask the server for that many points). */
  onWidth?: (px: number) => void;
  className?: string;
}

export function Chart({ name, label, data, options, optionsKey, height = 220, onSelect, onWidth, className }: ChartProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const dataRef = useRef(data);
  dataRef.current = data;
  const selectRef = useRef(onSelect);
  selectRef.current = onSelect;
  const widthRef = useRef(onWidth);
  widthRef.current = onWidth;
  const scheme = useColorScheme();
  const [width, setWidth] = useState(0);

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const measure = () => {
      const w = Math.floor(el.clientWidth);
      if (w > 0) setWidth(w);
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    if (width > 0) widthRef.current?.(width);
  }, [width]);

  const created = width > 0;
  useEffect(() => {
    const el = wrap.current;
    if (!el || !created) return;
    const base = options(readTheme());
    const hooks: uPlot.Hooks.Arrays = { ...(base.hooks ?? {}) };
    if (selectRef.current) {
      hooks.setSelect = [
        ...(hooks.setSelect ?? []),
        (u: uPlot) => {
          if (u.select.width < 2) return;
          const min = u.posToVal(u.select.left, 'x');
          const max = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          selectRef.current?.(min, max);
        },
      ];
    }
    const opts: uPlot.Options = {
      ...base,
      width: Math.floor(el.clientWidth) || width,
      height,
      hooks,
      cursor: { ...(base.cursor ?? {}), drag: { x: !!selectRef.current, y: false, setScale: false } },
    };
    const u = new uPlot(opts, dataRef.current, el);
    plot.current = u;
    return () => {
      u.destroy();
      plot.current = undefined;
    };
  }, [optionsKey, scheme, created, height]);

  useEffect(() => {
    plot.current?.setSize({ width, height });
  }, [width, height]);

  useEffect(() => {
    plot.current?.setData(data, true);
  }, [data]);

  return (
    <div
      ref={wrap}
      class={`chart ${className ?? ''}`}
      data-chart={name}
      data-points={String(data[0]?.length ?? 0)}
      role="figure"
      aria-label={label}
      style={{ minHeight: `${height}px` }}
    />
  );
}
