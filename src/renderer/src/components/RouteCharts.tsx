import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './RouteCharts.css';
import type { RouteHistory } from '../../../shared/events';
import { useApi } from '../api-context';
import { count } from '../format';

/** What the charts show: the whole 15 minutes the engine keeps. */
const chartSeconds = 900;
const percentScale = 100;
const chartHeight = 140;

/** A theme colour from the stylesheet, so the charts follow light and dark. */
function cssColour(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

const darkQuery = '(prefers-color-scheme: dark)';

/** Notifies when the colours may have changed: the theme toggle (data-theme) or, when following it, the system's scheme. */
function subscribeTheme(onChange: () => void): () => void {
  const attributes = new MutationObserver(onChange);
  attributes.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  const system = window.matchMedia(darkQuery);
  system.addEventListener('change', onChange);
  return () => {
    attributes.disconnect();
    system.removeEventListener('change', onChange);
  };
}

const themeKey = () => `${document.documentElement.dataset.theme ?? 'system'}:${window.matchMedia(darkQuery).matches}`;

function timesOf(history: RouteHistory): number[] {
  const end = Date.parse(history.end) / 1000;
  return history.requests.map((_, i) => end - history.requests.length + 1 + i);
}

/**
 * Errors per request each second, in %; a gap where there were no requests.
 * `errors` counts failed attempts as well as 5xx, so a retried request can
 * count twice: capped at 100%.
 */
function errorRate(history: RouteHistory): (number | null)[] {
  return history.requests.map((requests, i) => (requests === 0 ? null : Math.min(percentScale, (history.errors[i]! / requests) * percentScale)));
}

const unitSuffix = { ms: ' ms', '%': '%', '/s': '' } as const;

/** The axes' labels (uPlot's default size, a font the page has everywhere), set here so their width can be measured. */
const axisFont = '12px system-ui, sans-serif';
/** uPlot's default tick length and gap between tick and label, and its default axis width, which is also the least. */
const tickSpacePx = 10 + 5;
/** Room left of the widest label, so it does not touch the chart's edge. */
const labelPaddingPx = 4;
const minAxisPx = 50;
let measurer: CanvasRenderingContext2D | null | undefined;

/**
 * The y axis as wide as its longest label (uPlot's own recipe, "axis-autosize"): its fixed 50 px cut "150 ms" to "50 ms".
 * A canvas of its own measures in CSS pixels, where the chart's own context is scaled by the device's pixel ratio.
 */
const fitLabels: uPlot.Axis.Size = (_u, values) => {
  measurer ??= document.createElement('canvas').getContext('2d');
  const context = measurer;
  if (!context || !values) return minAxisPx;
  context.font = axisFont;
  const widest = Math.max(0, ...values.map((value) => context.measureText(value).width));
  return Math.max(minAxisPx, Math.ceil(labelPaddingPx + widest + tickSpacePx));
};

interface ChartSpec {
  title: string;
  unit: keyof typeof unitSuffix;
  series: { label: string; colour: [string, string]; values: (h: RouteHistory) => (number | null)[] }[];
}

const charts: ChartSpec[] = [
  {
    title: 'Requests and errors per second',
    unit: '/s',
    series: [
      { label: 'requests', colour: ['--accent', '#3451d1'], values: (h) => h.requests },
      { label: 'errors', colour: ['--danger', '#c9372c'], values: (h) => h.errors },
    ],
  },
  {
    title: 'Error rate',
    unit: '%',
    series: [{ label: 'errors per request', colour: ['--danger', '#c9372c'], values: errorRate }],
  },
  {
    title: 'Latency to the response head',
    unit: 'ms',
    series: [
      { label: 'p50', colour: ['--ok', '#1f9d55'], values: (h) => h.p50 },
      { label: 'p95', colour: ['--warn', '#8a5a00'], values: (h) => h.p95 },
      { label: 'p99', colour: ['--danger', '#c9372c'], values: (h) => h.p99 },
    ],
  },
];

const dataOf = (spec: ChartSpec, history: RouteHistory): uPlot.AlignedData => [timesOf(history), ...spec.series.map((s) => s.values(history))];

/** One uPlot chart, created once and fed new data in place (uPlot redraws a canvas; React never re-renders it). */
function Chart({ spec, history }: { spec: ChartSpec; history: RouteHistory }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  // The data a new chart starts with; later data arrives through setData.
  const initial = useRef(history);
  // uPlot paints with colours read at creation: a theme change makes the chart anew.
  const theme = useSyncExternalStore(subscribeTheme, themeKey);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const chart = new uPlot(
      {
        width: element.clientWidth || 400,
        height: chartHeight,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [
          { stroke: cssColour('--muted', '#667085'), grid: { stroke: cssColour('--line', '#e3e6ec') }, font: axisFont },
          {
            stroke: cssColour('--muted', '#667085'),
            grid: { stroke: cssColour('--line', '#e3e6ec') },
            font: axisFont,
            size: fitLabels,
            values: (_u, ticks) => ticks.map((t) => `${count(t)}${unitSuffix[spec.unit]}`),
          },
        ],
        series: [{}, ...spec.series.map((s) => ({ label: s.label, stroke: cssColour(s.colour[0], s.colour[1]), width: 1.5, spanGaps: false }))],
      },
      dataOf(spec, initial.current),
      element,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: element.clientWidth, height: chartHeight }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
  }, [spec, theme]);

  useEffect(() => {
    initial.current = history;
    plot.current?.setData(dataOf(spec, history));
  }, [spec, history]);

  return (
    <figure className="chart">
      <figcaption>{spec.title}</figcaption>
      <div ref={box} className="chart-canvas" role="img" aria-label={`${spec.title}, last ${chartSeconds / 60} minutes`} />
    </figure>
  );
}

/**
 * The route's recent traffic as charts, from the engine's per-second
 * counters (`routes.history`), fetched again when `tick` moves (the live
 * push's request count), so nothing is fetched while the route is idle.
 */
export function RouteCharts({ routeId, tick }: { routeId: number; tick: number | undefined }) {
  const { invoke } = useApi();
  const [history, setHistory] = useState<RouteHistory | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let current = true;
    // invoke never rejects: a failure comes back as an answer.
    void invoke('routes.history', { routeId, seconds: chartSeconds }).then((answer) => {
      if (!current) return;
      if (answer.ok) {
        setHistory(answer.result);
        setError(undefined);
      } else setError(answer.error.message);
    });
    return () => {
      current = false;
    };
  }, [invoke, routeId, tick]);

  if (error) return <p className="field-error">{error}</p>;
  if (!history) return <p className="muted">Loading charts…</p>;
  return (
    <div className="charts">
      {charts.map((spec) => (
        <Chart key={spec.title} spec={spec} history={history} />
      ))}
    </div>
  );
}
