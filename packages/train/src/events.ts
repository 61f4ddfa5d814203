// The trainer's vocabulary: the events it emits, the controls it accepts, its state and its errors.

import type { Params } from '@chainrule/nn';
import type { Metrics } from './metrics.js';

/**
 * Emitted after every training step. `epoch`, `step` and `batch` are 1-based: the first
 * step of a run is `{ epoch: 1, step: 1, batch: 1 }`; `step` counts over the whole run.
 *
 * @example
 * run$.pipe(ofType('step')).subscribe((e) => chart.push(e.step, e.loss))
 */
export interface StepEvent {
  readonly type: 'step';
  readonly epoch: number;
  readonly step: number;
  /** Position of the batch within its epoch, 1-based. */
  readonly batch: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  /** Mean loss of this batch (NaN when it was skipped). */
  readonly loss: number;
  /** Accuracy on this batch, measured before the update. */
  readonly accuracy: number;
  /** The learning rate this step used. */
  readonly learningRate: number;
  /** Wall time of the step in milliseconds. */
  readonly ms: number;
  /** Whether `nanPolicy: 'skip'` dropped this batch (params unchanged). */
  readonly skipped: boolean;
  /** The params after the step: immutable tensors, safe to keep. */
  readonly params: Params;
}

/**
 * Emitted after the last step of every epoch.
 *
 * @example
 * run$.pipe(ofType('epoch')).subscribe((e) => console.log(e.epoch, e.loss, e.validation?.accuracy))
 */
export interface EpochEvent {
  readonly type: 'epoch';
  readonly epoch: number;
  readonly step: number;
  /** Mean training loss over the epoch's (non-skipped) batches. */
  readonly loss: number;
  /** Training metrics over the epoch's batches. */
  readonly metrics: { readonly accuracy: number };
  /** Metrics on `config.validation`, when given. */
  readonly validation?: Metrics;
  /** Wall time of the epoch (with validation) in milliseconds. */
  readonly ms: number;
  /** Everything needed to resume or checkpoint from here. */
  readonly state: TrainState;
}

/**
 * The last event of a run: the final state. `stopped` is true when a `stop` control (or
 * `earlyStopping`) ended the run before its last epoch.
 *
 * @example
 * const done = await lastValueFrom(run$.pipe(ofType('done')))
 * evaluate(done.params, model, test)
 */
export interface DoneEvent extends TrainState {
  readonly type: 'done';
  readonly epoch: number;
  readonly stopped: boolean;
}

/** Every event a training emits, tagged by `type`. */
export type TrainEvent = StepEvent | EpochEvent | DoneEvent;

/** The summary of one epoch kept in the history. */
export interface EpochSummary {
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly validation?: Metrics;
}

/** What happened so far, step by step and epoch by epoch. */
export interface History {
  /** Per step; NaN for skipped steps. */
  readonly loss: readonly number[];
  /** Per step: accuracy on the batch. */
  readonly accuracy: readonly number[];
  /** Per step: the learning rate used. */
  readonly learningRate: readonly number[];
  readonly epochs: readonly EpochSummary[];
}

/**
 * A run's state between two steps: enough to resume it exactly (with the same model,
 * data, optimizer, seed and batch size) or to store it in a checkpoint.
 *
 * @example
 * train({ ...config, resume: checkpoint.state })
 */
export interface TrainState {
  readonly params: Params;
  /** The optimizer's state pytree. */
  readonly optState: unknown;
  /** Steps completed. */
  readonly step: number;
  readonly history: History;
}

/**
 * A command for a running training, sent through `config.control$`.
 *
 * @example
 * const control$ = new Subject<Control>()
 * train({ ...config, control$ }).subscribe(…)
 * control$.next({ type: 'pause' })
 * control$.next({ type: 'setLearningRate', learningRate: 0.01 })
 */
export type Control =
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'stop' }
  | { readonly type: 'setLearningRate'; readonly learningRate: number };

/** What went wrong in a {@link TrainError}. */
export type TrainErrorCode = 'NonFiniteLoss' | 'StepFailed' | 'BadConfig' | 'BadResume' | 'BadControl';

/**
 * The error a training Observable ends with. `epoch` and `step` (1-based) say where it
 * happened; `cause` is the original exception from user code, if any.
 *
 * @example
 * run$.subscribe({ error: (e) => e instanceof TrainError && console.error(e.code, e.epoch, e.step, e.message) })
 */
export class TrainError extends Error {
  readonly code: TrainErrorCode;
  readonly epoch: number | undefined;
  readonly step: number | undefined;
  override readonly cause: unknown;

  constructor(code: TrainErrorCode, message: string, where: { readonly epoch?: number; readonly step?: number } = {}, cause?: unknown) {
    const at = where.epoch !== undefined && where.step !== undefined ? ` (epoch ${where.epoch}, step ${where.step})` : '';
    super(`${code}: ${message}${at}`);
    this.name = 'TrainError';
    this.code = code;
    this.epoch = where.epoch;
    this.step = where.step;
    this.cause = cause;
  }
}
