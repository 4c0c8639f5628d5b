import uPlot from 'uplot';
import { formatInt } from '../../cli/format.js';
import type { SeriesPoint } from '../aggregate.js';

/** Tokens before and after as lines, saved as bars, over hours of today or days of the range. */
export interface SavingsChart {
  update(points: readonly SeriesPoint[]): void;
}

const COLORS = { before: '#8a8f98', after: '#2f6fdf', saved: 'rgba(31, 143, 104, 0.55)' };

/** Axis text in the page's own muted colour, so it reads in light and dark schemes alike. */
const axisColor = (): string =>
  getComputedStyle(document.documentElement).getPropertyValue('--muted').trim() || '#5f6670';

function tokenTick(value: number): string {
  if (Math.abs(value) >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (Math.abs(value) >= 1_000) return `${(value / 1_000).toFixed(value >= 10_000 ? 0 : 1)}k`;
  return formatInt(value);
}

/**
 * A chart in `root`; `label` turns a point's key (`2026-12-06T14`, `2026-12-06`) into an axis label.
 * The x axis is the points' positions, not time: the keys are already local to the dashboard's zone.
 */
export function createSavingsChart(root: HTMLElement, label: (key: string) => string): SavingsChart {
  let keys: readonly string[] = [];
  let chart: uPlot | undefined;
  const bars = uPlot.paths.bars?.({ size: [0.6, 48] });
  const sizeOf = () => ({ width: Math.max(root.clientWidth, 280), height: 220 });

  function build(data: uPlot.AlignedData): uPlot {
    const opts: uPlot.Options = {
      ...sizeOf(),
      scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(max, 10)] } },
      axes: [
        {
          values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? label(keys[i] ?? '') : '')),
          stroke: axisColor(),
          grid: { show: false },
        },
        {
          values: (_u, splits) => splits.map(tokenTick),
          stroke: axisColor(),
          size: 56,
          grid: { stroke: 'rgba(128, 128, 128, 0.15)' },
        },
      ],
      series: [
        { label: 'When', value: (_u, i) => (i === null ? '' : (keys[i] ?? '')) },
        {
          label: 'Saved',
          stroke: COLORS.saved,
          fill: COLORS.saved,
          ...(bars ? { paths: bars } : {}),
          points: { show: false },
          value: (_u, v) => (v === null ? '' : formatInt(v)),
        },
        {
          label: 'Before',
          stroke: COLORS.before,
          width: 2,
          points: { show: false },
          value: (_u, v) => (v === null ? '' : formatInt(v)),
        },
        {
          label: 'After',
          stroke: COLORS.after,
          width: 2,
          points: { show: false },
          value: (_u, v) => (v === null ? '' : formatInt(v)),
        },
      ],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    return new uPlot(opts, data, root);
  }

  // Its box changes with the window and when the other chart is shown or hidden.
  new ResizeObserver(() => chart?.setSize(sizeOf())).observe(root);

  return {
    update(points) {
      keys = points.map((p) => p.key);
      const data: uPlot.AlignedData = [
        points.map((_, i) => i),
        points.map((p) => p.tokensSaved),
        points.map((p) => p.tokensBefore),
        points.map((p) => p.tokensAfter),
      ];
      if (chart === undefined) chart = build(data);
      else chart.setData(data);
    },
  };
}
