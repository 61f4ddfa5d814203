// `chainrule export <checkpoint> --onnx <file>`: the checkpoint's model and weights as an ONNX model.

import { writeFile } from 'node:fs/promises';
import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { exportModel, OPSET } from '@chainrule/onnx';
import { intFlag } from '../flags.js';
import type { Io } from '../io.js';
import { openCheckpoint } from '../checkpoint-file.js';
import { RUN_METADATA_KEY } from '../model-file.js';
import { EXIT } from './train.js';
import { shapeText } from '@chainrule/core';

/**
 * io-ts codec of `export`'s flags.
 *
 * @example
 * decodeFlags(exportFlagsCodec, { onnx: 'model.onnx', batch: '8' })
 */
export const exportFlagsCodec = t.intersection([t.type({ onnx: t.string }), t.partial({ batch: intFlag(1), json: t.boolean })]);

/** The decoded flags of `export`. */
export type ExportFlags = t.TypeOf<typeof exportFlagsCodec>;

/**
 * Writes a checkpoint's model as ONNX (opset 17): a symbolic batch axis unless `--batch`
 * fixes it, the weights as initializers, and the run settings in the metadata so that
 * `chainrule eval model.onnx` finds its test split.
 *
 * @example
 * await exportCommand('xor.ckpt.json', { onnx: 'xor.onnx' }, processIo())
 */
export const exportCommand = async (path: string, flags: ExportFlags, io: Io): Promise<number> => {
  const fail = (message: string): number => {
    io.stderr.write(`chainrule export: ${message}\n`);
    return EXIT.failed;
  };
  const opened = await openCheckpoint(path);
  if (isLeft(opened)) return fail(opened.left);
  const { checkpoint } = opened.right;
  const bytes = exportModel(checkpoint.model, checkpoint.state.params, {
    batch: flags.batch ?? 'dynamic',
    metadata: { [RUN_METADATA_KEY]: JSON.stringify(checkpoint.config) },
  });
  if (isLeft(bytes)) return fail(`${path}: ${bytes.left.message}`);
  try {
    await writeFile(flags.onnx, bytes.right);
  } catch (e) {
    return fail(`cannot write ${flags.onnx}: ${(e as Error).message}`);
  }
  const batch = flags.batch ?? 'batch';
  const inputShape = [batch, ...checkpoint.model.inputShape], outputShape = [batch, ...checkpoint.model.outputShape];
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify({ type: 'export', checkpoint: path, onnx: flags.onnx, bytes: bytes.right.length, opset: OPSET, input: inputShape, output: outputShape })}\n`);
  } else {
    io.stdout.write(`wrote ${flags.onnx} (${bytes.right.length} bytes, ONNX opset ${OPSET}): input ${shapeText(inputShape)} → output ${shapeText(outputShape)}\n`);
  }
  return EXIT.ok;
};
