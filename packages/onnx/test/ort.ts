// Runs ONNX bytes in onnxruntime (CPU) and compares its outputs with chainrule's.

import ort from 'onnxruntime-node';
import { expect } from 'vitest';
import type { Tensor } from '@chainrule/core';

/** The outputs onnxruntime computes for the model on these feeds, by output name. */
export const runOrt = async (
  bytes: Uint8Array,
  feeds: Readonly<Record<string, Tensor>>,
  /** 'disabled' checks each op as written; 'all' (onnxruntime's default) checks what a deployment runs, after fusions. */
  graphOptimizationLevel: 'disabled' | 'all' = 'disabled',
): Promise<Record<string, { data: Float32Array | Float64Array; dims: readonly number[] }>> => {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel });
  const inputs: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) inputs[name] = new ort.Tensor(t.dtype === 'float64' ? 'float64' : 'float32', t.data, [...t.shape]);
  const out = await session.run(inputs);
  await session.release();
  const result: Record<string, { data: Float32Array | Float64Array; dims: readonly number[] }> = {};
  for (const [name, t] of Object.entries(out)) result[name] = { data: t.data as Float32Array | Float64Array, dims: t.dims };
  return result;
};

/** Every element of `actual` within `tol` of `expected` (relative to its size past 1), NaN matching NaN. */
export const expectClose = (actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5, what = ''): void => {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = 0, at = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], b = expected[i];
    if (Number.isNaN(b) && Number.isNaN(a)) continue;
    if (a === b) continue;
    const err = Math.abs(a - b) / Math.max(1, Math.abs(b));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(worst, `${what}: worst error at ${at} (got ${actual[at]}, want ${expected[at]})`).toBeLessThanOrEqual(tol);
};
