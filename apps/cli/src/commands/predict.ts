// `chainrule predict <checkpoint>`: classes and probabilities for examples from a JSON file or the test split.

import { readFile } from 'node:fs/promises';
import * as t from 'io-ts';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { softmax, tensor, type Tensor, shapeText } from '@chainrule/core';
import { gatherRows, predictClasses } from '@chainrule/train';
import { intFlag } from '../flags.js';
import type { Io } from '../io.js';
import { openModelFile } from '../model-file.js';
import { loadSplit } from '../setup.js';
import { EXIT } from './train.js';

/**
 * io-ts codec of `predict`'s flags.
 *
 * @example
 * decodeFlags(predictFlagsCodec, { count: '5' })
 */
export const predictFlagsCodec = t.partial({ input: t.string, count: intFlag(1), json: t.boolean });

/** The decoded flags of `predict`. */
export type PredictFlags = t.TypeOf<typeof predictFlagsCodec>;

/** Flattens one example (numbers, possibly nested) into `out`; false when something is not a finite number. */
const flattenExample = (v: unknown, out: number[]): boolean => {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x === 'number' && Number.isFinite(x)) out.push(x);
    else if (Array.isArray(x)) for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
    else return false;
  }
  return true;
};

/**
 * Reads examples from JSON text: an array whose items are arrays of numbers (flat or nested)
 * holding `featureSize` values each. A Left names the example and what is wrong.
 *
 * @example
 * parseExamples('[[0, 1], [1, 1]]', [2]) // right(tensor of shape [2, 2])
 */
export const parseExamples = (text: string, featureShape: readonly number[]): Either<string, Tensor> => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return left(`not valid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(value) || value.length === 0) return left('expected a non-empty JSON array of examples');
  const size = featureShape.reduce((a, b) => a * b, 1);
  const flat: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const before = flat.length;
    if (!flattenExample(value[i], flat)) return left(`example ${i}: expected an array of finite numbers`);
    if (flat.length - before !== size) return left(`example ${i}: has ${flat.length - before} numbers, the model takes ${size} (${shapeText(featureShape)})`);
  }
  return right(tensor(flat, { shape: [value.length, ...featureShape] }));
};

/**
 * Prints the predicted class and its probability for each example: from `--input` (a JSON
 * file) or the first `--count` examples of the checkpoint's test split, with their labels.
 * The model is a checkpoint or a `.onnx` file.
 *
 * @example
 * await predictCommand('xor.ckpt.json', { count: 4 }, processIo())
 */
export const predictCommand = async (path: string, flags: PredictFlags, io: Io): Promise<number> => {
  const fail = (message: string, code: number = EXIT.failed): number => {
    io.stderr.write(`chainrule predict: ${message}\n`);
    return code;
  };
  const opened = await openModelFile(path);
  if (isLeft(opened)) return fail(opened.left);
  const model = opened.right;
  const { run } = model;
  let x: Tensor;
  let labels: Float32Array | Float64Array | undefined;
  if (flags.input !== undefined) {
    if (flags.count !== undefined) return fail('--count: not used with --input (every example in the file is predicted)', EXIT.usage);
    let text: string;
    try {
      text = await readFile(flags.input, 'utf8');
    } catch (e) {
      return fail(`--input: cannot read ${flags.input}: ${(e as Error).message}`);
    }
    const parsed = parseExamples(text, model.inputShape);
    if (isLeft(parsed)) return fail(`--input: ${flags.input}: ${parsed.left}`, EXIT.usage);
    x = parsed.right;
  } else {
    if (run === undefined) return fail(`${path}: carries no chainrule run settings, so it has no test split: give --input`, EXIT.usage);
    const test = (await loadSplit(run.data)).test;
    const n = Math.min(flags.count ?? 10, test.size);
    const rows = Array.from({ length: n }, (_, i) => i);
    x = gatherRows(test.x, rows);
    labels = gatherRows(test.y, rows).data;
  }
  const logits = model.logits(x);
  const classes = predictClasses(logits);
  const probs = softmax(logits).data;
  const k = logits.shape[logits.shape.length - 1];
  for (let i = 0; i < classes.length; i++) {
    const p = Array.from(probs.subarray(i * k, (i + 1) * k));
    const label = labels === undefined ? undefined : labels[i];
    if (flags.json === true) {
      io.stdout.write(`${JSON.stringify({ index: i, predicted: classes[i], probabilities: p, ...(label === undefined ? {} : { label }) })}\n`);
    } else {
      const mark = label === undefined ? '' : `  true ${label}${label === classes[i] ? '' : '  ✗'}`;
      io.stdout.write(`#${i}  predicted ${classes[i]}  p=${p[classes[i]].toFixed(3)}${mark}\n`);
    }
  }
  return EXIT.ok;
};
