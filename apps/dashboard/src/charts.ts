// Live line charts on uPlot: points are appended as events arrive and drawn once per frame.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line of a chart. */
export interface LineSpec {
  readonly label: string;
  readonly stroke: string;
  readonly width?: number;
  readonly dash?: readonly number[];
  /** Draw a dot at each point (for sparse series such as per-epoch accuracy). */
  readonly points?: boolean;
}

/** What a chart shows. */
export interface ChartSpec {
  readonly xLabel: string;
  readonly lines: readonly LineSpec[];
  /** A fixed y range, e.g. [0, 1] for accuracy; otherwise it follows the data. */
  readonly yRange?: readonly [number, number];
  readonly height?: number;
  /** Keep at most about this many points: older ones are thinned to every other point. */
  readonly maxPoints?: number;
}

/** Tick spacings of the x axis: whole steps and epochs only. */
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000];

/** A y tick: plain for everyday values, scientific for huge or tiny ones (a diverging loss). */
const tickLabel = (v: number): string => {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
};

/** A chart that grows as points are pushed. */
export interface LiveChart {
  /** Appends one x and one y per line (null for a gap). Drawn on the next animation frame. */
  push(x: number, ys: readonly (number | null)[]): void;
  /** Removes every point. */
  reset(): void;
  /** How many points the chart holds (after thinning). */
  readonly size: number;
  /** How many points the chart has drawn so far (what the page actually shows). */
  readonly drawn: number;
}

/**
 * Makes a live uPlot chart inside `el`, sized to the element's width.
 *
 * @example
 * const loss = liveChart(el, { xLabel: 'step', lines: [{ label: 'loss', stroke: '#999' }] })
 * loss.push(1, [0.69])
 */
export const liveChart = (el: HTMLElement, spec: ChartSpec): LiveChart => {
  const maxPoints = spec.maxPoints ?? 4000;
  let xs: number[] = [];
  let ys: (number | null)[][] = spec.lines.map(() => []);
  let drawn = 0;
  let frame: number | undefined;
  const height = spec.height ?? 200;
  const width = (): number => Math.max(240, el.clientWidth);
  const plot = new uPlot(
    {
      width: width(),
      height,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, ...(spec.yRange ? { y: { range: [spec.yRange[0], spec.yRange[1]] } } : {}) },
      axes: [
        { label: spec.xLabel, size: 36, labelSize: 14, incrs: INTEGER_STEPS },
        { size: 60, values: (_u: uPlot, splits: number[]) => splits.map(tickLabel) },
      ],
      series: [
        { label: spec.xLabel },
        ...spec.lines.map((l) => ({
          label: l.label,
          stroke: l.stroke,
          width: l.width ?? 1.5,
          ...(l.dash ? { dash: [...l.dash] } : {}),
          points: { show: l.points ?? false, size: 5 },
          spanGaps: false,
        })),
      ],
    },
    [[], ...spec.lines.map(() => [])],
    el,
  );
  const draw = (): void => {
    frame = undefined;
    plot.setData([xs, ...ys] as uPlot.AlignedData);
    drawn = xs.length;
  };
  const schedule = (): void => {
    if (frame === undefined) frame = requestAnimationFrame(draw);
  };
  new ResizeObserver(() => plot.setSize({ width: width(), height })).observe(el);
  return {
    push(x, values) {
      xs.push(x);
      for (let k = 0; k < ys.length; k++) ys[k].push(values[k] ?? null);
      if (xs.length > maxPoints) {
        xs = xs.filter((_, i) => i % 2 === 0 || i === xs.length - 1);
        ys = ys.map((line) => line.filter((_, i) => i % 2 === 0 || i === line.length - 1));
      }
      schedule();
    },
    reset() {
      xs = [];
      ys = spec.lines.map(() => []);
      schedule();
    },
    get size() {
      return xs.length;
    },
    get drawn() {
      return drawn;
    },
  };
};
