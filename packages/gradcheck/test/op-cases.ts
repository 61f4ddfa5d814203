// The conformance case table of the standard library: inputs and attrs for every op that needs more than random shapes.

import fc from 'fast-check';
import { tensor, type Tensor } from '@chainrule/core';
import { arb, type CheckOpPluginOptions, type OpCase } from '../src/index.js';

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Tensors whose values are pairwise at least `spacing` apart (a random permutation of an
 * evenly spaced grid): inputs for max, min and max pooling, which have kinks on ties.
 */
export const distinct = (shape: readonly number[], spacing = 0.25): fc.Arbitrary<Tensor> => {
  const n = sizeOf(shape);
  return fc.array(fc.nat({ max: 10_000 }), { minLength: n, maxLength: n }).map((keys) => {
    const order = keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const vals = new Array<number>(n);
    order.forEach(([, i], rank) => (vals[i] = (rank - (n - 1) / 2) * spacing));
    return tensor(vals, { shape: [...shape], dtype: 'float64' });
  });
};

const grid = (k: number): number => k * 0.125;

/** Pairs (a, b) of one shape whose elements differ by at least 0.25: away from the kink of maximum/minimum. */
const separatedPair = (shape: readonly number[]): fc.Arbitrary<{ inputs: Tensor[] }> => {
  const n = sizeOf(shape);
  return fc
    .tuple(fc.array(fc.integer({ min: -16, max: 16 }), { minLength: n, maxLength: n }), fc.array(fc.integer({ min: 2, max: 12 }), { minLength: n, maxLength: n }), fc.array(fc.boolean(), { minLength: n, maxLength: n }))
    .map(([a, d, up]) => ({
      inputs: [
        tensor(a.map(grid), { shape: [...shape], dtype: 'float64' }),
        tensor(a.map((v, i) => grid(v + (up[i] ? d[i] : -d[i]))), { shape: [...shape], dtype: 'float64' }),
      ],
    }));
};

/** A vector with distinct values and a scalar halfway between two of them: maximum/minimum with broadcasting. */
const vectorAndScalar = fc.tuple(distinct([4], 0.5), fc.integer({ min: 0, max: 4 })).map(([a, k]) => ({
  // a is a permutation of −0.75, −0.25, 0.25, 0.75; the scalar is one of the midpoints −1, −0.5, 0, 0.5, 1.
  inputs: [a, tensor((k - 2) * 0.5, { dtype: 'float64' })],
}));

/** Predictions and targets whose differences stay away from ±delta, the kink of huber. */
const huberPair = (delta: number) =>
  fc
    .tuple(
      fc.array(fc.integer({ min: -16, max: 16 }), { minLength: 6, maxLength: 6 }),
      fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 14, max: 24 })), { minLength: 6, maxLength: 6 }),
      fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    )
    .map(([y, d, up]) => {
      const diff = d.map((k, i) => (up[i] ? 1 : -1) * (k / 10) * delta);
      return {
        inputs: [tensor(y.map((v, i) => grid(v) + diff[i]), { shape: [2, 3], dtype: 'float64' }), tensor(y.map(grid), { shape: [2, 3], dtype: 'float64' })],
        attrs: delta === 1 ? {} : { delta },
      };
    });

const elementwiseBinary: OpCase[] = [{ shapes: arb.broadcastShapes({ maxRank: 3, maxDim: 3 }), label: 'broadcast shapes' }];
const comparisons: CheckOpPluginOptions = { cases: elementwiseBinary };
const reduction = (extra: OpCase[] = []): CheckOpPluginOptions => ({
  cases: [
    { inputs: [[2, 3]], label: 'all axes' },
    { inputs: [[2, 3, 2]], attrs: { axis: [0, 2], keepDims: true }, label: 'axes 0, 2 kept' },
    { inputs: [[3, 2]], attrs: { axis: -1 }, label: 'last axis' },
    ...extra,
  ],
  badAttrs: [{ axis: 7 }, { axis: 'rows' }],
});
const nhwc = { x: [1, 4, 4, 2], w: [3, 3, 2, 2] } as const;

/**
 * Options per op name; ops missing here get the default unary case (random shapes, values
 * from the op's domains). An array runs the kit once per entry.
 */
export const opCases: Readonly<Record<string, CheckOpPluginOptions | readonly CheckOpPluginOptions[]>> = {
  // core
  'core.add': { cases: elementwiseBinary },
  'core.sub': { cases: elementwiseBinary },
  'core.mul': { cases: elementwiseBinary },
  'core.div': { cases: elementwiseBinary },
  'core.cast': [
    { cases: [{ inputs: [[2, 3]], attrs: { dtype: 'float64' } }], badAttrs: [{ dtype: 'int8' }, {}] },
    // To float32 and back: finite differences in float32 need a larger step and tolerance.
    { cases: [{ inputs: [[3]], attrs: { dtype: 'float32' } }], grad: { eps: 1e-3, atol: 1e-3, rtol: 1e-3 } },
  ],
  'core.sum': reduction(),
  'core.reshape': {
    cases: [
      { inputs: [[2, 3]], attrs: { shape: [3, 2] } },
      { inputs: [[2, 2, 3]], attrs: { shape: [-1, 3] } },
      { inputs: [[]], attrs: { shape: [1, 1] } },
    ],
    badAttrs: [{ shape: [7] }, { shape: [-1, -1] }, { shape: 'flat' }],
  },
  'core.broadcastTo': {
    cases: [
      { inputs: [[3]], attrs: { shape: [2, 3] } },
      { inputs: [[2, 1]], attrs: { shape: [3, 2, 4] } },
    ],
    badAttrs: [{ shape: [4] }, { shape: [-3] }],
  },
  'core.matmul': {
    cases: [
      { inputs: [[2, 3], [3, 4]] },
      { inputs: [[3, 2], [3, 4]], attrs: { transposeA: true } },
      { inputs: [[2, 3], [4, 3]], attrs: { transposeB: true } },
      { inputs: [[3, 2], [4, 3]], attrs: { transposeA: true, transposeB: true } },
      { inputs: [[2, 2, 3], [3, 2]], label: 'batch broadcast' },
    ],
    badAttrs: [{ transposeA: 'yes' }],
  },
  'core.softmax': { cases: [{ inputs: [[2, 3]] }, { inputs: [[3, 2]], attrs: { axis: 0 } }, { inputs: [[4]] }], badAttrs: [{ axis: 'last' }, { axis: 3 }] },
  'core.logSoftmax': { cases: [{ inputs: [[2, 3]] }, { inputs: [[3, 2]], attrs: { axis: 0 } }, { inputs: [[4]] }], badAttrs: [{ axis: 'last' }, { axis: 3 }] },
  'core.oneHot': { cases: [{ inputs: [tensor([0, 2, 1, 2])], attrs: { depth: 3 } }], badAttrs: [{ depth: 0 }, { depth: 1.5 }] },
  'core.softmaxCrossEntropy': {
    cases: [
      { inputs: [[2, 3], { shape: [2, 3], min: 0, max: 1 }], label: 'probability labels' },
      { inputs: [[3, 4], tensor([0, 3, 1])], label: 'class indices' },
    ],
  },

  // ops: unary with attrs
  'ops.leakyRelu': { cases: [{ inputs: [[2, 3]] }, { inputs: [[4]], attrs: { alpha: 0.05 } }], badAttrs: [{ alpha: 'small' }] },
  'ops.elu': { cases: [{ inputs: [[2, 3]] }, { inputs: [[4]], attrs: { alpha: 0.5 } }], badAttrs: [{ alpha: 'one' }] },
  'ops.clip': {
    cases: [
      { inputs: [[2, 3]], label: 'no bounds' },
      { inputs: [{ shape: [2, 3], min: -1, max: 2, avoid: [0, 1] }], attrs: { min: 0, max: 1 } },
      { inputs: [{ shape: [4], avoid: [-0.5] }], attrs: { min: -0.5 } },
    ],
    badAttrs: [{ min: 'zero' }],
  },

  // ops: binary
  'ops.pow': { cases: [{ inputs: [[2, 3], [2, 3]] }, { inputs: [[3], []] }, { inputs: [[], [2]] }] },
  'ops.maximum': { arbitrary: fc.oneof(separatedPair([2, 3]), vectorAndScalar) },
  'ops.minimum': { arbitrary: fc.oneof(separatedPair([2, 3]), vectorAndScalar) },
  'ops.where': {
    cases: [
      { inputs: [tensor([1, 0, 1, 0]), [4], [4]] },
      { inputs: [tensor([[1], [0]]), [2, 3], []], label: 'broadcasting' },
    ],
  },
  'ops.equal': comparisons,
  'ops.notEqual': comparisons,
  'ops.less': comparisons,
  'ops.lessEqual': comparisons,
  'ops.greater': comparisons,
  'ops.greaterEqual': comparisons,

  // ops: reductions
  'ops.mean': reduction(),
  'ops.max': { arbitrary: fc.oneof(distinct([2, 3]).map((x) => ({ inputs: [x] })), distinct([2, 3, 2]).map((x) => ({ inputs: [x], attrs: { axis: [0, 2] } }))), badAttrs: [{ axis: 7 }] },
  'ops.min': { arbitrary: fc.oneof(distinct([2, 3]).map((x) => ({ inputs: [x] })), distinct([3, 2]).map((x) => ({ inputs: [x], attrs: { axis: -1, keepDims: true } }))), badAttrs: [{ axis: 7 }] },
  'ops.prod': reduction(),
  'ops.logsumexp': reduction(),
  'ops.variance': reduction([{ inputs: [[4]], attrs: { ddof: 1 }, label: 'ddof 1' }]),
  'ops.argmax': { arbitrary: distinct([2, 3]).map((x) => ({ inputs: [x], attrs: { axis: 1 } })), badAttrs: [{ axis: 5 }] },
  'ops.argmin': { arbitrary: distinct([2, 3]).map((x) => ({ inputs: [x], attrs: { axis: 0 } })), badAttrs: [{ axis: 5 }] },

  // ops: shapes
  'ops.transpose': { cases: [{ inputs: [[2, 3]] }, { inputs: [[2, 3, 2]], attrs: { perm: [0, 2, 1] } }], badAttrs: [{ perm: [0, 0] }, { perm: 'T' }] },
  'ops.expandDims': { cases: [{ inputs: [[2, 3]], attrs: { axis: 0 } }, { inputs: [[3]], attrs: { axis: -1 } }], badAttrs: [{}, { axis: 9 }] },
  'ops.squeeze': { cases: [{ inputs: [[1, 3, 1]] }, { inputs: [[1, 3, 1]], attrs: { axis: 0 } }], badAttrs: [{ axis: 1 }] },
  'ops.slice': {
    cases: [
      { inputs: [[3, 4]], attrs: { begin: [1, 0], size: [2, -1] } },
      { inputs: [[7]], attrs: { begin: [1], size: [-1], strides: [3] } },
    ],
    badAttrs: [{ begin: [9] }, { size: [1] }],
  },
  'ops.unslice': { cases: [{ inputs: [[2]], attrs: { shape: [5], begin: [1], strides: [2] } }, { inputs: [[2, 2]], attrs: { shape: [3, 4], begin: [1, 1] } }], badAttrs: [{ shape: [1], begin: [0] }] },
  'ops.concat': {
    cases: [
      { inputs: [[2, 3], [1, 3]], attrs: { axis: 0 } },
      { inputs: [[2, 1], [2, 2], [2, 3]], attrs: { axis: -1 } },
      { inputs: [[3]], label: 'one input' },
    ],
    badAttrs: [{ axis: 4 }],
  },
  'ops.gather': {
    cases: [
      { inputs: [[4, 2], tensor([0, 3, 1, 3])] },
      { inputs: [[2, 3], tensor([[2], [0]])], attrs: { axis: 1 } },
    ],
    badAttrs: [{ axis: 5 }],
  },
  'ops.scatterAdd': { cases: [{ inputs: [[4, 2], tensor([0, 2, 0, 1])], attrs: { axis: 0, size: 3 } }], badAttrs: [{ axis: 0 }, { axis: 0, size: -1 }] },
  'ops.pad': {
    cases: [
      { inputs: [[2, 3]], attrs: { paddings: [[1, 0], [0, 2]] } },
      { inputs: [[3]], attrs: { paddings: [[2, 1]], value: 1.5 } },
    ],
    badAttrs: [{ paddings: 'same' }, { paddings: [[1, 1]] }],
  },

  // ops: linear algebra
  'ops.dot': { cases: [{ inputs: [[3], [3]] }, { inputs: [[2, 3], [3]] }, { inputs: [[2, 3], [3, 2]] }] },
  'ops.outer': { cases: [{ inputs: [[2], [3]] }] },

  // ops: neural-net
  'ops.conv2d': {
    cases: [
      { inputs: [nhwc.x, nhwc.w], attrs: { padding: 'same' } },
      { inputs: [[2, 5, 5, 1], [2, 2, 1, 3]], attrs: { padding: 'valid', strides: 2 } },
      { inputs: [[1, 5, 5, 1], [2, 2, 1, 1]], attrs: { padding: 'same', dilations: 2 } },
      { inputs: [[1, 3, 4, 1], [2, 3, 1, 2]], attrs: { padding: [[1, 0], [0, 2]], strides: [1, 2] } },
    ],
    numRuns: 4,
    badAttrs: [{ padding: 'full' }, { padding: 'same', strides: 0 }, {}],
  },
  'ops.conv2dBackpropInput': {
    cases: [
      { inputs: [[1, 4, 4, 2], nhwc.w], attrs: { padding: 'same', inputShape: nhwc.x } },
      { inputs: [[1, 2, 2, 3], [2, 2, 1, 3]], attrs: { padding: 'valid', strides: 2, inputShape: [1, 5, 5, 1] } },
    ],
    numRuns: 4,
    badAttrs: [{ padding: 'same', inputShape: [1, 4, 4] }],
  },
  'ops.conv2dBackpropFilter': {
    cases: [
      { inputs: [nhwc.x, [1, 4, 4, 3]], attrs: { padding: 'same', filterShape: [3, 3, 2, 3] } },
      { inputs: [[1, 5, 5, 1], [1, 2, 2, 2]], attrs: { padding: 'valid', strides: 2, filterShape: [2, 2, 1, 2] } },
    ],
    numRuns: 4,
    badAttrs: [{ padding: 'same', filterShape: 'HWIO' }],
  },
  'ops.maxPool2d': {
    arbitrary: fc.oneof(
      distinct([1, 4, 4, 2]).map((x) => ({ inputs: [x], attrs: { windowShape: 2 } })),
      distinct([1, 5, 5, 1]).map((x) => ({ inputs: [x], attrs: { windowShape: 3, strides: 2, padding: 'same' } })),
    ),
    numRuns: 6,
    badAttrs: [{}, { windowShape: 0 }],
  },
  'ops.maxPool2dGrad': {
    arbitrary: fc.tuple(distinct([1, 4, 4, 1]), arb.tensor({ shape: [1, 2, 2, 1] })).map(([x, dy]) => ({ inputs: [x, dy], attrs: { windowShape: 2 } })),
    numRuns: 6,
    badAttrs: [{ windowShape: 3 }],
  },
  'ops.maxPool2dGather': {
    arbitrary: fc.tuple(distinct([1, 4, 4, 1]), arb.tensor({ shape: [1, 4, 4, 1] })).map(([x, v]) => ({ inputs: [x, v], attrs: { windowShape: 2 } })),
    numRuns: 6,
    badAttrs: [{ ksize: 'two' }],
  },
  'ops.avgPool2d': {
    cases: [
      { inputs: [[1, 4, 4, 2]], attrs: { windowShape: 2 } },
      { inputs: [[1, 5, 5, 1]], attrs: { ksize: [3, 3], strides: [2, 2], padding: 'same' } },
    ],
    numRuns: 6,
    badAttrs: [{}, { windowShape: 2, ksize: 3 }],
  },
  'ops.avgPool2dGrad': { cases: [{ inputs: [[1, 2, 2, 2]], attrs: { inputShape: [1, 4, 4, 2], windowShape: 2 } }], numRuns: 6, badAttrs: [{ windowShape: 2 }] },
  // The key is a fixed tensor input (a PRNG key's two words), so only x is differentiated.
  'ops.dropout': {
    cases: [
      { inputs: [[2, 3], tensor([0, 7], { dtype: 'float64' })], attrs: { rate: 0.5 }, wrt: [0] },
      { inputs: [[4], tensor([1, 2], { dtype: 'float64' })], attrs: { rate: 0 }, wrt: [0] },
    ],
    badAttrs: [{ rate: 1 }, {}, { rate: 'half' }],
  },

  // ops: losses
  'ops.sigmoidCrossEntropy': { cases: [{ inputs: [[2, 3], [2, 3]] }, { inputs: [[4], [4]] }] },
  'ops.binaryCrossEntropy': { cases: [{ inputs: [[2, 3], [2, 3]] }, { inputs: [[4], [4]], attrs: { epsilon: 0.01 } }], badAttrs: [{ epsilon: 0.7 }] },
  'ops.mse': { cases: [{ inputs: [[2, 3], [2, 3]] }, { inputs: [[4], [4]] }] },
  'ops.huber': { arbitrary: fc.oneof(huberPair(1), huberPair(0.5)), badAttrs: [{ delta: -1 }, { delta: 'one' }] },
};
