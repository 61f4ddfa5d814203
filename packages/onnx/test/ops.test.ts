// Every exportable op: onnxruntime's output equals chainrule's within 1e-5 on random inputs, and chainrule → ONNX → chainrule gives the same values.

import { describe, it, expect } from 'vitest';
import {
  abstract, evaluate, trace, key, uniform, tensor, add, sub, mul, div, neg, exp, log, sigmoid, cast, stopGradient, sum, reshape, broadcastTo, matmul,
  softmax, logSoftmax, softmaxCrossEntropy, oneHot, moveAxis, type Tensor, type DType,
} from '@chainrule/core';
import * as ops from '@chainrule/ops';
import { exportGraph, exportRules, importOnnx } from '../src/index.js';
import { runOrt, expectClose } from './ort.js';

interface Case {
  /** The chainrule op the case exercises (several cases may share one). */
  readonly op: string;
  readonly f: (...xs: Tensor[]) => Tensor;
  readonly shapes: readonly (readonly number[])[];
  /** Range of the random inputs (default [-2, 2]). */
  readonly range?: readonly [number, number];
  readonly dtype?: DType;
  /** Fixed inputs instead of random ones. */
  readonly values?: readonly Tensor[];
}

const pos: [number, number] = [0.1, 3];
const cases: readonly Case[] = [
  { op: 'core.add', f: add, shapes: [[2, 3], [3]] },
  { op: 'core.sub', f: sub, shapes: [[2, 1, 3], [4, 1]] },
  { op: 'core.mul', f: mul, shapes: [[3, 4], [3, 4]] },
  { op: 'core.div', f: div, shapes: [[3, 4], [4]], range: pos },
  { op: 'core.neg', f: neg, shapes: [[5]] },
  { op: 'core.exp', f: exp, shapes: [[2, 3]] },
  { op: 'core.log', f: log, shapes: [[2, 3]], range: pos },
  { op: 'core.sigmoid', f: sigmoid, shapes: [[2, 3]] },
  { op: 'core.cast', f: (x) => cast(x, { dtype: 'float64' }), shapes: [[4]] },
  { op: 'core.cast', f: (x) => cast(x, { dtype: 'float32' }), shapes: [[4]], dtype: 'float64' },
  { op: 'core.stopGradient', f: stopGradient, shapes: [[3]] },
  { op: 'core.sum', f: (x) => sum(x, { axis: [0, 2] }), shapes: [[2, 3, 4]] },
  { op: 'core.sum', f: (x) => sum(x), shapes: [[2, 3]] },
  { op: 'core.moveAxis', f: (x) => moveAxis(x, { source: 0, destination: -1 }), shapes: [[2, 3, 4]] },
  { op: 'core.moveAxis', f: (x) => moveAxis(x, { source: -1, destination: 1 }), shapes: [[2, 3, 4]] },
  { op: 'core.sum', f: (x) => sum(x, { axis: -1, keepDims: true }), shapes: [[2, 3]] },
  { op: 'core.sum', f: (x) => sum(x, { axis: [] }), shapes: [[2, 3]] },
  { op: 'core.reshape', f: (x) => reshape(x, { shape: [3, -1] }), shapes: [[2, 3, 2]] },
  { op: 'core.broadcastTo', f: (x) => broadcastTo(x, { shape: [4, 2, 3] }), shapes: [[2, 1]] },
  { op: 'core.matmul', f: matmul, shapes: [[3, 4], [4, 5]] },
  { op: 'core.matmul', f: (a, b) => matmul(a, b, { transposeA: true, transposeB: true }), shapes: [[2, 4, 3], [5, 4]] },
  { op: 'core.matmul', f: matmul, shapes: [[2, 1, 3, 4], [3, 4, 2]] },
  { op: 'core.softmax', f: (x) => softmax(x), shapes: [[3, 5]] },
  { op: 'core.softmax', f: (x) => softmax(x, { axis: 0 }), shapes: [[3, 5]] },
  { op: 'core.logSoftmax', f: (x) => logSoftmax(x, { axis: 1 }), shapes: [[2, 4, 3]] },
  { op: 'ops.pow', f: ops.pow, shapes: [[2, 3], [3]], range: pos },
  { op: 'ops.maximum', f: ops.maximum, shapes: [[2, 3], [2, 1]] },
  { op: 'ops.minimum', f: ops.minimum, shapes: [[2, 3], [3]] },
  { op: 'ops.where', f: (c, a, b) => ops.where(ops.greater(c, 0), a, b), shapes: [[2, 3], [2, 3], [3]] },
  { op: 'ops.equal', f: (a) => ops.equal(ops.round(a), 1), shapes: [[3, 4]] },
  { op: 'ops.notEqual', f: (a) => ops.notEqual(ops.round(a), 1), shapes: [[3, 4]] },
  { op: 'ops.less', f: ops.less, shapes: [[3, 4], [4]] },
  { op: 'ops.lessEqual', f: ops.lessEqual, shapes: [[3, 4], [3, 4]] },
  { op: 'ops.greater', f: ops.greater, shapes: [[3, 4], [1]] },
  { op: 'ops.greaterEqual', f: ops.greaterEqual, shapes: [[3, 4], [3, 4]] },
  { op: 'ops.abs', f: ops.abs, shapes: [[6]] },
  { op: 'ops.sign', f: ops.sign, shapes: [[6]] },
  { op: 'ops.floor', f: ops.floor, shapes: [[6]] },
  { op: 'ops.round', f: ops.round, shapes: [[8]], values: [tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.3, -1.7])] },
  { op: 'ops.round', f: ops.round, shapes: [[12]], range: [-5, 5] },
  { op: 'ops.expm1', f: ops.expm1, shapes: [[6]] },
  { op: 'ops.log1p', f: ops.log1p, shapes: [[6]], range: [-0.5, 3] },
  { op: 'ops.sqrt', f: ops.sqrt, shapes: [[6]], range: pos },
  { op: 'ops.rsqrt', f: ops.rsqrt, shapes: [[6]], range: pos },
  { op: 'ops.square', f: ops.square, shapes: [[6]] },
  { op: 'ops.reciprocal', f: ops.reciprocal, shapes: [[6]], range: pos },
  { op: 'ops.sin', f: ops.sin, shapes: [[6]] },
  { op: 'ops.cos', f: ops.cos, shapes: [[6]] },
  { op: 'ops.tanh', f: ops.tanh, shapes: [[6]] },
  { op: 'ops.relu', f: ops.relu, shapes: [[6]] },
  { op: 'ops.leakyRelu', f: (x) => ops.leakyRelu(x), shapes: [[6]] },
  { op: 'ops.leakyRelu', f: (x) => ops.leakyRelu(x, { alpha: 0.05 }), shapes: [[6]] },
  { op: 'ops.elu', f: (x) => ops.elu(x, { alpha: 0.7 }), shapes: [[6]] },
  { op: 'ops.erf', f: ops.erf, shapes: [[6]] },
  { op: 'ops.gelu', f: ops.gelu, shapes: [[6]], range: [-4, 4] },
  { op: 'ops.softplus', f: ops.softplus, shapes: [[6]], range: [-6, 6] },
  { op: 'ops.silu', f: ops.silu, shapes: [[6]] },
  { op: 'ops.tan', f: ops.tan, shapes: [[6]], range: [-1.2, 1.2] },
  { op: 'ops.asin', f: ops.asin, shapes: [[6]], range: [-0.9, 0.9] },
  { op: 'ops.acos', f: ops.acos, shapes: [[6]], range: [-0.9, 0.9] },
  { op: 'ops.atan', f: ops.atan, shapes: [[6]] },
  { op: 'ops.atan2', f: ops.atan2, shapes: [[12], [12]] },
  { op: 'ops.atan2', f: ops.atan2, shapes: [[8], [8]], values: [tensor([1, -1, 0, 0, 1, -1, 2, 0]), tensor([0, 0, 0, -1, -1, -1, 3, 2])] },
  { op: 'ops.sinh', f: ops.sinh, shapes: [[6]] },
  { op: 'ops.cosh', f: ops.cosh, shapes: [[6]] },
  { op: 'ops.asinh', f: ops.asinh, shapes: [[6]] },
  { op: 'ops.acosh', f: ops.acosh, shapes: [[6]], range: [1.1, 4] },
  { op: 'ops.atanh', f: ops.atanh, shapes: [[6]], range: [-0.9, 0.9] },
  { op: 'ops.exp2', f: ops.exp2, shapes: [[6]] },
  { op: 'ops.log2', f: ops.log2, shapes: [[6]], range: pos },
  { op: 'ops.log10', f: ops.log10, shapes: [[6]], range: pos },
  { op: 'ops.softsign', f: ops.softsign, shapes: [[6]] },
  { op: 'ops.selu', f: ops.selu, shapes: [[6]] },
  { op: 'ops.mish', f: ops.mish, shapes: [[6]], range: [-5, 5] },
  { op: 'ops.hardSigmoid', f: ops.hardSigmoid, shapes: [[8]], range: [-4, 4] },
  { op: 'ops.hardSwish', f: ops.hardSwish, shapes: [[8]], range: [-4, 4] },
  { op: 'ops.clip', f: (x) => ops.clip(x, { min: -0.5, max: 1 }), shapes: [[6]] },
  { op: 'ops.clip', f: (x) => ops.clip(x, { max: 0.25 }), shapes: [[6]] },
  { op: 'ops.mean', f: (x) => ops.mean(x, { axis: 1 }), shapes: [[2, 3, 4]] },
  { op: 'ops.mean', f: (x) => ops.mean(x), shapes: [[2, 3]] },
  { op: 'ops.max', f: (x) => ops.max(x, { axis: [0, 2], keepDims: true }), shapes: [[2, 3, 4]] },
  { op: 'ops.min', f: (x) => ops.min(x, { axis: -1 }), shapes: [[2, 3, 4]] },
  { op: 'ops.prod', f: (x) => ops.prod(x, { axis: 0 }), shapes: [[3, 4]] },
  { op: 'ops.logsumexp', f: (x) => ops.logsumexp(x, { axis: 1 }), shapes: [[3, 4]] },
  { op: 'ops.variance', f: (x) => ops.variance(x, { axis: 1 }), shapes: [[3, 5]] },
  { op: 'ops.variance', f: (x) => ops.variance(x, { ddof: 1, keepDims: true }), shapes: [[3, 5]] },
  { op: 'ops.argmax', f: (x) => ops.argmax(x, { axis: 1 }), shapes: [[3, 5]] },
  { op: 'ops.argmax', f: (x) => ops.argmax(x, { keepDims: true }), shapes: [[3, 5]] },
  { op: 'ops.argmin', f: (x) => ops.argmin(x, { axis: 0, keepDims: true }), shapes: [[3, 5]] },
  { op: 'ops.transpose', f: (x) => ops.transpose(x, { perm: [2, 0, 1] }), shapes: [[2, 3, 4]] },
  { op: 'ops.transpose', f: (x) => ops.transpose(x), shapes: [[2, 3]] },
  { op: 'ops.expandDims', f: (x) => ops.expandDims(x, { axis: [0, -1] }), shapes: [[2, 3]] },
  { op: 'ops.squeeze', f: (x) => ops.squeeze(x), shapes: [[1, 3, 1]] },
  { op: 'ops.slice', f: (x) => ops.slice(x, { begin: [1, 0], size: [-1, 3], strides: [1, 2] }), shapes: [[4, 6]] },
  { op: 'ops.concat', f: (a, b) => ops.concat([a, b], { axis: -1 }), shapes: [[2, 3], [2, 2]] },
  { op: 'ops.gather', f: (x) => ops.gather(x, tensor([2, 0, -1, 1]), { axis: 1 }), shapes: [[2, 3]] },
  { op: 'ops.pad', f: (x) => ops.pad(x, { paddings: [[1, 0], [2, 1]], value: 0.5 }), shapes: [[2, 3]] },
  { op: 'ops.dot', f: ops.dot, shapes: [[3], [3]] },
  { op: 'ops.dot', f: ops.dot, shapes: [[2, 3], [3]] },
  { op: 'ops.outer', f: ops.outer, shapes: [[3], [4]] },
  { op: 'ops.flip', f: (x) => ops.flip(x), shapes: [[2, 3, 4]] },
  { op: 'ops.flip', f: (x) => ops.flip(x, { axis: -1 }), shapes: [[2, 5]] },
  { op: 'ops.takeAlongAxis', f: (x) => ops.takeAlongAxis(x, tensor([[2, 0, -1], [1, 1, 0]]), { axis: 1 }), shapes: [[2, 4]] },
  { op: 'ops.argsort', f: (x) => ops.argsort(x), shapes: [[3, 6]] },
  { op: 'ops.argsort', f: (x) => ops.argsort(x, { axis: 0, descending: true }), shapes: [[5, 2]] },
  { op: 'ops.argsort', f: (x) => ops.argsort(x, { descending: true }), shapes: [[7]], values: [tensor([3, 1, 3, 2, 1, 3, 0])] },
  { op: 'ops.argsort', f: (x) => ops.sort(x), shapes: [[2, 5]] },
  { op: 'ops.cumsum', f: (x) => ops.cumsum(x, { axis: 1 }), shapes: [[3, 4]] },
  { op: 'ops.cumsum', f: (x) => ops.cumsum(x, { axis: 0, exclusive: true, reverse: true }), shapes: [[4, 2]] },
  { op: 'ops.cumprod', f: (x) => ops.cumprod(x, { axis: -1 }), shapes: [[3, 5]] },
  { op: 'ops.cumprod', f: (x) => ops.cumprod(x), shapes: [[6]], values: [tensor([2, -1, 0.5, 0, -3, 4])] },
  { op: 'ops.mse', f: ops.mse, shapes: [[3, 4], [3, 4]] },
  { op: 'ops.huber', f: (p, y) => ops.huber(p, y, { delta: 0.7 }), shapes: [[3, 5], [3, 5]] },
  { op: 'ops.sigmoidCrossEntropy', f: ops.sigmoidCrossEntropy, shapes: [[3, 4], [3, 4]], range: [-4, 4] },
  { op: 'ops.binaryCrossEntropy', f: (p, y) => ops.binaryCrossEntropy(sigmoid(p), sigmoid(y)), shapes: [[3, 4], [3, 4]] },
  { op: 'core.softmaxCrossEntropy', f: (z, y) => softmaxCrossEntropy(z, softmax(y)), shapes: [[3, 5], [3, 5]] },
  { op: 'core.softmaxCrossEntropy', f: (z) => softmaxCrossEntropy(z, tensor([4, 0, 2])), shapes: [[3, 5]] },
  { op: 'core.oneHot', f: (x) => oneHot(x, { depth: 4 }), shapes: [[5]], values: [tensor([0, 3, 1.5, -1, 2])] },
  { op: 'ops.conv2d', f: (x, w) => ops.conv2d(x, w, { padding: 'same' }), shapes: [[2, 5, 5, 3], [3, 3, 3, 4]] },
  { op: 'ops.conv2d', f: (x, w) => ops.conv2d(x, w, { padding: 'same', strides: 2 }), shapes: [[1, 6, 7, 2], [2, 3, 2, 3]] },
  { op: 'ops.conv2d', f: (x, w) => ops.conv2d(x, w, { padding: [[1, 0], [0, 2]], dilations: [2, 1] }), shapes: [[1, 6, 5, 2], [2, 2, 2, 2]] },
  { op: 'ops.conv2d', f: (x, w) => ops.conv2d(x, w, { padding: 'valid', strides: [2, 1] }), shapes: [[2, 7, 6, 1], [3, 2, 1, 2]] },
  { op: 'ops.conv2dBackpropInput', f: (x, w) => ops.conv2dTranspose(x, w, { outputShape: [1, 8, 8, 3], strides: 2, padding: 'same' }), shapes: [[1, 4, 4, 5], [3, 3, 3, 5]] },
  { op: 'ops.conv2dBackpropInput', f: (x, w) => ops.conv2dTranspose(x, w, { outputShape: [2, 7, 6, 2], strides: [2, 1], padding: 'valid' }), shapes: [[2, 3, 4, 3], [3, 3, 2, 3]] },
  { op: 'ops.conv2dBackpropInput', f: (dy, w) => ops.conv2dBackpropInput(dy, w, { inputShape: [1, 6, 5, 2], padding: [[1, 0], [0, 2]], dilations: [2, 1] }), shapes: [[1, 5, 6, 2], [2, 2, 2, 2]] },
  { op: 'ops.maxPool2d', f: (x) => ops.maxPool2d(x, { windowShape: 2 }), shapes: [[2, 4, 6, 3]] },
  { op: 'ops.maxPool2d', f: (x) => ops.maxPool2d(x, { windowShape: 3, strides: 2, padding: 'same' }), shapes: [[1, 5, 6, 2]] },
  { op: 'ops.avgPool2d', f: (x) => ops.avgPool2d(x, { windowShape: [2, 3], strides: 1 }), shapes: [[1, 4, 5, 2]] },
  { op: 'ops.avgPool2d', f: (x) => ops.avgPool2d(x, { windowShape: 2, strides: 2, padding: 'same' }), shapes: [[1, 5, 5, 2]] },
];

const inputsOf = (c: Case, seed: number): Tensor[] =>
  c.values !== undefined ? [...c.values] : c.shapes.map((s, i) => uniform(key(seed * 31 + i), s, { min: c.range?.[0] ?? -2, max: c.range?.[1] ?? 2, dtype: c.dtype ?? 'float32' }));

describe('export of every op', () => {
  it('has a case for every export rule', () => {
    const covered = new Set(cases.map((c) => c.op));
    expect(Object.keys(exportRules).filter((op) => !covered.has(op))).toEqual([]);
  });

  it.each(cases.map((c, i) => [`${c.op} #${i}`, c] as const))('%s: onnxruntime equals chainrule, and the round trip too', async (_, c) => {
    const xs = inputsOf(c, cases.indexOf(c) + 1);
    const graph = trace(c.f, ...xs.map((x) => abstract(x.shape, x.dtype)));
    expect(graph.nodes.some((n) => n.op.name === c.op)).toBe(true);
    const [want] = evaluate(graph, xs);
    const bytes = exportGraph(graph);
    if (bytes._tag === 'Left') throw new Error(bytes.left.message);
    const feeds = Object.fromEntries(xs.map((x, i) => [`input_${i}`, x]));
    const got = (await runOrt(bytes.right, feeds)).output_0;
    expect([...got.dims]).toEqual([...want.shape]);
    expectClose(got.data, want.data, 1e-5, `${c.op} onnxruntime`);
    const imported = importOnnx(bytes.right);
    if (imported._tag === 'Left') throw new Error(imported.left.message);
    const [back] = imported.right.run(...xs);
    expect([...back.shape]).toEqual([...want.shape]);
    expect(back.dtype).toBe(want.dtype);
    expectClose(back.data, want.data, 1e-6, `${c.op} round trip`);
  });
});
