// The messages between the page and the training worker: the run's settings, commands and events.

import * as t from 'io-ts';
import { pipe } from 'fp-ts/lib/function.js';
import { mapLeft, type Either } from 'fp-ts/lib/Either.js';
import { formatErrors } from '@chainrule/core';
import type { NetworkView } from './network.js';
import type { Summary } from './summary.js';

const positiveInt = (name: string) => t.refinement(t.number, (n) => Number.isInteger(n) && n > 0, name);
const finiteNumber = (name: string) => t.refinement(t.number, (n) => Number.isFinite(n), name);

/**
 * Codec of the settings of one run, as the form produces them and the worker checks them.
 *
 * @example
 * runConfigCodec.decode({ ...defaults, batchSize: 0 }) // left: 'batchSize: expected positive integer, got 0'
 */
export const runConfigCodec = t.type({
  dataset: t.keyof({ seed: null, spirals: null, moons: null, circles: null, xor: null, mnist: null }, 'one of seed, spirals, moons, circles, xor, mnist'),
  hiddenSizes: t.array(t.refinement(t.number, (n) => Number.isInteger(n) && n > 0 && n <= 1024, 'integer in 1…1024'), 'list of layer sizes'),
  activation: t.keyof({ relu: null, tanh: null, sigmoid: null }, 'one of relu, tanh, sigmoid'),
  learningRate: t.refinement(t.number, (n) => Number.isFinite(n) && n > 0, 'positive number'),
  momentum: t.refinement(t.number, (n) => Number.isFinite(n) && n >= 0 && n < 1, 'number in [0, 1)'),
  batchSize: positiveInt('positive integer'),
  epochs: positiveInt('positive integer'),
  seed: t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0, 'non-negative integer'),
  /** Steps run back to back before each rest of `delayMs`. */
  stepsPerTick: t.refinement(t.number, (n) => Number.isInteger(n) && n > 0 && n <= 10_000, 'integer in 1…10000'),
  delayMs: t.refinement(t.number, (n) => Number.isFinite(n) && n >= 0 && n <= 60_000, 'number of ms in 0…60000'),
  /** Hold the run before its first step (the seed preset starts so, to be stepped through). */
  startPaused: t.boolean,
  /** Check every op's output, forward and backward, and stop at the first NaN naming the op that made it. */
  debugNans: t.boolean,
  /** Where the worker fetches the packed MNIST digits (an absolute URL). */
  mnistUrl: t.string,
});

/** The settings of one run. */
export type RunConfig = t.TypeOf<typeof runConfigCodec>;

/**
 * Validates run settings; a Left names each bad field and what was wrong.
 *
 * @example
 * decodeRunConfig({ dataset: 'iris' }) // left('dataset: expected one of spirals, …, got "iris"; …')
 */
export const decodeRunConfig = (u: unknown): Either<string, RunConfig> => pipe(runConfigCodec.decode(u), mapLeft(formatErrors));

/**
 * Codec of a command from the page; the same shapes as the trainer's `Control`.
 *
 * @example
 * commandCodec.decode({ type: 'setLearningRate', learningRate: 0.1 })
 */
export const commandCodec = t.union([
  t.type({ type: t.literal('pause') }),
  t.type({ type: t.literal('resume') }),
  t.type({ type: t.literal('stop') }),
  t.type({ type: t.literal('setLearningRate'), learningRate: finiteNumber('finite number') }),
  /** While paused: run exactly one step. */
  t.type({ type: t.literal('step') }),
  t.type({ type: t.literal('setSpeed'), stepsPerTick: runConfigCodec.props.stepsPerTick, delayMs: runConfigCodec.props.delayMs }),
  /** Flow control: the page has handled the events up to this step. */
  t.type({ type: t.literal('seen'), step: t.number }),
]);

/** A command that steers the run in progress. */
export type Command = t.TypeOf<typeof commandCodec>;

/**
 * Validates a command; a Left says what was wrong.
 *
 * @example
 * decodeCommand({ type: 'jump' }) // left(...)
 */
export const decodeCommand = (u: unknown): Either<string, Command> => pipe(commandCodec.decode(u), mapLeft((e) => `command: ${formatErrors(e)}`));

/** The speed fields of a run's settings. */
export type Speed = Pick<RunConfig, 'stepsPerTick' | 'delayMs'>;

/** One node of a graph as the page draws it. */
export interface GraphNodeView {
  readonly id: number;
  readonly op: string;
  readonly shape: readonly number[];
  readonly inputs: readonly number[];
  /** Input nodes (params, data), nodes of the forward pass, or nodes reverse mode added. */
  readonly part: 'input' | 'constant' | 'forward' | 'backward';
  /** For inputs: which argument leaf it stands for (e.g. `params[0].w`, `x`). */
  readonly label?: string;
  /** For outputs of the graph: what they are (`loss`, `∂L/∂params[0].w`). */
  readonly output?: string;
}

/** A graph as the page draws it. */
export interface GraphView {
  readonly nodes: readonly GraphNodeView[];
  readonly outputs: readonly number[];
}

/** What the worker sends to the page. */
export type DashEvent =
  | {
      readonly type: 'setup';
      readonly dataset: string;
      /** Where the worker's kernels run, e.g. 'wasm (2 threads)'. */
      readonly backend: string;
      readonly classes: number;
      readonly trainSize: number;
      readonly testSize: number;
      readonly params: number;
      readonly stepsPerEpoch: number;
      readonly totalSteps: number;
      /** 2-D datasets: the training points (x0, y0, x1, y1, …) and their classes. */
      readonly points?: { readonly xy: Float32Array; readonly labels: Uint8Array; readonly extent: readonly [number, number, number, number] };
      /** MNIST: the test digits the page shows (28·28 bytes each) and their true labels. */
      readonly digits?: { readonly pixels: Uint8Array; readonly labels: Uint8Array };
    }
  | { readonly type: 'graph'; readonly forward: GraphView; readonly gradient: GraphView; readonly compiled: GraphView }
  | {
      readonly type: 'step';
      readonly epoch: number;
      readonly step: number;
      readonly loss: number;
      readonly accuracy: number;
      readonly learningRate: number;
      readonly ms: number;
    }
  | {
      readonly type: 'epoch';
      readonly epoch: number;
      readonly step: number;
      readonly loss: number;
      readonly accuracy: number;
      readonly validationAccuracy: number | undefined;
      readonly validationLoss: number | undefined;
    }
  | {
      readonly type: 'boundary';
      readonly step: number;
      readonly size: number;
      /** size·size cells, row 0 at the top: the predicted class and its probability. */
      readonly classOf: Uint8Array;
      readonly confidence: Float32Array;
    }
  | { readonly type: 'digits'; readonly step: number; readonly predicted: Uint8Array }
  /** Small MLPs: the seed's view of the network on one training example. */
  | ({ readonly type: 'network' } & NetworkView)
  /** Per parameter leaf, its values and its gradient on a fixed probe batch (the first batch), every few steps. */
  | { readonly type: 'histograms'; readonly step: number; readonly leaves: readonly LeafSummary[] }
  | { readonly type: 'done'; readonly epoch: number; readonly step: number; readonly stopped: boolean }
  /** The answer to a pause: no step after `step` comes until a resume or a single step. */
  | { readonly type: 'held'; readonly step: number };

/** One parameter leaf's values and gradient at one step. */
export interface LeafSummary {
  readonly path: string;
  readonly shape: readonly number[];
  readonly weights: Summary;
  readonly grads: Summary;
}
