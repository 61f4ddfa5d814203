// Opening what eval and predict run: a chainrule checkpoint, or an ONNX model file (by its .onnx extension).

import { readFile } from 'node:fs/promises';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import type { DType, Shape, Tensor } from '@chainrule/core';
import { evaluate, type Dataset, type Metrics } from '@chainrule/train';
import { importOnnx } from '@chainrule/onnx';
import { openCheckpoint } from './checkpoint-file.js';
import { decodeRunConfig, type RunConfig } from './run-config.js';
import { shapeText } from '@chainrule/core';

/** The metadata key under which `chainrule export` stores the run settings of the checkpoint. */
export const RUN_METADATA_KEY = 'chainrule.run';

/** A model eval and predict can use, whichever file it came from. */
export interface OpenedModel {
  /** Shape of one example (no batch axis). */
  readonly inputShape: Shape;
  readonly dtype: DType;
  /** Logits for a batch. */
  readonly logits: (x: Tensor) => Tensor;
  readonly evaluate: (ds: Dataset) => Metrics;
  /** The run settings (data split) when the file carries them. */
  readonly run: RunConfig | undefined;
  /** Training steps behind the weights, when known. */
  readonly steps: number | undefined;
}

/** Whether a path names an ONNX file. */
export const isOnnxPath = (path: string): boolean => path.toLowerCase().endsWith('.onnx');

/**
 * Imports an ONNX model with one input `[batch, ...]` for eval and predict; the run settings
 * come from its metadata when `chainrule export` wrote it. A Left names the file and the problem.
 *
 * @example
 * const opened = await openOnnx('xor.onnx')
 */
export const openOnnx = async (path: string): Promise<Either<string, OpenedModel>> => {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    return left(`cannot read ${path}: ${(e as Error).message}`);
  }
  const imported = importOnnx(bytes);
  if (isLeft(imported)) return left(`${path}: ${imported.left.message}`);
  const m = imported.right;
  if (m.inputs.length !== 1) return left(`${path}: eval and predict need a model with one input, this one has ${m.inputs.length}`);
  const shape = m.inputs[0].shape;
  const example = shape.slice(1);
  if (shape.length < 1 || !example.every((d): d is number => typeof d === 'number')) {
    return left(`${path}: the input must be [batch, ...] with fixed sizes after the batch axis, got ${shapeText(shape)}`);
  }
  const meta = m.metadata[RUN_METADATA_KEY];
  let run: RunConfig | undefined;
  if (meta !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(meta);
    } catch {
      return left(`${path}: metadata ${RUN_METADATA_KEY} is not valid JSON`);
    }
    const decoded = decodeRunConfig(parsed);
    if (isLeft(decoded)) return left(`${path}: metadata ${RUN_METADATA_KEY}: ${decoded.left}`);
    run = decoded.right;
  }
  const outputShape = m.graph.nodes[m.graph.outputs[0]].shape.slice(1);
  const apply = (p: typeof m.params, x: Tensor): Tensor => m.apply(p, x)[0];
  return right({
    inputShape: example,
    dtype: m.inputs[0].dtype,
    logits: (x) => apply(m.params, x),
    evaluate: (ds) => evaluate(m.params, { apply, outputShape, dtype: m.inputs[0].dtype }, ds),
    run,
    steps: undefined,
  });
};

/**
 * Opens a checkpoint or, for a `.onnx` path, an ONNX model.
 *
 * @example
 * const opened = await openModelFile(path) // right({ logits, evaluate, run, … })
 */
export const openModelFile = async (path: string): Promise<Either<string, OpenedModel>> => {
  if (isOnnxPath(path)) return openOnnx(path);
  const opened = await openCheckpoint(path);
  if (isLeft(opened)) return opened;
  const { checkpoint, run } = opened.right;
  const { model } = checkpoint;
  const params = checkpoint.state.params;
  return right({
    inputShape: model.inputShape,
    dtype: model.dtype,
    logits: (x) => model.apply(params, x),
    evaluate: (ds) => evaluate(params, model, ds),
    run,
    steps: checkpoint.state.step,
  });
};
