// JSON forms of pytrees of tensors, metrics and events: for checkpoints, `--json` output and worker messages.

import * as t from 'io-ts';
import { Tensor, checkUntrusted, tensorFromJson, type TensorJson } from '@chainrule/core';
import type { ConfusionMatrix, Metrics } from './metrics.js';
import type { EpochSummary, History, TrainEvent } from './events.js';

/** A pytree as JSON: tensors as `{ $tensor: TensorJson }`, arrays and records as such, numbers and null kept. */
export type TreeJson = { readonly $tensor: TensorJson } | number | null | readonly TreeJson[] | { readonly [key: string]: TreeJson };

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * Codec between a pytree of tensors (params, optimizer state) and {@link TreeJson}. Decoding
 * checks every tensor (dtype, shape, data length) and reports the path of the first bad one;
 * input nested deeper than MAX_DEPTH or holding a `__proto__`/`constructor`/`prototype` key
 * is refused.
 *
 * @example
 * treeCodec.encode([{ w: tensor([1, 2]) }]) // [{ w: { $tensor: { dtype: 'float32', shape: [2], data: [1, 2] } } }]
 */
export const treeCodec = new t.Type<unknown, TreeJson, unknown>(
  'PyTree',
  (_u): _u is unknown => true,
  (u, c) => {
    // Depth bounded and prototype keys refused before the walk below copies any record.
    const unsafe = checkUntrusted(u);
    if (unsafe !== undefined) return t.failure(u, c, unsafe.message);
    // Iterative, with paths as linked lists built into a context only on failure: a hostile,
    // deeply nested document neither overflows the stack nor costs time quadratic in its depth.
    type Path = { readonly key: string; readonly actual: unknown; readonly parent: Path | undefined };
    type Frame = { readonly value: unknown; readonly path: Path | undefined; readonly set: (v: unknown) => void };
    const contextOf = (path: Path | undefined): t.Context => {
      const entries: t.ContextEntry[] = [];
      for (let p = path; p !== undefined; p = p.parent) entries.push({ key: p.key, type: treeCodec, actual: p.actual });
      return [...c, ...entries.reverse()];
    };
    let root: unknown;
    const stack: Frame[] = [{ value: u, path: undefined, set: (v) => (root = v) }];
    while (stack.length > 0) {
      const { value, path, set } = stack.pop()!;
      if (value === null || typeof value === 'number') {
        set(value);
      } else if (Array.isArray(value)) {
        const out: unknown[] = new Array(value.length);
        set(out);
        value.forEach((v, i) => stack.push({ value: v, path: { key: String(i), actual: v, parent: path }, set: (x) => (out[i] = x) }));
      } else if (isRecord(value) && '$tensor' in value) {
        const r = tensorFromJson.validate(value.$tensor, contextOf({ key: '$tensor', actual: value.$tensor, parent: path }));
        if (r._tag === 'Left') return r;
        set(r.right);
      } else if (isRecord(value)) {
        const out: Record<string, unknown> = {};
        set(out);
        // Create the keys now, in document order: the stack fills them in reverse.
        for (const k of Object.keys(value)) out[k] = undefined;
        for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: { key: k, actual: v, parent: path }, set: (x) => (out[k] = x) });
      } else {
        return t.failure(value, contextOf(path), 'expected a tensor ({ $tensor }), an array, a record, a number or null');
      }
    }
    return t.success(root);
  },
  (tree) => encodeTree(tree),
);

const encodeTree = (tree: unknown): TreeJson => {
  if (tree instanceof Tensor) return { $tensor: tensorFromJson.encode(tree) };
  if (Array.isArray(tree)) return tree.map(encodeTree);
  if (typeof tree === 'number') return Number.isFinite(tree) ? tree : null;
  if (isRecord(tree)) return Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, encodeTree(v)]));
  return null;
};

/**
 * A number that may be NaN or infinite, as JSON: non-finite values become null (and null
 * decodes to NaN).
 *
 * @example
 * numberOrNull.encode(NaN) // null
 */
export const numberOrNull = new t.Type<number, number | null, unknown>(
  'NumberOrNaN',
  (u): u is number => typeof u === 'number',
  (u, c) => (typeof u === 'number' ? t.success(u) : u === null ? t.success(NaN) : t.failure(u, c, 'expected a number or null')),
  (n) => (Number.isFinite(n) ? n : null),
);

const confusionCodec = new t.Type<ConfusionMatrix, { classes: number; counts: number[] }, unknown>(
  'ConfusionMatrix',
  (u): u is ConfusionMatrix => isRecord(u) && u.counts instanceof Int32Array,
  (u, c) => {
    const r = t.type({ classes: t.number, counts: t.array(t.number) }).validate(u, c);
    if (r._tag === 'Left') return r;
    const { classes, counts } = r.right;
    if (!Number.isInteger(classes) || classes < 0 || counts.length !== classes * classes) return t.failure(u, c, `counts must have classes² = ${classes * classes} entries`);
    return t.success({ classes, counts: Int32Array.from(counts) });
  },
  (m) => ({ classes: m.classes, counts: Array.from(m.counts) }),
);

/**
 * Codec of {@link Metrics} (NaN as null, the confusion counts as a plain array).
 *
 * @example
 * JSON.stringify(metricsCodec.encode(evaluate(params, model, test)))
 */
export const metricsCodec: t.Type<Metrics, unknown, unknown> = t.type({ loss: numberOrNull, accuracy: numberOrNull, confusion: confusionCodec }, 'Metrics');

const epochSummaryCodec: t.Type<EpochSummary, unknown, unknown> = t.intersection(
  [t.type({ epoch: t.number, step: t.number, loss: numberOrNull, accuracy: numberOrNull }), t.partial({ validation: metricsCodec })],
  'EpochSummary',
);

/**
 * Codec of a run's {@link History} (NaN losses of skipped steps are stored as null).
 *
 * @example
 * historyCodec.encode(done.history)
 */
export const historyCodec: t.Type<History, unknown, unknown> = t.type(
  {
    loss: t.readonlyArray(numberOrNull),
    accuracy: t.readonlyArray(numberOrNull),
    learningRate: t.readonlyArray(numberOrNull),
    epochs: t.readonlyArray(epochSummaryCodec),
  },
  'History',
);

/** Options of {@link eventToJson}. */
export interface EventJsonOptions {
  /** Include params (and, for epoch and done events, the optimizer state) as tensors (default false). */
  readonly params?: boolean;
}

/**
 * A training event as plain JSON data: for `--json` output (one line per event) and for
 * posting from a Web Worker. Without `params`, params, optimizer state and history are left
 * out, which keeps step events a few hundred bytes.
 *
 * @example
 * run$.subscribe((e) => process.stdout.write(JSON.stringify(eventToJson(e)) + '\n'))
 */
export const eventToJson = (event: TrainEvent, options: EventJsonOptions = {}): Record<string, unknown> => {
  const withParams = options.params === true;
  switch (event.type) {
    case 'step': {
      const { params, ...rest } = event;
      return { ...rest, loss: numberOrNull.encode(rest.loss), accuracy: numberOrNull.encode(rest.accuracy), learningRate: numberOrNull.encode(rest.learningRate), ...(withParams && { params: encodeTree(params) }) };
    }
    case 'epoch': {
      const { state, validation, ...rest } = event;
      return {
        ...rest,
        loss: numberOrNull.encode(rest.loss),
        metrics: { accuracy: numberOrNull.encode(rest.metrics.accuracy) },
        ...(validation && { validation: metricsCodec.encode(validation) }),
        ...(withParams && { state: { step: state.step, params: encodeTree(state.params), optState: encodeTree(state.optState), history: historyCodec.encode(state.history) } }),
      };
    }
    case 'done': {
      const { params, optState, history, ...rest } = event;
      return { ...rest, ...(withParams && { params: encodeTree(params), optState: encodeTree(optState), history: historyCodec.encode(history) }) };
    }
  }
};
