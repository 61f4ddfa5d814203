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
  /** Draw bars from zero instead of a line (histograms). */
  readonly bars?: boolean;
  readonly fill?: string;
  /** Leave the line out of the drawing (its values still show in the legend). */
  readonly hidden?: boolean;
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
  /** x is a count (steps, epochs): ticks at whole numbers only (default true). */
  readonly integerX?: boolean;
  /** Shaded bands between two lines, as [upper line, lower line, fill] with 0-based line indices. */
  readonly bands?: readonly (readonly [number, number, string])[];
}

/** Tick spacings of the x axis: whole steps and epochs only. */
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000];

/** A y tick or a hover value: plain for everyday values, scientific for huge or tiny ones (a diverging loss). */
const numberLabel = (v: number, digits: number): string => {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e5 || a < 1e-3) return v.toExponential(digits - 3);
  return String(Number(v.toPrecision(digits)));
};

const isPowerOfTen = (v: number): boolean => v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;

/** A chart that grows as points are pushed. */
export interface LiveChart {
  /** Appends one x and one y per line (null for a gap). Drawn on the next animation frame. */
  push(x: number, ys: readonly (number | null)[]): void;
  /** Replaces every point (one x array, one y array per line). */
  setData(xs: readonly number[], ys: readonly (readonly (number | null)[])[]): void;
  /** Replaces the lines and their points (a chart whose lines come and go, such as one per run). */
  setLines(lines: readonly LineSpec[], xs: readonly number[], ys: readonly (readonly (number | null)[])[]): void;
  /** Removes every point. */
  reset(): void;
  /** Draws the y axis on a log scale (values ≤ 0 are left out) or a linear one; `el.dataset.scale` says which. */
  setLog(on: boolean): void;
  /** How many points the chart holds (after thinning). */
  readonly size: number;
  /** How many points the chart has drawn so far (what the page actually shows). */
  readonly drawn: number;
}

/**
 * Makes a live uPlot chart inside `el`, sized to the element's width. Hovering shows the
 * values of every line at the cursor in the legend under the chart.
 *
 * @example
 * const loss = liveChart(el, { xLabel: 'step', lines: [{ label: 'loss', stroke: '#999' }] })
 * loss.push(1, [0.69])
 */
export const liveChart = (el: HTMLElement, initialSpec: ChartSpec): LiveChart => {
  let spec = initialSpec;
  const maxPoints = spec.maxPoints ?? 4000;
  let xs: number[] = [];
  let ys: (number | null)[][] = spec.lines.map(() => []);
  let drawn = 0;
  let log = false;
  let frame: number | undefined;
  const height = spec.height ?? 200;
  const width = (): number => Math.max(200, el.clientWidth);
  const options = (): uPlot.Options => ({
    width: width(),
    height,
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: false },
      y: { distr: log ? 3 : 1, ...(spec.yRange && !log ? { range: [spec.yRange[0], spec.yRange[1]] } : {}) },
    },
    axes: [
      { label: spec.xLabel, size: 36, labelSize: 14, ...(spec.integerX ?? true ? { incrs: INTEGER_STEPS } : {}), values: (_u: uPlot, splits: number[]) => splits.map((v) => numberLabel(v, 4)) },
      // On a log axis uPlot also draws ticks at 2…9 × 10ᵏ: only the powers of ten get a label.
      { size: 60, values: (_u: uPlot, splits: number[]) => splits.map((v) => (log && !isPowerOfTen(v) ? '' : numberLabel(v, 4))) },
    ],
    series: [
      { label: spec.xLabel, value: (_u: uPlot, v: number | null) => (v == null ? '–' : numberLabel(v, 6)) },
      ...spec.lines.map((l) => ({
        label: l.label,
        stroke: l.stroke,
        width: l.width ?? 1.5,
        ...(l.dash ? { dash: [...l.dash] } : {}),
        ...(l.fill ? { fill: l.fill } : {}),
        ...(l.bars ? { paths: uPlot.paths.bars!({ size: [0.9, 40] }) } : {}),
        ...(l.hidden ? { show: false } : {}),
        points: { show: l.points ?? false, size: 5 },
        spanGaps: false,
        value: (_u: uPlot, v: number | null) => (v == null ? '–' : numberLabel(v, 6)),
      })),
    ],
    ...(spec.bands ? { bands: spec.bands.map(([a, b, fill]) => ({ series: [a + 1, b + 1] as [number, number], fill })) } : {}),
  });
  const shown = (): uPlot.AlignedData => [xs, ...ys.map((line) => (log ? line.map((v) => (v !== null && v > 0 ? v : null)) : line))] as uPlot.AlignedData;
  let plot = new uPlot(options(), shown(), el);
  el.dataset.scale = 'linear';
  const rebuild = (): void => {
    plot.destroy();
    plot = new uPlot(options(), shown(), el);
    drawn = xs.length;
  };
  const draw = (): void => {
    frame = undefined;
    plot.setData(shown());
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
    setData(newXs, newYs) {
      xs = [...newXs];
      ys = newYs.map((line) => [...line]);
      schedule();
    },
    setLines(lines, newXs, newYs) {
      spec = { ...spec, lines };
      xs = [...newXs];
      ys = newYs.map((line) => [...line]);
      rebuild();
    },
    reset() {
      xs = [];
      ys = spec.lines.map(() => []);
      schedule();
    },
    setLog(on) {
      if (on === log) return;
      log = on;
      el.dataset.scale = on ? 'log' : 'linear';
      rebuild();
    },
    get size() {
      return xs.length;
    },
    get drawn() {
      return drawn;
    },
  };
};
