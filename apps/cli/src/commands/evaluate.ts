// `chainrule eval <checkpoint>`: loss, accuracy and confusion matrix of a checkpoint on its test (or training, or validation) split.

import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { choiceFlag } from '../flags.js';
import type { Io } from '../io.js';
import { openModelFile } from '../model-file.js';
import { counted, percent } from '../report.js';
import { loadSplit } from '../setup.js';
import { EXIT } from './train.js';

/**
 * io-ts codec of `eval`'s flags.
 *
 * @example
 * decodeFlags(evalFlagsCodec, { split: 'test' })
 */
export const evalFlagsCodec = t.partial({ split: choiceFlag(['test', 'train', 'validation'] as const), json: t.boolean });

/** The decoded flags of `eval`. */
export type EvalFlags = t.TypeOf<typeof evalFlagsCodec>;

/** Rows of a confusion matrix as aligned text, true class down, predicted across. */
const confusionText = (counts: Int32Array, classes: number): string => {
  const width = Math.max(4, ...Array.from(counts, (c) => String(c).length + 1));
  const head = `true\\pred${Array.from({ length: classes }, (_, j) => String(j).padStart(width)).join('')}`;
  const rows = Array.from({ length: classes }, (_, i) =>
    `${String(i).padStart(9)}${Array.from({ length: classes }, (_, j) => String(counts[i * classes + j]).padStart(width)).join('')}`,
  );
  return [head, ...rows].join('\n');
};

/**
 * Evaluates a checkpoint (or an ONNX model written by `chainrule export`) on the split it was
 * trained with (rebuilt from its stored dataset, sizes and seed) and prints loss, accuracy
 * and the confusion matrix, or one JSON object.
 *
 * @example
 * await evalCommand('mnist.ckpt.json', { json: true }, processIo())
 * await evalCommand('mnist.onnx', {}, processIo())
 */
export const evalCommand = async (path: string, flags: EvalFlags, io: Io): Promise<number> => {
  const opened = await openModelFile(path);
  const fail = (message: string): number => {
    io.stderr.write(`chainrule eval: ${message}\n`);
    return EXIT.failed;
  };
  if (isLeft(opened)) return fail(opened.left);
  const { run, steps } = opened.right;
  if (run === undefined) return fail(`${path}: carries no chainrule run settings, so its test split is unknown (export the model with chainrule export)`);
  const split = await loadSplit(run.data);
  const which = flags.split ?? 'test';
  const ds = split[which];
  if (ds === undefined) {
    io.stderr.write(`chainrule eval: --split validation: ${path} was trained without a validation set (train --val-fraction)\n`);
    return EXIT.usage;
  }
  const m = opened.right.evaluate(ds);
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify({
      type: 'eval', checkpoint: path, dataset: run.data.dataset, split: which, examples: ds.size,
      loss: m.loss, accuracy: m.accuracy, confusion: { classes: m.confusion.classes, counts: Array.from(m.confusion.counts) },
    })}\n`);
  } else {
    io.stdout.write(
      `${run.data.dataset} ${which} split, ${counted(ds.size, 'example')}${steps === undefined ? '' : `, after ${counted(steps, 'step')}`}\n` +
        `accuracy ${percent(m.accuracy)}  loss ${m.loss.toFixed(4)}\n\n${confusionText(m.confusion.counts, m.confusion.classes)}\n`,
    );
  }
  return EXIT.ok;
};
