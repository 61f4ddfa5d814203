// The runs of one page visit, kept for comparison and exported as CSV or JSON.

import type { DashEvent, LeafSummary, RunConfig } from './protocol.js';

/** One training step as the page recorded it. */
export interface StepRow {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  /** The exponential moving average the loss chart draws. */
  readonly smoothed: number;
  readonly learningRate: number;
  readonly accuracy: number;
}

/** One epoch's summary: the worker's epoch event without its tag. */
export type EpochRow = Omit<Extract<DashEvent, { readonly type: 'epoch' }>, 'type'>;

/** Everything kept of one run. The arrays grow while the run goes. */
export interface RunRecord {
  readonly id: number;
  readonly label: string;
  readonly config: Omit<RunConfig, 'mnistUrl'>;
  readonly steps: StepRow[];
  readonly epochs: EpochRow[];
  readonly histograms: { readonly step: number; readonly leaves: readonly LeafSummary[] }[];
}

/**
 * A new, empty record for run number `id`, labelled with what tells runs apart.
 *
 * @example
 * newRun(2, config).label // 'run 2 · spirals 16-16 tanh · lr 0.1'
 */
export const newRun = (id: number, { mnistUrl: _url, ...config }: RunConfig): RunRecord => ({
  id,
  label: `run ${id} · ${config.dataset} ${config.hiddenSizes.join('-') || 'linear'} ${config.activation} · lr ${config.learningRate}`,
  config,
  steps: [],
  epochs: [],
  histograms: [],
});

/** A CSV field: numbers as JavaScript prints them, empty for missing or non-finite, text quoted when needed. */
const field = (v: number | string | undefined): string => {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};

/** The columns of {@link historyCsv}. */
export const CSV_COLUMNS = ['run', 'label', 'kind', 'step', 'epoch', 'loss', 'smoothed', 'learning_rate', 'accuracy', 'validation_accuracy', 'validation_loss'] as const;

/**
 * The runs' steps and epochs as one CSV table: a `step` row per step and an `epoch` row
 * per epoch, in the order they happened within each run.
 *
 * @example
 * historyCsv(runs).split('\n')[0] // 'run,label,kind,step,epoch,loss,smoothed,learning_rate,accuracy,validation_accuracy,validation_loss'
 */
export const historyCsv = (runs: readonly RunRecord[]): string => {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of runs) {
    let e = 0;
    const epochRow = (x: EpochRow): string =>
      [r.id, r.label, 'epoch', x.step, x.epoch, x.loss, undefined, undefined, x.accuracy, x.validationAccuracy, x.validationLoss].map(field).join(',');
    for (const s of r.steps) {
      lines.push([r.id, r.label, 'step', s.step, s.epoch, s.loss, s.smoothed, s.learningRate, s.accuracy, undefined, undefined].map(field).join(','));
      while (e < r.epochs.length && r.epochs[e].step <= s.step) lines.push(epochRow(r.epochs[e++]));
    }
    while (e < r.epochs.length) lines.push(epochRow(r.epochs[e++]));
  }
  return `${lines.join('\n')}\n`;
};

/**
 * The runs as JSON text: settings, steps, epochs and the weight and gradient summaries.
 * Non-finite numbers (a loss that became NaN) are written as null.
 *
 * @example
 * JSON.parse(historyJson(runs)).runs[0].steps[0].loss
 */
export const historyJson = (runs: readonly RunRecord[]): string =>
  JSON.stringify({ format: 'chainrule-dashboard-history', version: 1, runs }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1);

/**
 * The smoothed loss of every run on one x axis (steps 1…longest), every `stride`-th step so
 * that at most about `maxPoints` points are drawn. Steps a run does not have are null.
 *
 * @example
 * const { xs, ys } = compareSeries(runs, 2000)
 * chart.setLines(runs.map(lineOf), xs, ys)
 */
export const compareSeries = (runs: readonly RunRecord[], maxPoints: number): { xs: number[]; ys: (number | null)[][] } => {
  const longest = runs.reduce((m, r) => Math.max(m, r.steps.length), 0);
  const stride = Math.max(1, Math.ceil(longest / maxPoints));
  const xs: number[] = [];
  for (let i = stride - 1; i < longest; i += stride) xs.push(i + 1);
  if (longest > 0 && xs[xs.length - 1] !== longest) xs.push(longest);
  // A run's step rows are 1…n in order, so step k is at index k − 1.
  const ys = runs.map((r) => xs.map((x) => (x <= r.steps.length && Number.isFinite(r.steps[x - 1].smoothed) ? r.steps[x - 1].smoothed : null)));
  return { xs, ys };
};
