// The export rule of every chainrule op that ONNX can express: the ONNX nodes that compute it (opset 17).

import { normalizeAxes, sizeOf, type DType, type Node } from '@chainrule/core';
import { samePadding, type Padding, type Pool2dAttrs, type Conv2dAttrs, type Size2, type SliceAttrs, type PadAttrs } from '@chainrule/ops';
import { DataType } from './proto.js';
import { attr, onnxType, type Emitter, type ExportRule } from './emitter.js';

const unary = (opType: string): ExportRule => (e, [x]) => e.node(opType, [x]);
const binary = (opType: string): ExportRule => (e, [a, b]) => e.node(opType, [a, b]);
const castTo = (e: Emitter, x: string, dtype: DType): string => e.node('Cast', [x], [attr.int('to', onnxType(dtype))]);
/** A comparison: ONNX gives bool, chainrule 1/0 in the inputs' dtype. */
const compare = (opType: string, negate = false): ExportRule => (e, [a, b], node) => {
  const c = e.node(opType, [a, b]);
  return castTo(e, negate ? e.node('Not', [c]) : c, node.dtype);
};

const axesOf = (node: Node, rank: number): number[] => {
  const a = normalizeAxes((node.attrs as { axis?: number | readonly number[] }).axis, rank);
  if (a._tag === 'Left') throw new Error(`${node.op.name}: ${a.left.message}`);
  return a.right;
};
const keepDims = (node: Node): number => ((node.attrs as { keepDims?: boolean }).keepDims === true ? 1 : 0);

/** A reduction; reducing no axes is the identity (ONNX would read an empty list as all axes). */
const reduce = (opType: string): ExportRule => (e, [x], node, [xn]) => {
  const axes = axesOf(node, xn.shape.length);
  if (axes.length === 0) return e.node('Identity', [x]);
  // ReduceSum takes its axes as an input from opset 13; the others still as an attribute in 17.
  return opType === 'ReduceSum'
    ? e.node(opType, [x, e.int64s(axes)], [attr.int('keepdims', keepDims(node))])
    : e.node(opType, [x], [attr.ints('axes', axes), attr.int('keepdims', keepDims(node))]);
};

const reshapeTo = (e: Emitter, x: string, shape: readonly number[]): string => e.node('Reshape', [x, e.int64s(shape)]);
/** A node's reshape; with a batch axis that it keeps, ONNX's 0 copies the input's first dimension, whatever its size. */
const reshapeNode: ExportRule = (e, [x], node, [xn]) =>
  reshapeTo(e, x, e.batchAxis && xn.shape.length > 0 && node.shape.length > 0 && xn.shape[0] === node.shape[0] ? [0, ...node.shape.slice(1)] : node.shape);

const argExtremum = (opType: string): ExportRule => (e, [x], node, [xn]) => {
  const { axis } = node.attrs as { axis?: number };
  const flat = axis === undefined;
  const src = flat ? reshapeTo(e, x, [sizeOf(xn.shape)]) : x;
  const a = flat ? 0 : axesOf(node, xn.shape.length)[0];
  const i = e.node(opType, [src], [attr.int('axis', a), attr.int('keepdims', flat ? 0 : keepDims(node)), attr.int('select_last_index', 0)]);
  const f = castTo(e, i, node.dtype);
  return flat && keepDims(node) === 1 ? reshapeTo(e, f, node.shape) : f;
};

const pair = (s: Size2 | undefined, fallback: readonly [number, number]): [number, number] =>
  s === undefined ? [fallback[0], fallback[1]] : typeof s === 'number' ? [s, s] : [s[0], s[1]];

/** ONNX pads `[top, left, bottom, right]` from chainrule padding, as the ops resolve it (TensorFlow's SAME). */
const padsOf = (p: Padding, h: number, w: number, k: readonly [number, number], s: readonly [number, number], d: readonly [number, number]): number[] => {
  if (p === 'valid') return [0, 0, 0, 0];
  const [top, bottom] = p === 'same' ? samePadding(h, k[0], s[0], d[0]) : p[0];
  const [l, r] = p === 'same' ? samePadding(w, k[1], s[1], d[1]) : p[1];
  return [top, l, bottom, r];
};

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
const transpose = (e: Emitter, x: string, perm: readonly number[]): string => e.node('Transpose', [x], [attr.ints('perm', perm)]);

/** A pooling op: ONNX pools NCHW, so the NHWC input is transposed in and the result back. */
const pool = (opType: string, extra: ReturnType<typeof attr.int>[]): ExportRule => (e, [x], node, [xn]) => {
  const a = node.attrs as Pool2dAttrs;
  const window = pair(a.windowShape ?? a.ksize, [1, 1]);
  const strides = pair(a.strides, window);
  const pads = padsOf(a.padding ?? 'valid', xn.shape[1], xn.shape[2], window, strides, [1, 1]);
  const y = e.node(opType, [transpose(e, x, TO_NCHW)], [attr.ints('kernel_shape', window), attr.ints('strides', strides), attr.ints('pads', pads), ...extra]);
  return transpose(e, y, TO_NHWC);
};

/** [x = k] for k = 0 … depth − 1 along a new last axis, as 1/0 floats (non-integers and out-of-range values match no k). */
const oneHotOf = (e: Emitter, x: string, shape: readonly number[], depth: number, dtype: DType): string => {
  const classes = castTo(e, e.int64s(Array.from({ length: depth }, (_, k) => k)), dtype);
  return castTo(e, e.node('Equal', [reshapeTo(e, x, [...shape, 1]), classes]), dtype);
};

/** A per-example loss: the elementwise terms, averaged over the last axis. */
const perExample = (terms: (e: Emitter, p: string, y: string, node: Node) => string): ExportRule => (e, [p, y], node) =>
  e.node('ReduceMean', [terms(e, p, y, node)], [attr.ints('axes', [node.shape.length]), attr.int('keepdims', 0)]);

/**
 * The rule of each exportable op, by chainrule op name.
 *
 * @example
 * Object.keys(exportRules).includes('ops.conv2d') // true
 * exportGraph(g, { rules: { 'myorg.swish': (e, [x]) => e.node('Mul', [x, e.node('Sigmoid', [x])]) } })
 */
export const exportRules: Readonly<Record<string, ExportRule>> = {
  // Elementwise arithmetic; ONNX broadcasts as NumPy does, like chainrule.
  'core.add': binary('Add'),
  'core.sub': binary('Sub'),
  'core.mul': binary('Mul'),
  'core.div': binary('Div'),
  'ops.pow': binary('Pow'),
  'ops.maximum': binary('Max'),
  'ops.minimum': binary('Min'),
  'ops.where': (e, [c, a, b]) => e.node('Where', [e.node('Cast', [c], [attr.int('to', DataType.BOOL)]), a, b]),
  'ops.equal': compare('Equal'),
  'ops.notEqual': compare('Equal', true),
  'ops.less': compare('Less'),
  'ops.lessEqual': compare('LessOrEqual'),
  'ops.greater': compare('Greater'),
  'ops.greaterEqual': compare('GreaterOrEqual'),
  // Unary.
  'core.neg': unary('Neg'),
  'core.exp': unary('Exp'),
  'core.log': unary('Log'),
  'core.sigmoid': unary('Sigmoid'),
  'core.cast': (e, [x], node) => castTo(e, x, node.dtype),
  'core.stopGradient': unary('Identity'),
  'ops.abs': unary('Abs'),
  'ops.sign': unary('Sign'),
  'ops.floor': unary('Floor'),
  // chainrule rounds half away from zero; ONNX's Round rounds half to even: sign(x)·floor(|x| + ½).
  'ops.round': (e, [x], node) => e.node('Mul', [e.node('Sign', [x]), e.node('Floor', [e.node('Add', [e.node('Abs', [x]), e.scalar(0.5, node.dtype)])])]),
  'ops.expm1': (e, [x], node) => e.node('Sub', [e.node('Exp', [x]), e.scalar(1, node.dtype)]),
  'ops.log1p': (e, [x], node) => e.node('Log', [e.node('Add', [x, e.scalar(1, node.dtype)])]),
  'ops.sqrt': unary('Sqrt'),
  'ops.rsqrt': (e, [x]) => e.node('Reciprocal', [e.node('Sqrt', [x])]),
  'ops.square': (e, [x]) => e.node('Mul', [x, x]),
  'ops.reciprocal': unary('Reciprocal'),
  'ops.sin': unary('Sin'),
  'ops.cos': unary('Cos'),
  'ops.tanh': unary('Tanh'),
  'ops.relu': unary('Relu'),
  'ops.leakyRelu': (e, [x], node) => e.node('LeakyRelu', [x], [attr.float('alpha', (node.attrs as { alpha?: number }).alpha ?? 0.2)]),
  'ops.elu': (e, [x], node) => e.node('Elu', [x], [attr.float('alpha', (node.attrs as { alpha?: number }).alpha ?? 1)]),
  'ops.erf': unary('Erf'),
  // gelu(x) = x·½·(1 + erf(x/√2)) (ONNX's Gelu arrives only in opset 20).
  'ops.gelu': (e, [x], node) =>
    e.node('Mul', [e.node('Mul', [x, e.scalar(0.5, node.dtype)]), e.node('Add', [e.node('Erf', [e.node('Mul', [x, e.scalar(Math.SQRT1_2, node.dtype)])]), e.scalar(1, node.dtype)])]),
  'ops.softplus': unary('Softplus'),
  'ops.silu': (e, [x]) => e.node('Mul', [x, e.node('Sigmoid', [x])]),
  'ops.tan': unary('Tan'),
  'ops.asin': unary('Asin'),
  'ops.acos': unary('Acos'),
  'ops.atan': unary('Atan'),
  'ops.sinh': unary('Sinh'),
  'ops.cosh': unary('Cosh'),
  'ops.asinh': unary('Asinh'),
  'ops.acosh': unary('Acosh'),
  'ops.atanh': unary('Atanh'),
  // atan2(a, b) = atan(a/b), shifted by ±π where b < 0; 0 where a = b = 0 (ONNX has no Atan2).
  'ops.atan2': (e, [a, b], node) => {
    const s = (v: number) => e.scalar(v, node.dtype);
    const q = e.node('Atan', [e.node('Div', [a, b])]);
    const shift = e.node('Where', [e.node('GreaterOrEqual', [a, s(0)]), s(Math.PI), s(-Math.PI)]);
    const r = e.node('Where', [e.node('Less', [b, s(0)]), e.node('Add', [q, shift]), q]);
    const origin = e.node('And', [e.node('Equal', [a, s(0)]), e.node('Equal', [b, s(0)])]);
    return e.node('Where', [origin, s(0), r]);
  },
  'ops.exp2': (e, [x], node) => e.node('Pow', [e.scalar(2, node.dtype), x]),
  'ops.log2': (e, [x], node) => e.node('Div', [e.node('Log', [x]), e.scalar(Math.LN2, node.dtype)]),
  'ops.log10': (e, [x], node) => e.node('Div', [e.node('Log', [x]), e.scalar(Math.LN10, node.dtype)]),
  'ops.softsign': unary('Softsign'),
  // chainrule's λ and α in full (ONNX's defaults are their float32 roundings).
  'ops.selu': (e, [x]) => e.node('Selu', [x], [attr.float('alpha', 1.6732632423543772), attr.float('gamma', 1.0507009873554805)]),
  // mish(x) = x·tanh(softplus(x)) (ONNX's Mish is opset 18).
  'ops.mish': (e, [x]) => e.node('Mul', [x, e.node('Tanh', [e.node('Softplus', [x])])]),
  'ops.hardSigmoid': (e, [x]) => e.node('HardSigmoid', [x], [attr.float('alpha', 1 / 6), attr.float('beta', 0.5)]),
  'ops.hardSwish': unary('HardSwish'),
  'ops.clip': (e, [x], node) => {
    const { min, max } = node.attrs as { min?: number; max?: number };
    return e.node('Clip', [x, min === undefined ? '' : e.scalar(min, node.dtype), max === undefined ? '' : e.scalar(max, node.dtype)]);
  },
  // Reductions.
  'core.sum': reduce('ReduceSum'),
  'ops.mean': reduce('ReduceMean'),
  'ops.max': reduce('ReduceMax'),
  'ops.min': reduce('ReduceMin'),
  'ops.prod': reduce('ReduceProd'),
  'ops.logsumexp': reduce('ReduceLogSumExp'),
  // variance = Σ(x − mean)² / (n − ddof) over the axes.
  'ops.variance': (e, [x], node, [xn]) => {
    const axes = axesOf(node, xn.shape.length);
    const n = axes.reduce((p, a) => p * xn.shape[a], 1);
    const ddof = (node.attrs as { ddof?: number }).ddof ?? 0;
    const d = e.node('Sub', [x, e.node('ReduceMean', [x], [attr.ints('axes', axes), attr.int('keepdims', 1)])]);
    const s = e.node('ReduceSum', [e.node('Mul', [d, d]), e.int64s(axes)], [attr.int('keepdims', keepDims(node))]);
    return e.node('Div', [s, e.scalar(n - ddof, node.dtype)]);
  },
  'ops.argmax': argExtremum('ArgMax'),
  'ops.argmin': argExtremum('ArgMin'),
  'core.softmax': (e, [x], node, [xn]) => e.node('Softmax', [x], [attr.int('axis', axesOf({ ...node, attrs: { axis: (node.attrs as { axis?: number }).axis ?? -1 } }, xn.shape.length)[0])]),
  'core.logSoftmax': (e, [x], node, [xn]) => e.node('LogSoftmax', [x], [attr.int('axis', axesOf({ ...node, attrs: { axis: (node.attrs as { axis?: number }).axis ?? -1 } }, xn.shape.length)[0])]),
  // Shapes: every shape change is a Reshape to the node's (static) shape.
  'core.reshape': reshapeNode,
  'ops.expandDims': reshapeNode,
  'ops.squeeze': reshapeNode,
  'core.broadcastTo': (e, [x], node) => e.node('Expand', [x, e.int64s(node.shape)]),
  'ops.transpose': (e, [x], node, [xn]) => {
    const { perm } = node.attrs as { perm?: readonly number[] };
    return transpose(e, x, perm ?? xn.shape.map((_, i) => xn.shape.length - 1 - i));
  },
  // moveAxis = Transpose by the permutation that moves one axis and keeps the others in order.
  'core.moveAxis': (e, [x], node, [xn]) => {
    const { source, destination } = node.attrs as { source: number; destination: number };
    const r = xn.shape.length, s = source < 0 ? source + r : source, d = destination < 0 ? destination + r : destination;
    const perm = xn.shape.map((_, i) => i).filter((i) => i !== s);
    perm.splice(d, 0, s);
    return transpose(e, x, perm);
  },
  'ops.concat': (e, xs, node) => {
    const { axis = 0 } = node.attrs as { axis?: number };
    return e.node('Concat', xs, [attr.int('axis', axis < 0 ? axis + node.shape.length : axis)]);
  },
  'ops.slice': (e, [x], node, [xn]) => {
    const { begin, strides = [] } = node.attrs as SliceAttrs;
    const axes = xn.shape.map((_, d) => d);
    const starts = axes.map((d) => begin[d] ?? 0);
    const steps = axes.map((d) => strides[d] ?? 1);
    const ends = axes.map((d) => (node.shape[d] === 0 ? starts[d] : starts[d] + (node.shape[d] - 1) * steps[d] + 1));
    return e.node('Slice', [x, e.int64s(starts), e.int64s(ends), e.int64s(axes), e.int64s(steps)]);
  },
  'ops.pad': (e, [x], node) => {
    const { paddings, value = 0 } = node.attrs as PadAttrs;
    return e.node('Pad', [x, e.int64s([...paddings.map((p) => p[0]), ...paddings.map((p) => p[1])]), e.scalar(value, node.dtype)], [attr.string('mode', 'constant')]);
  },
  // Reversed axes: a Slice with step −1 from the last element past the first.
  'ops.flip': (e, [x], node, [xn]) => {
    const { axis } = node.attrs as { axis?: number | readonly number[] };
    const axes = axis === undefined ? xn.shape.map((_, d) => d) : axesOf(node, xn.shape.length);
    if (axes.length === 0) return e.node('Identity', [x]);
    return e.node('Slice', [x, e.int64s(axes.map((a) => xn.shape[a] - 1)), e.int64s(axes.map((a) => -xn.shape[a] - 1)), e.int64s(axes), e.int64s(axes.map(() => -1))]);
  },
  'ops.takeAlongAxis': (e, [x, i], node, [xn]) => {
    const { axis = -1 } = node.attrs as { axis?: number };
    return e.node('GatherElements', [x, e.node('Cast', [i], [attr.int('to', DataType.INT64)])], [attr.int('axis', axis < 0 ? axis + xn.shape.length : axis)]);
  },
  // TopK of the whole axis: its ties keep the lower index first, a stable sort like chainrule's.
  'ops.argsort': (e, [x], node, [xn]) => {
    const { axis = -1, descending = false } = node.attrs as { axis?: number; descending?: boolean };
    const a = axis < 0 ? axis + xn.shape.length : axis;
    const [, indices] = e.nodeOutputs('TopK', [x, e.int64s([xn.shape[a]])], [attr.int('axis', a), attr.int('largest', descending ? 1 : 0), attr.int('sorted', 1)], 2);
    return castTo(e, indices, node.dtype);
  },
  'ops.gather': (e, [x, i], node, [xn]) => {
    const { axis = 0 } = node.attrs as { axis?: number };
    return e.node('Gather', [x, e.node('Cast', [i], [attr.int('to', DataType.INT64)])], [attr.int('axis', axis < 0 ? axis + xn.shape.length : axis)]);
  },
  // Linear algebra.
  'core.matmul': (e, [a, b], node, [an, bn]) => {
    const { transposeA = false, transposeB = false } = node.attrs as { transposeA?: boolean; transposeB?: boolean };
    const swapLast = (r: number) => [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2];
    return e.node('MatMul', [transposeA ? transpose(e, a, swapLast(an.shape.length)) : a, transposeB ? transpose(e, b, swapLast(bn.shape.length)) : b]);
  },
  'ops.dot': binary('MatMul'),
  'ops.outer': (e, [a, b], node) => e.node('Mul', [reshapeTo(e, a, [node.shape[0], 1]), reshapeTo(e, b, [1, node.shape[1]])]),
  // Scans. cumprod = sign · exp(cumsum(log |x|)), the sign from the running count of negatives.
  'ops.cumsum': (e, [x], node, [xn]) => {
    const { axis = 0, exclusive = false, reverse = false } = node.attrs as { axis?: number; exclusive?: boolean; reverse?: boolean };
    const flat = xn.shape.length === 0;
    const src = flat ? reshapeTo(e, x, [1]) : x;
    const y = e.node('CumSum', [src, e.int64s([flat ? 0 : axis])], [attr.int('exclusive', exclusive ? 1 : 0), attr.int('reverse', reverse ? 1 : 0)]);
    return flat ? reshapeTo(e, y, []) : y;
  },
  'ops.cumprod': (e, [x], node, [xn]) => {
    const { axis = 0 } = node.attrs as { axis?: number };
    const flat = xn.shape.length === 0;
    const src = flat ? reshapeTo(e, x, [1]) : x;
    const ax = e.int64s([flat ? 0 : axis]);
    const magnitude = e.node('Exp', [e.node('CumSum', [e.node('Log', [e.node('Abs', [src])]), ax])]);
    const negatives = e.node('CumSum', [castTo(e, e.node('Less', [src, e.scalar(0, node.dtype)]), node.dtype), ax]);
    const sign = e.node('Sub', [e.scalar(1, node.dtype), e.node('Mul', [e.node('Mod', [negatives, e.scalar(2, node.dtype)], [attr.int('fmod', 1)]), e.scalar(2, node.dtype)])]);
    const y = e.node('Mul', [sign, magnitude]);
    return flat ? reshapeTo(e, y, []) : y;
  },
  // Losses, per example.
  'ops.mse': perExample((e, p, y) => {
    const d = e.node('Sub', [p, y]);
    return e.node('Mul', [d, d]);
  }),
  // ½r² where |r| ≤ δ, δ·(|r| − ½δ) beyond
  'ops.huber': perExample((e, p, y, node) => {
    const delta = (node.attrs as { delta?: number }).delta ?? 1;
    const r = e.node('Sub', [p, y]), a = e.node('Abs', [r]);
    const quad = e.node('Mul', [e.node('Mul', [r, r]), e.scalar(0.5, node.dtype)]);
    const lin = e.node('Mul', [e.node('Sub', [a, e.scalar(delta / 2, node.dtype)]), e.scalar(delta, node.dtype)]);
    return e.node('Where', [e.node('LessOrEqual', [a, e.scalar(delta, node.dtype)]), quad, lin]);
  }),
  // max(z, 0) − z·t + log(1 + e^−|z|)
  'ops.sigmoidCrossEntropy': perExample((e, z, t) =>
    e.node('Add', [e.node('Sub', [e.node('Relu', [z]), e.node('Mul', [z, t])]), e.node('Softplus', [e.node('Neg', [e.node('Abs', [z])])])])),
  // −t·log p − (1 − t)·log(1 − p), p clipped to [ε, 1 − ε]
  'ops.binaryCrossEntropy': perExample((e, p, t, node) => {
    const eps = (node.attrs as { epsilon?: number }).epsilon ?? 1e-7;
    const one = e.scalar(1, node.dtype);
    const q = e.node('Clip', [p, e.scalar(eps, node.dtype), e.scalar(1 - eps, node.dtype)]);
    const pos = e.node('Mul', [t, e.node('Log', [q])]);
    const neg = e.node('Mul', [e.node('Sub', [one, t]), e.node('Log', [e.node('Sub', [one, q])])]);
    return e.node('Neg', [e.node('Add', [pos, neg])]);
  }),
  // −Σ labels·log softmax(z) over the last axis; class indices are one-hot encoded first
  'core.softmaxCrossEntropy': (e, [z, labels], node, [zn, ln]) => {
    const last = zn.shape.length - 1;
    const ls = e.node('LogSoftmax', [z], [attr.int('axis', last)]);
    const dense = ln.shape.length === zn.shape.length ? labels : oneHotOf(e, labels, ln.shape, zn.shape[last], node.dtype);
    return e.node('Neg', [e.node('ReduceSum', [e.node('Mul', [dense, ls]), e.int64s([last])], [attr.int('keepdims', 0)])]);
  },
  'core.oneHot': (e, [x], node, [xn]) => oneHotOf(e, x, xn.shape, node.shape[node.shape.length - 1], node.dtype),
  // Convolution and pooling: ONNX works in NCHW with OIHW filters.
  'ops.conv2d': (e, [x, w], node, [xn, wn]) => {
    const a = node.attrs as Conv2dAttrs;
    const k: [number, number] = [wn.shape[0], wn.shape[1]];
    const strides = pair(a.strides, [1, 1]);
    const dilations = pair(a.dilations, [1, 1]);
    const pads = padsOf(a.padding, xn.shape[1], xn.shape[2], k, strides, dilations);
    const y = e.node('Conv', [transpose(e, x, TO_NCHW), transpose(e, w, [3, 2, 0, 1])], [
      attr.ints('kernel_shape', k), attr.ints('strides', strides), attr.ints('dilations', dilations), attr.ints('pads', pads),
    ]);
    return transpose(e, y, TO_NHWC);
  },
  // conv2d's gradient with respect to its input is ONNX's ConvTranspose: the same OIHW filter,
  // the forward conv's pads, and output_padding for the rows a stride leaves over.
  'ops.conv2dBackpropInput': (e, [dy, w], node, [dyn, wn]) => {
    const a = node.attrs as Conv2dAttrs & { inputShape: readonly number[] };
    const [, h, wd] = a.inputShape;
    const k: [number, number] = [wn.shape[0], wn.shape[1]];
    const strides = pair(a.strides, [1, 1]);
    const dilations = pair(a.dilations, [1, 1]);
    const pads = padsOf(a.padding, h, wd, k, strides, dilations);
    const base = (i: 0 | 1) => (dyn.shape[1 + i] - 1) * strides[i] + (k[i] - 1) * dilations[i] + 1 - pads[i] - pads[i + 2];
    const y = e.node('ConvTranspose', [transpose(e, dy, TO_NCHW), transpose(e, w, [3, 2, 0, 1])], [
      attr.ints('kernel_shape', k), attr.ints('strides', strides), attr.ints('dilations', dilations), attr.ints('pads', pads),
      attr.ints('output_padding', [h - base(0), wd - base(1)]),
    ]);
    return transpose(e, y, TO_NHWC);
  },
  'ops.maxPool2d': pool('MaxPool', []),
  'ops.avgPool2d': pool('AveragePool', [attr.int('count_include_pad', 0)]),
};
