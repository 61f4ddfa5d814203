// Import of models written as other exporters write them (Gemm, NCHW Conv with bias, BatchNormalization, Constant axes, …), against onnxruntime, and every refusal.

import { describe, it, expect } from 'vitest';
import { abstract, key, mul, tensor, trace, treeLeaves, uniform, grad, sum, type Tensor } from '@chainrule/core';
import { cnn } from '@chainrule/nn';
import { importOnnx, exportGraph } from '../src/index.js';
import { DataType, decodeModelProto, encodeModelProto, type ModelMsg } from '../src/proto.js';
import { buildModel, attr, type ModelSpec } from './build.js';
import { runOrt, expectClose } from './ort.js';

const rand = (shape: readonly number[], seed: number, min = -1, max = 1): Tensor => uniform(key(seed), shape, { min, max });
const INT64_MAX = '9223372036854775807';

interface Case {
  readonly name: string;
  readonly spec: ModelSpec;
  /** Concrete input shapes (symbolic dims resolved). */
  readonly shapes: readonly (readonly number[])[];
  readonly min?: number;
}

const cases: readonly Case[] = [
  {
    name: 'Gemm (transB, alpha, beta) with a symbolic batch, Relu',
    spec: {
      inputs: [{ name: 'x', shape: ['N', 4] }],
      outputs: ['y'],
      nodes: [
        { op: 'Gemm', inputs: ['x', 'w', 'b'], output: 'h', attrs: [attr.int('transB', 1), attr.float('alpha', 0.5), attr.float('beta', 2)] },
        { op: 'Relu', inputs: ['h'], output: 'y' },
      ],
      initializers: { w: rand([3, 4], 1), b: rand([3], 2) },
    },
    shapes: [[5, 4]],
  },
  {
    name: 'Conv NCHW with bias, pads and strides, MaxPool, Flatten, MatMul',
    spec: {
      inputs: [{ name: 'x', shape: [2, 3, 7, 6] }],
      outputs: ['y'],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w', 'b'], output: 'c', attrs: [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 0, 1, 2]), attr.ints('strides', [1, 2])] },
        { op: 'MaxPool', inputs: ['c'], output: 'p', attrs: [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])] },
        { op: 'Flatten', inputs: ['p'], output: 'f' },
        { op: 'MatMul', inputs: ['f', 'm'], output: 'y' },
      ],
      initializers: { w: rand([4, 3, 3, 3], 3), b: rand([4], 4), m: rand([4 * 3, 2], 5) },
    },
    shapes: [[2, 3, 7, 6]],
  },
  {
    name: 'Conv SAME_UPPER with strides, AveragePool (count_include_pad, no pads), GlobalAveragePool',
    spec: {
      inputs: [{ name: 'x', shape: [1, 2, 8, 8] }],
      outputs: ['y'],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], output: 'c', attrs: [attr.string('auto_pad', 'SAME_UPPER'), attr.ints('strides', [2, 2])] },
        { op: 'Conv', inputs: ['c', 'w2'], output: 'd', attrs: [attr.ints('pads', [2, 1, 2, 1]), attr.ints('dilations', [2, 1])] },
        { op: 'AveragePool', inputs: ['d'], output: 'a', attrs: [attr.ints('kernel_shape', [2, 2]), attr.int('count_include_pad', 1)] },
        { op: 'GlobalAveragePool', inputs: ['a'], output: 'y' },
      ],
      initializers: { w: rand([3, 2, 2, 2], 6), w2: rand([2, 3, 3, 3], 14) },
    },
    shapes: [[1, 2, 8, 8]],
  },
  {
    name: 'ConvTranspose with bias, strides, pads and output_padding; and with output_shape',
    spec: {
      inputs: [{ name: 'x', shape: [2, 3, 4, 5] }],
      outputs: ['y', 'z'],
      nodes: [
        { op: 'ConvTranspose', inputs: ['x', 'w', 'b'], output: 'y', attrs: [attr.ints('strides', [2, 2]), attr.ints('pads', [1, 0, 1, 1]), attr.ints('output_padding', [1, 0])] },
        { op: 'ConvTranspose', inputs: ['x', 'w'], output: 'z', attrs: [attr.ints('strides', [2, 3]), attr.ints('output_shape', [9, 15]), attr.ints('dilations', [1, 1])] },
      ],
      initializers: { w: rand([3, 2, 3, 3], 16), b: rand([2], 17) },
    },
    shapes: [[2, 3, 4, 5]],
  },
  {
    name: 'BatchNormalization (inference), GlobalMaxPool',
    spec: {
      inputs: [{ name: 'x', shape: [2, 3, 4, 4] }],
      outputs: ['y'],
      nodes: [
        { op: 'BatchNormalization', inputs: ['x', 's', 'b', 'mu', 'var'], output: 'n', attrs: [attr.float('epsilon', 1e-3)] },
        { op: 'GlobalMaxPool', inputs: ['n'], output: 'y' },
      ],
      initializers: { s: rand([3], 7), b: rand([3], 8), mu: rand([3], 9), var: rand([3], 10, 0.5, 2) },
    },
    shapes: [[2, 3, 4, 4]],
  },
  {
    name: 'LayerNormalization over the last two axes',
    spec: {
      inputs: [{ name: 'x', shape: [2, 3, 5] }],
      outputs: ['y'],
      nodes: [{ op: 'LayerNormalization', inputs: ['x', 's', 'b'], output: 'y', attrs: [attr.int('axis', -2), attr.float('epsilon', 1e-5)] }],
      initializers: { s: rand([3, 5], 11), b: rand([3, 5], 12) },
    },
    shapes: [[2, 3, 5]],
  },
  {
    name: 'Constant axes for Unsqueeze and Squeeze, Reshape with 0 and -1, Expand both ways, Transpose',
    spec: {
      inputs: [{ name: 'x', shape: [2, 3] }],
      outputs: ['y'],
      nodes: [
        { op: 'Constant', inputs: [], output: 'ax', attrs: [attr.ints('value_ints', [0, 3])] },
        { op: 'Unsqueeze', inputs: ['x', 'ax'], output: 'u' },
        { op: 'Squeeze', inputs: ['u', 'ax'], output: 's' },
        { op: 'Reshape', inputs: ['s', 'shape'], output: 'r' },
        { op: 'Expand', inputs: ['r', 'eshape'], output: 'e' },
        { op: 'Transpose', inputs: ['e'], output: 'y', attrs: [attr.ints('perm', [1, 0, 2])] },
      ],
      initializers: { shape: [0, 1, -1], eshape: [1, 4, 1] },
    },
    shapes: [[2, 3]],
  },
  {
    name: 'Slice with INT64_MAX ends and negative starts, Pad, Clip from initializers, Concat',
    spec: {
      inputs: [{ name: 'x', shape: [4, 6] }],
      outputs: ['y'],
      nodes: [
        { op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes', 'steps'], output: 's' },
        { op: 'Pad', inputs: ['s', 'pads', 'pv'], output: 'p', attrs: [attr.string('mode', 'constant')] },
        { op: 'Clip', inputs: ['p', 'lo', ''], output: 'c' },
        { op: 'Concat', inputs: ['c', 'c'], output: 'y', attrs: [attr.int('axis', 0)] },
      ],
      initializers: { starts: [-3, 1], ends: [INT64_MAX, 6], axes: [0, 1], steps: [1, 2], pads: [0, 1, 1, 0], pv: tensor(0.25), lo: tensor(-0.5) },
    },
    shapes: [[4, 6]],
  },
  {
    name: 'Gather with int64 indices, ReduceMean (opset 18 axes input), ReduceSum keepdims 0, Softmax, LogSoftmax',
    spec: {
      opset: 18,
      inputs: [{ name: 'x', shape: [3, 4, 5] }],
      outputs: ['y'],
      nodes: [
        { op: 'Gather', inputs: ['x', 'idx'], output: 'g', attrs: [attr.int('axis', 1)] },
        { op: 'ReduceMean', inputs: ['g', 'axes'], output: 'm', attrs: [attr.int('keepdims', 1)] },
        { op: 'Softmax', inputs: ['m'], output: 'sm', attrs: [attr.int('axis', 0)] },
        { op: 'ReduceSum', inputs: ['sm', 'axes'], output: 'r', attrs: [attr.int('keepdims', 0)] },
        { op: 'LogSoftmax', inputs: ['r'], output: 'y' },
      ],
      initializers: { idx: [3, 0, -1], axes: [1] },
    },
    shapes: [[3, 4, 5]],
  },
  {
    name: 'ArgMax, Cast to int64 and back, Where, Greater, Not, And, Or, Max of three, Sum, Ceil, HardSigmoid, Dropout',
    spec: {
      inputs: [{ name: 'x', shape: [3, 4] }, { name: 'z', shape: [3, 4] }],
      outputs: ['y', 'am'],
      nodes: [
        { op: 'ArgMax', inputs: ['x'], output: 'ai', attrs: [attr.int('axis', 1), attr.int('keepdims', 0)] },
        { op: 'Cast', inputs: ['ai'], output: 'am', attrs: [attr.int('to', DataType.FLOAT)] },
        { op: 'Greater', inputs: ['x', 'z'], output: 'gt' },
        { op: 'Less', inputs: ['x', 'half'], output: 'lt' },
        { op: 'Not', inputs: ['gt'], output: 'ng' },
        { op: 'And', inputs: ['ng', 'lt'], output: 'both' },
        { op: 'Or', inputs: ['gt', 'both'], output: 'either' },
        { op: 'Cast', inputs: ['z'], output: 'zi', attrs: [attr.int('to', DataType.INT64)] },
        { op: 'Cast', inputs: ['zi'], output: 'zf', attrs: [attr.int('to', DataType.FLOAT)] },
        { op: 'Max', inputs: ['x', 'z', 'zf'], output: 'mx' },
        { op: 'Sum', inputs: ['mx', 'x', 'z'], output: 'sx' },
        { op: 'Ceil', inputs: ['sx'], output: 'ce' },
        { op: 'HardSigmoid', inputs: ['x'], output: 'hs', attrs: [attr.float('alpha', 0.3)] },
        { op: 'Dropout', inputs: ['hs'], output: 'dr' },
        { op: 'Add', inputs: ['ce', 'dr'], output: 'sum' },
        { op: 'Where', inputs: ['either', 'sum', 'x'], output: 'y' },
      ],
      initializers: { half: tensor(0.5) },
    },
    shapes: [[3, 4], [3, 4]],
    min: -3,
  },
  {
    name: 'MatMul of a vector, Identity, Constant value_float, Div, Sqrt, Erf, Softplus, LeakyRelu default alpha',
    spec: {
      inputs: [{ name: 'x', shape: [4] }],
      outputs: ['y'],
      nodes: [
        { op: 'MatMul', inputs: ['x', 'w'], output: 'm' },
        { op: 'Identity', inputs: ['m'], output: 'i' },
        { op: 'Constant', inputs: [], output: 'k', attrs: [attr.float('value_float', 3)] },
        { op: 'Div', inputs: ['i', 'k'], output: 'd' },
        { op: 'Erf', inputs: ['d'], output: 'e' },
        { op: 'Softplus', inputs: ['e'], output: 's' },
        { op: 'Sqrt', inputs: ['s'], output: 'q' },
        { op: 'LeakyRelu', inputs: ['d'], output: 'l' },
        { op: 'Add', inputs: ['q', 'l'], output: 'y' },
      ],
      initializers: { w: rand([4, 3], 13) },
    },
    shapes: [[4]],
  },
  {
    name: 'a flatten written as Shape → Gather → Unsqueeze → Concat → Reshape, and Shape → Slice → Mul → Div, with a symbolic batch',
    spec: {
      inputs: [{ name: 'x', shape: ['N', 2, 3, 4] }],
      outputs: ['y', 'z'],
      nodes: [
        { op: 'Shape', inputs: ['x'], output: 's' },
        { op: 'Constant', inputs: [], output: 'zero', attrs: [attr.int('value_int', 0)] },
        { op: 'Gather', inputs: ['s', 'zero'], output: 'n' },
        { op: 'Unsqueeze', inputs: ['n', 'axes0'], output: 'n1' },
        { op: 'Concat', inputs: ['n1', 'minus1'], output: 'shape', attrs: [attr.int('axis', 0)] },
        { op: 'Reshape', inputs: ['x', 'shape'], output: 'f' },
        { op: 'Gemm', inputs: ['f', 'w'], output: 'y', attrs: [attr.int('transB', 1)] },
        { op: 'Shape', inputs: ['x'], output: 's2', attrs: [attr.int('start', 1)] },
        { op: 'Slice', inputs: ['s2', 'zero1', 'two'], output: 'hw' },
        { op: 'Mul', inputs: ['hw', 'two'], output: 'hw2' },
        { op: 'Div', inputs: ['hw2', 'two'], output: 'hw3' },
        { op: 'Cast', inputs: ['hw3'], output: 'hw4', attrs: [attr.int('to', DataType.INT64)] },
        { op: 'Concat', inputs: ['n1', 'hw4', 'minus1'], output: 'shape2', attrs: [attr.int('axis', 0)] },
        { op: 'Reshape', inputs: ['x', 'shape2'], output: 'z' },
      ],
      initializers: { axes0: [0], minus1: [-1], zero1: [0], two: [2], w: rand([3, 24], 15) },
    },
    shapes: [[3, 2, 3, 4]],
  },
  {
    name: 'TopK (values and indices, largest and smallest), Mod (fmod), CumSum, GatherElements, Slice with negative steps',
    spec: {
      inputs: [{ name: 'x', shape: [3, 6] }, { name: 'z', shape: [3, 6] }],
      outputs: ['v', 'i', 'sv', 'm', 'c', 'g', 'r'],
      nodes: [
        { op: 'TopK', inputs: ['x', 'k'], outputs: ['v', 'i'], attrs: [attr.int('axis', 1)] },
        { op: 'TopK', inputs: ['x', 'k'], outputs: ['sv', 'si'], attrs: [attr.int('axis', 0), attr.int('largest', 0)] },
        { op: 'Mod', inputs: ['x', 'z'], output: 'm', attrs: [attr.int('fmod', 1)] },
        { op: 'CumSum', inputs: ['x', 'ax'], output: 'c', attrs: [attr.int('reverse', 1)] },
        { op: 'GatherElements', inputs: ['x', 'idx'], output: 'g', attrs: [attr.int('axis', 1)] },
        { op: 'Slice', inputs: ['x', 'st', 'en', 'axs', 'sp'], output: 'r' },
      ],
      initializers: {
        k: [2], ax: [1], idx: { int64: [5, 0, 1, 1, -1, 2], shape: [3, 2] },
        st: [-1, 4], en: ['-9223372036854775807', 0], axs: [0, 1], sp: [-1, -2],
      },
    },
    shapes: [[3, 6], [3, 6]],
  },
  {
    name: 'opset 20: Gelu (exact and tanh), Mish, Selu, HardSwish, Softsign and the trig ops',
    spec: {
      opset: 20,
      inputs: [{ name: 'x', shape: [2, 5] }],
      outputs: ['y'],
      nodes: [
        { op: 'Gelu', inputs: ['x'], output: 'g1' },
        { op: 'Gelu', inputs: ['x'], output: 'g2', attrs: [attr.string('approximate', 'tanh')] },
        { op: 'Mish', inputs: ['x'], output: 'mi' },
        { op: 'Selu', inputs: ['x'], output: 'se' },
        { op: 'HardSwish', inputs: ['x'], output: 'hs' },
        { op: 'Softsign', inputs: ['x'], output: 'ss' },
        { op: 'Tan', inputs: ['x'], output: 't1' },
        { op: 'Asin', inputs: ['x'], output: 't2' },
        { op: 'Acos', inputs: ['x'], output: 't3' },
        { op: 'Atan', inputs: ['x'], output: 't4' },
        { op: 'Sinh', inputs: ['x'], output: 't5' },
        { op: 'Cosh', inputs: ['x'], output: 't6' },
        { op: 'Asinh', inputs: ['x'], output: 't7' },
        { op: 'Atanh', inputs: ['x'], output: 't8' },
        { op: 'Cosh', inputs: ['x'], output: 'c1' },
        { op: 'Acosh', inputs: ['c1'], output: 't9' },
        { op: 'Sum', inputs: ['g1', 'g2', 'mi', 'se', 'hs', 'ss', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9'], output: 'y' },
      ],
    },
    shapes: [[2, 5]],
  },
];

describe('import of hand-built models', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: equals onnxruntime', async (_, c) => {
    const bytes = buildModel(c.spec);
    const xs = c.shapes.map((s, i) => rand(s, 100 + i, c.min ?? -0.9, 0.9));
    const want = await runOrt(bytes, Object.fromEntries(c.spec.inputs.map((inp, i) => [inp.name, xs[i]])));
    const model = importOnnx(bytes);
    if (model._tag === 'Left') throw new Error(model.left.message);
    const got = model.right.run(...xs);
    c.spec.outputs.forEach((name, k) => {
      expect([...got[k].shape]).toEqual([...want[name].dims]);
      expectClose(got[k].data, Array.from(want[name].data, Number), 1e-5, name);
    });
  });

  it('runs a symbolic batch at any size and checks at the size given in dims', async () => {
    const bytes = buildModel(cases[0].spec);
    const model = importOnnx(bytes, { dims: { N: 7 } });
    if (model._tag === 'Left') throw new Error(model.left.message);
    expect(model.right.inputs[0].shape).toEqual(['N', 4]);
    expect([...model.right.graph.nodes[model.right.graph.inputs[0]].shape]).toEqual([7, 4]);
    for (const n of [1, 9]) {
      const x = rand([n, 4], n);
      const want = (await runOrt(bytes, { x })).y;
      expectClose(model.right.run(x)[0].data, want.data, 1e-5, `batch ${n}`);
    }
  });

  it('folds Shape arithmetic at every batch size', async () => {
    const c = cases.find((x) => x.name.startsWith('a flatten written as Shape'))!;
    const bytes = buildModel(c.spec);
    const model = importOnnx(bytes);
    if (model._tag === 'Left') throw new Error(model.left.message);
    for (const n of [1, 5]) {
      const x = rand([n, 2, 3, 4], 40 + n);
      const want = await runOrt(bytes, { x });
      const [y, z] = model.right.run(x);
      expectClose(y.data, want.y.data, 1e-5, `y at batch ${n}`);
      expect([...z.shape]).toEqual([...want.z.dims]);
    }
  });

  it('differentiates an imported Conv + BatchNormalization model with respect to its params', () => {
    const model = importOnnx(buildModel(cases.find((c) => c.name.startsWith('BatchNormalization'))!.spec));
    if (model._tag === 'Left') throw new Error(model.left.message);
    const x = rand([2, 3, 4, 4], 50);
    const g = grad((p: Record<string, Tensor>) => sum(model.right.apply(p, x)[0]))(model.right.params) as Record<string, Tensor>;
    // d/dB of Σ GlobalMaxPool(BN(x)) is the number of (batch) maxima per channel: 2.
    expect(Array.from(g.b.data)).toEqual([2, 2, 2]);
    expect(Object.keys(g).sort()).toEqual(['b', 'mu', 's', 'var']);
  });
});

const importMsg = (bytes: Uint8Array): ModelMsg => {
  const m = decodeModelProto(bytes);
  if (m._tag === 'Left') throw new Error(m.left);
  return m.right;
};
const reencode = (m: ModelMsg): Uint8Array => encodeModelProto(m);

const problemsOf = (spec: ModelSpec | Uint8Array, options = {}): readonly string[] => {
  const r = importOnnx(spec instanceof Uint8Array ? spec : buildModel(spec), options);
  if (r._tag === 'Right') throw new Error('expected the import to fail');
  return r.left.problems;
};

describe('import refusals', () => {
  it('names every unsupported op and attribute at once, and returns no model', () => {
    const problems = problemsOf({
      inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
      outputs: ['y'],
      nodes: [
        { op: 'LSTM', inputs: ['x'], output: 'a' },
        { op: 'Conv', inputs: ['x', 'w'], output: 'b', attrs: [attr.int('group', 2), attr.string('auto_pad', 'SAME_LOWER')] },
        { op: 'Relu', inputs: ['b'], output: 'c', attrs: [attr.float('gamma', 1)] },
        { op: 'Swish', inputs: ['c'], output: 'd', domain: 'com.example' },
        { op: 'LSTM', inputs: ['d'], output: 'y' },
      ],
      initializers: { w: rand([2, 1, 1, 1], 1) },
    });
    expect(problems).toContainEqual(expect.stringContaining("unsupported op 'LSTM' (2 nodes: n0, n4)"));
    expect(problems).toContainEqual(expect.stringContaining("unsupported op 'com.example::Swish'"));
    expect(problems).toContainEqual(expect.stringContaining('attribute group = 2'));
    expect(problems).toContainEqual(expect.stringContaining('attribute auto_pad = "SAME_LOWER"'));
    expect(problems).toContainEqual(expect.stringContaining("node 'n2' (Relu): attribute 'gamma' is not supported"));
    expect(problems).toHaveLength(5);
  });

  it('refuses undefined inputs, computed shapes, missing outputs and reserved names', () => {
    const problems = problemsOf({
      inputs: [{ name: 'x', shape: [2, 3] }],
      outputs: ['y', 'nowhere'],
      nodes: [
        { op: 'Relu', inputs: ['later'], output: 'a' },
        { op: 'Reshape', inputs: ['x', 'a'], output: 'y' },
        { op: 'Relu', inputs: ['x'], output: 'later' },
      ],
    });
    expect(problems).toContainEqual(expect.stringContaining("input 0 'later' is not defined by an earlier node"));
    expect(problems).toContainEqual(expect.stringContaining("input 1 'a' must be a constant"));
    expect(problems).toContainEqual(expect.stringContaining("output 1 'nowhere' is not defined"));
    const msg = importMsg(buildModel({ inputs: [{ name: 'x', shape: [1] }], outputs: ['x'], nodes: [], initializers: { w: [1] } }));
    const reserved = reencode({ ...msg, graph: { ...msg.graph, initializer: [{ ...msg.graph!.initializer![0], name: '__proto__' }] } });
    expect(problemsOf(reserved)).toEqual(["initializer '__proto__': the name is reserved"]);
  });

  it('checks tensor data against dims, and dims against the element ceiling', () => {
    const base = { inputs: [{ name: 'x', shape: [2] }], outputs: ['y'], nodes: [{ op: 'Add', inputs: ['x', 'w'], output: 'y' }] };
    const bytes = (w: object) => {
      const spec = buildModel({ ...base, initializers: { w: tensor([1, 2]) } });
      // Replace the initializer through the message, so the fields are exactly as given.
      const msg = importMsg(spec);
      return reencode({ ...msg, graph: { ...msg.graph, initializer: [{ name: 'w', ...w }] } });
    };
    expect(problemsOf(bytes({ dims: [3], data_type: DataType.FLOAT, raw_data: new Uint8Array(8) }))[0]).toMatch(/raw_data holds 8 bytes, but dims \[3\] need 12/);
    expect(problemsOf(bytes({ dims: [2], data_type: DataType.FLOAT, float_data: [1] }))[0]).toMatch(/float_data holds 1 values/);
    expect(problemsOf(bytes({ dims: [2 ** 20, 2 ** 20], data_type: DataType.FLOAT, raw_data: new Uint8Array(8) }))[0]).toMatch(/pass the ceiling/);
    expect(problemsOf(bytes({ dims: [-1], data_type: DataType.FLOAT }))[0]).toMatch(/dims\[0\] is not a non-negative integer/);
    expect(problemsOf(bytes({ dims: [2], data_type: 8 }))[0]).toMatch(/data type 8 is not supported/);
    expect(problemsOf(bytes({ dims: [2], data_type: DataType.FLOAT, data_location: 1 }))[0]).toMatch(/external data/);
    expect(problemsOf(buildModel({ ...base, initializers: { w: tensor([1, 2]) } }), { maxElements: 1 })[0]).toMatch(/pass the ceiling of 1/);
  });

  it('refuses a 256 MiB tensor backed by 8 bytes before allocating it', () => {
    const msg = importMsg(buildModel({ inputs: [{ name: 'x', shape: [2] }], outputs: ['y'], nodes: [{ op: 'Add', inputs: ['x', 'w'], output: 'y' }], initializers: { w: tensor([1, 2]) } }));
    const bytes = reencode({ ...msg, graph: { ...msg.graph, initializer: [{ name: 'w', dims: [2 ** 26], data_type: DataType.FLOAT, raw_data: new Uint8Array(8) }] } });
    const before = process.memoryUsage().arrayBuffers;
    expect(problemsOf(bytes)[0]).toMatch(/raw_data holds 8 bytes, but dims \[67108864\] need 268435456/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
  });

  it('refuses values that would pass the ceiling inside the graph', () => {
    const problems = problemsOf({
      inputs: [{ name: 'x', shape: [1] }],
      outputs: ['y'],
      nodes: [{ op: 'Expand', inputs: ['x', 's'], output: 'y' }],
      initializers: { s: [2 ** 20, 2 ** 20] },
    });
    // core refuses the op's output while the graph is traced (TooLarge), or the importer's own ceiling does
    expect(problems[0]).toMatch(/core.broadcastTo value of shape \[1048576, 1048576\] passes the ceiling|Expand\): output shape \[1048576, 1048576\] has \d+ elements, over the limit/);
  });

  it('reports shape errors found while checking, naming the node', () => {
    const problems = problemsOf({ inputs: [{ name: 'x', shape: [2, 3] }], outputs: ['y'], nodes: [{ op: 'MatMul', inputs: ['x', 'x'], output: 'y' }] });
    expect(problems[0]).toMatch(/^ShapeMismatch: node 'n0' \(MatMul\): inner dimensions 3 and 2 differ/);
  });

  it('refuses bytes that are not a model and opsets it does not read', () => {
    expect(problemsOf(new Uint8Array([0x0a, 0xff, 0xff, 0xff]))[0]).toMatch(/^not an ONNX model/);
    expect(problemsOf({ opset: 11, inputs: [], outputs: [], nodes: [] })[0]).toMatch(/version 11 is not supported/);
  });

  it('export refuses a graph holding a tracer of an enclosing transform', () => {
    let tag = '';
    grad((w: Tensor) => {
      const r = exportGraph(trace((x: Tensor) => mul(x, w), abstract([2])));
      tag = r._tag === 'Left' ? r.left._tag : 'Right';
      return sum(w);
    })(tensor([1, 2]));
    expect(tag).toBe('SymbolicConstant');
  });

  it("export names every op it cannot write: a CNN's gradient graph", () => {
    const model = cnn({ inputShape: [6, 6, 1], filters: [2], hidden: [], classes: 2 });
    const params = model.init(key(3));
    const g = trace((x: Tensor) => treeLeaves(grad((p: typeof params) => sum(model.apply(p, x)))(params)), abstract([1, 6, 6, 1]));
    const r = exportGraph(g);
    expect(r._tag === 'Left' && [...r.left.ops].sort()).toEqual(['ops.conv2dBackpropFilter', 'ops.maxPool2dGrad']);
    expect(r._tag === 'Left' && r.left.message).toBe("no ONNX export for 'ops.maxPool2dGrad', 'ops.conv2dBackpropFilter'");
  });
});


describe('folding and params', () => {
  it('an Identity, Unsqueeze or Concat of a param stays differentiable', () => {
    const model = importOnnx(buildModel({
      inputs: [{ name: 'x', shape: [3] }],
      outputs: ['y'],
      nodes: [
        { op: 'Identity', inputs: ['w'], output: 'wi' },
        { op: 'Concat', inputs: ['wi', 'w'], output: 'wc', attrs: [attr.int('axis', 0)] },
        { op: 'Slice', inputs: ['wc', 'one', 'four'], output: 'ws' },
        { op: 'Mul', inputs: ['x', 'ws'], output: 'y' },
      ],
      initializers: { w: tensor([1, 2, 3]), one: [1], four: [4] },
    }));
    if (model._tag === 'Left') throw new Error(model.left.message);
    const x = tensor([10, 20, 30]);
    const g = grad((p: Record<string, Tensor>) => sum(model.right.apply(p, x)[0]))(model.right.params) as Record<string, Tensor>;
    // y = x · [w1, w2, w0]: ∂Σy/∂w = [x2, x0, x1]
    expect(Array.from(g.w.data)).toEqual([30, 10, 20]);
  });
});
