// The page's read-only status object, `window.__dashboard`, which tests read instead of pixels.

import type { RunConfig } from './protocol.js';

/** Where the page is in a run's life. */
export type RunState = 'idle' | 'loading' | 'running' | 'paused' | 'stopping' | 'stopped' | 'done' | 'error';

/** A snapshot of what the page shows. */
export interface DashboardStatus {
  readonly state: RunState;
  /** How many runs were started on this page. */
  readonly run: number;
  readonly dataset: string | null;
  readonly config: RunConfig | null;
  readonly step: number;
  readonly epoch: number;
  /** Step events received in this run. */
  readonly steps: number;
  /** Points in the loss chart (long runs are thinned, so this can drop), and the step of the last one. */
  readonly lossPoints: number;
  readonly lossLastStep: number;
  readonly firstLoss: number | null;
  readonly lastLoss: number | null;
  readonly smoothedLoss: number | null;
  readonly learningRate: number | null;
  readonly accuracyPoints: number;
  readonly trainAccuracy: number | null;
  readonly validationAccuracy: number | null;
  /** Times the decision boundary was redrawn. */
  readonly boundaryDraws: number;
  /** Times the MNIST digit grid was relabelled, and how many of its digits are wrong. */
  readonly digitsDraws: number;
  readonly wrongDigits: number | null;
  /** Node counts of the graph view (0 before the graphs arrive). */
  readonly graph: { readonly forward: number; readonly gradient: number; readonly backward: number; readonly compiled: number; readonly fused: number };
  /** The step of the seed's view shown, or null when this run has none (a large network). */
  readonly networkStep: number | null;
  /** Weight and gradient snapshots received in this run. */
  readonly histogramSnapshots: number;
  /** Runs kept for comparison (this one included). */
  readonly runs: number;
  /** Whether the page is asking to restart because data or model settings changed mid-run. */
  readonly restartPrompt: boolean;
  readonly logScale: boolean;
  /** After a pause: the last step the worker sent before it held (no later one arrives until resumed). */
  readonly heldAtStep: number | null;
  readonly error: string | null;
}

/**
 * The status of a page with no run.
 *
 * @example
 * publish({ ...initialStatus, run: 1, state: 'loading' })
 */
export const initialStatus: DashboardStatus = Object.freeze({
  state: 'idle',
  run: 0,
  dataset: null,
  config: null,
  step: 0,
  epoch: 0,
  steps: 0,
  lossPoints: 0,
  lossLastStep: 0,
  firstLoss: null,
  lastLoss: null,
  smoothedLoss: null,
  learningRate: null,
  accuracyPoints: 0,
  trainAccuracy: null,
  validationAccuracy: null,
  boundaryDraws: 0,
  digitsDraws: 0,
  wrongDigits: null,
  graph: Object.freeze({ forward: 0, gradient: 0, backward: 0, compiled: 0, fused: 0 }),
  networkStep: null,
  histogramSnapshots: 0,
  runs: 0,
  restartPrompt: false,
  logScale: false,
  heldAtStep: null,
  error: null,
});

declare global {
  interface Window {
    /** The dashboard's status (read-only; a frozen snapshot, replaced on every change). */
    readonly __dashboard: DashboardStatus;
  }
}

/**
 * Defines `window.__dashboard` on `target` and returns the function that replaces what it
 * shows. The property has a getter only and each snapshot is frozen, so scripts (and tests)
 * can read the page's status but not change the page through it.
 *
 * @example
 * const publish = exposeStatus(window)
 * publish({ ...initialStatus, state: 'running' })
 * window.__dashboard.state // 'running'
 */
export const exposeStatus = (target: Window): ((status: DashboardStatus) => void) => {
  let current: DashboardStatus = initialStatus;
  Object.defineProperty(target, '__dashboard', { get: () => current, configurable: false, enumerable: false });
  return (status) => {
    current = Object.freeze({ ...status });
  };
};
