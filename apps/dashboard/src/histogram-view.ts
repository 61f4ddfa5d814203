// The weights-and-gradients panel: per parameter, quantile bands over time and a histogram at a chosen step.

import { liveChart, type LiveChart, type LineSpec } from './charts.js';
import type { LeafSummary } from './protocol.js';
import { QUANTILES, type Summary } from './summary.js';

/** The panel's elements. */
export interface HistogramElements {
  readonly leaf: HTMLSelectElement;
  readonly at: HTMLInputElement;
  readonly atStep: HTMLElement;
  readonly weightsOverTime: HTMLElement;
  readonly gradsOverTime: HTMLElement;
  readonly weightsHistogram: HTMLElement;
  readonly gradsHistogram: HTMLElement;
}

/** The panel, fed with each `histograms` event of the run. */
export interface HistogramPanel {
  reset(): void;
  add(step: number, leaves: readonly LeafSummary[]): void;
  /** Snapshots received in this run. */
  readonly snapshots: number;
  /** The parameter shown and the step of the histogram shown. */
  readonly shown: { readonly leaf: string | null; readonly step: number | null };
}

const bandLines = (stroke: string): LineSpec[] =>
  QUANTILES.map((q) => ({
    label: q === 0 ? 'min' : q === 1 ? 'max' : q === 0.5 ? 'median' : `${(q * 100).toFixed(1)}%`,
    stroke: q === 0.5 ? stroke : 'rgba(0,0,0,0)',
    width: q === 0.5 ? 2 : 0,
  }));

/** Lines (upper, lower) shaded between, outermost first: min–max, then ±1.5σ, ±σ, ±σ/2. */
const bands = (rgb: string): [number, number, string][] => [
  [8, 0, `rgba(${rgb},0.12)`],
  [7, 1, `rgba(${rgb},0.18)`],
  [6, 2, `rgba(${rgb},0.24)`],
  [5, 3, `rgba(${rgb},0.3)`],
];

/** Bin centres and counts of a summary. */
const binsOf = (s: Summary): { xs: number[]; counts: number[] } => {
  const n = s.bins.counts.length;
  const w = (s.bins.hi - s.bins.lo) / n;
  return { xs: s.bins.counts.map((_, i) => s.bins.lo + (i + 0.5) * w), counts: [...s.bins.counts] };
};

/**
 * Builds the panel in `els`. A parameter is chosen in `els.leaf` (one option per leaf
 * path, e.g. `params[0].w`); the quantile charts show its values and gradients over all
 * snapshots, the histograms the snapshot chosen with the `els.at` slider (the newest one
 * until the slider is moved back).
 *
 * @example
 * const panel = histogramPanel(els)
 * panel.add(event.step, event.leaves)
 */
export const histogramPanel = (els: HistogramElements): HistogramPanel => {
  const overTime = (el: HTMLElement, stroke: string, rgb: string): LiveChart =>
    liveChart(el, { xLabel: 'step', lines: bandLines(stroke), bands: bands(rgb), height: 180 });
  const histogram = (el: HTMLElement, stroke: string, fill: string): LiveChart =>
    liveChart(el, { xLabel: 'value', integerX: false, lines: [{ label: 'count', stroke, fill, bars: true }], height: 160 });
  const charts = {
    weights: overTime(els.weightsOverTime, '#1e3a8a', '37,99,235'),
    grads: overTime(els.gradsOverTime, '#9a3412', '234,88,12'),
    weightsHist: histogram(els.weightsHistogram, '#1e3a8a', 'rgba(37,99,235,0.45)'),
    gradsHist: histogram(els.gradsHistogram, '#9a3412', 'rgba(234,88,12,0.45)'),
  };
  const state = { snapshots: [] as { step: number; leaves: readonly LeafSummary[] }[], follow: true };

  const selected = (): number => Math.max(0, els.leaf.selectedIndex);
  const drawOverTime = (): void => {
    const i = selected();
    const xs = state.snapshots.map((s) => s.step);
    const lines = (pick: (l: LeafSummary) => Summary) => QUANTILES.map((_, q) => state.snapshots.map((s) => pick(s.leaves[i]).quantiles[q]));
    charts.weights.setData(xs, lines((l) => l.weights));
    charts.grads.setData(xs, lines((l) => l.grads));
  };
  const drawHistograms = (): void => {
    const snap = state.snapshots[Number(els.at.value)];
    if (snap === undefined) return;
    const leaf = snap.leaves[selected()];
    const w = binsOf(leaf.weights), g = binsOf(leaf.grads);
    charts.weightsHist.setData(w.xs, [w.counts]);
    charts.gradsHist.setData(g.xs, [g.counts]);
    els.atStep.textContent = `${snap.step}`;
  };

  els.leaf.addEventListener('change', () => {
    drawOverTime();
    drawHistograms();
  });
  els.at.addEventListener('input', () => {
    state.follow = Number(els.at.value) === state.snapshots.length - 1;
    drawHistograms();
  });

  return {
    reset() {
      state.snapshots = [];
      state.follow = true;
      els.at.max = '0';
      els.at.value = '0';
      els.atStep.textContent = '';
      for (const c of Object.values(charts)) c.reset();
    },
    add(step, leaves) {
      if (state.snapshots.length === 0) {
        const before = els.leaf.value;
        els.leaf.replaceChildren(
          ...leaves.map((l) => {
            const o = document.createElement('option');
            o.value = l.path;
            o.textContent = `${l.path} [${l.shape.join('×')}]`;
            return o;
          }),
        );
        // Keep the parameter chosen in the previous run if this model has it too; else the first kernel.
        const keep = leaves.find((l) => l.path === before) ?? leaves.find((l) => l.path.endsWith('.w')) ?? leaves[0];
        if (keep !== undefined) els.leaf.value = keep.path;
      }
      state.snapshots.push({ step, leaves });
      els.at.max = String(state.snapshots.length - 1);
      if (state.follow) els.at.value = els.at.max;
      drawOverTime();
      drawHistograms();
    },
    get snapshots() {
      return state.snapshots.length;
    },
    get shown() {
      const snap = state.snapshots[Number(els.at.value)];
      return { leaf: state.snapshots.length > 0 ? els.leaf.value : null, step: snap?.step ?? null };
    },
  };
};
