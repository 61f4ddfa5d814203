// The import rule of every supported ONNX op: its attributes, which inputs must be constants, and the chainrule ops that compute it.

import {
  ChainruleError, add, sub, mul, div, neg, exp, log, sigmoid, cast, matmul, reshape, broadcastTo, broadcastShapes, softmax, logSoftmax, sum,
  normalizeAxes, sizeOf, tensor, type Tensor, type DType,
} from '@chainrule/core';
import {
  pow, maximum, minimum, where, equal, notEqual, less, lessEqual, greater, greaterEqual, abs, sign, floor, sqrt, reciprocal, sin, cos, tanh, relu,
  leakyRelu, elu, erf, softplus, clip, mean, max, min, prod, logsumexp, argmax, argmin, transpose, concat, slice, pad, gather, conv2d, maxPool2d, avgPool2d,
  variance, rsqrt, conv2dBackpropInput, argsort, flip, takeAlongAxis, cumsum, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, softsign, mish, hardSwish, expm1, gelu,
} from '@chainrule/ops';
import { DataType } from './proto.js';
import type { Decoded } from './tensor-proto.js';

/** The kind of value an ONNX attribute must hold. */
export type AttrKind = 'int' | 'ints' | 'float' | 'floats' | 'string' | 'tensor';

/** A decoded attribute value. */
export type AttrValue = number | readonly number[] | string | Decoded;

/** A node's attributes, by name, already checked against its rule's kinds. */
export type AttrMap = ReadonlyMap<string, AttrValue>;

/** A constant known when the model is imported (an initializer or a Constant node's output). */
export interface Static {
  readonly shape: readonly number[];
  readonly values: readonly number[];
  /** Whether the values are of an integer type (shapes, indices), so Div truncates. */
  readonly integer?: boolean;
}

/** One input of a node while the imported graph runs: its tensor, and its value when it is a constant. */
export interface In {
  readonly tensor: () => Tensor;
  readonly static?: Static;
}

/** How one ONNX op becomes chainrule ops. */
export interface ImportRule {
  /** The attributes the rule understands, with their kinds; any other attribute is refused. */
  readonly attrs?: Readonly<Record<string, AttrKind>>;
  /** Fewest and most inputs (trailing optional inputs may be missing or ''). */
  readonly inputs: readonly [number, number];
  /** Input positions whose values must be known at import (shapes, axes, pads, bounds). */
  readonly statics?: readonly number[];
  /** Problems with attribute values the rule does not support (each named), none when fine. */
  readonly check?: (a: AttrMap) => readonly string[];
  /**
   * Shape arithmetic: the output as a constant when the inputs are (or, with `fromShapes`,
   * whatever they are: Shape reads only its input's shape). Undefined when it cannot; then
   * `apply` runs. This is how Shape → Gather → Concat → Reshape chains fold while tracing.
   */
  readonly fold?: (ins: readonly (In | undefined)[], a: AttrMap) => Static | undefined;
  /** Whether `fold` needs only its inputs' shapes (Shape), not their values. */
  readonly fromShapes?: boolean;
  /** How many outputs the rule computes (default 1); `apply` then returns them all. */
  readonly outputs?: number;
  /** The output (or, with `outputs`, all of them), from the inputs (undefined where an optional input is missing). */
  readonly apply: (ins: readonly (In | undefined)[], a: AttrMap, opset: number) => Tensor | readonly Tensor[];
}

const int = (a: AttrMap, name: string, fallback: number): number => (a.get(name) as number | undefined) ?? fallback;
const ints = (a: AttrMap, name: string): readonly number[] | undefined => a.get(name) as readonly number[] | undefined;
const float = (a: AttrMap, name: string, fallback: number): number => (a.get(name) as number | undefined) ?? fallback;
const str = (a: AttrMap, name: string, fallback: string): string => (a.get(name) as string | undefined) ?? fallback;

/** Throws the error an import reports for a value it cannot take (found while the graph is traced). */
const refuse = (message: string): never => {
  throw new ChainruleError('BadArgument', message);
};

const need = (x: In | undefined, what: string): Tensor => (x === undefined ? refuse(`the input ${what} is missing`) : x.tensor());
const staticOf = (x: In | undefined): readonly number[] | undefined => x?.static?.values;
const only = (allowed: Record<string, readonly (number | string)[]>) => (a: AttrMap): string[] =>
  Object.entries(allowed).flatMap(([name, ok]) => {
    const v = a.get(name);
    return v === undefined || ok.includes(v as number | string) ? [] : [`attribute ${name} = ${JSON.stringify(v)} (supported: ${ok.join(', ')})`];
  });

const unary = (f: (x: Tensor) => Tensor): ImportRule => ({ inputs: [1, 1], apply: ([x]) => f(need(x, 'X')) });
const binary = (f: (a: Tensor, b: Tensor) => Tensor): ImportRule => ({ inputs: [2, 2], apply: ([a, b]) => f(need(a, 'A'), need(b, 'B')) });
const variadic = (f: (a: Tensor, b: Tensor) => Tensor): ImportRule => ({
  inputs: [1, 2 ** 16],
  apply: (xs) => xs.map((x, i) => need(x, `${i}`)).reduce((acc, x) => f(acc, x)),
});
const scalarLike = (x: Tensor, v: number): Tensor => tensor(v, { dtype: x.dtype });

/** Axes of a reduction: the `axes` attribute (opset < 18, and ReduceSum < 13) or the second input. */
const reduceAxes = (ins: readonly (In | undefined)[], a: AttrMap, fromInput: boolean, rank: number): number[] | undefined => {
  const given = fromInput ? staticOf(ins[1]) : ints(a, 'axes');
  if (given === undefined || given.length === 0) return int(a, 'noop_with_empty_axes', 0) === 1 ? [] : undefined;
  const n = normalizeAxes(given, rank);
  return n._tag === 'Left' ? refuse(n.left.message) : n.right;
};

type Reducer = (x: Tensor, attrs: { axis?: readonly number[]; keepDims?: boolean }) => Tensor;
/** ReduceSum takes its axes as an input from opset 13, the other reductions from opset 18. */
const reduction = (f: Reducer, inputFrom: number): ImportRule => ({
  attrs: { axes: 'ints', keepdims: 'int', noop_with_empty_axes: 'int' },
  inputs: [1, 2],
  statics: [1],
  apply: (ins, a, opset) => {
    const x = need(ins[0], 'data');
    const axes = reduceAxes(ins, a, opset >= inputFrom, x.shape.length);
    if (axes !== undefined && axes.length === 0) return x;
    return f(x, { ...(axes === undefined ? {} : { axis: axes }), keepDims: int(a, 'keepdims', 1) === 1 });
  },
});

const argRule = (f: typeof argmax): ImportRule => ({
  attrs: { axis: 'int', keepdims: 'int', select_last_index: 'int' },
  check: only({ select_last_index: [0] }),
  inputs: [1, 1],
  apply: ([x], a) => f(need(x, 'data'), { axis: int(a, 'axis', 0), keepDims: int(a, 'keepdims', 1) === 1 }),
});

const dtypeOfCode = (code: number): DType | undefined => (code === DataType.FLOAT ? 'float32' : code === DataType.DOUBLE ? 'float64' : undefined);

/** x reshaped to `shape`, where ONNX's 0 copies the input's dimension (allowzero = 0) and −1 is inferred. */
const onnxReshape = (x: Tensor, shape: readonly number[]): Tensor =>
  reshape(x, { shape: shape.map((d, i) => (d === 0 ? (i < x.shape.length ? x.shape[i] : refuse(`Reshape: a 0 at position ${i} has no input dimension to copy`)) : d)) });

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

type Pads = [[number, number], [number, number]];
/** chainrule padding from ONNX auto_pad / pads (`[top, left, bottom, right]`). */
const paddingOf = (a: AttrMap): 'same' | 'valid' | Pads => {
  const auto = str(a, 'auto_pad', 'NOTSET');
  if (auto === 'SAME_UPPER') return 'same';
  if (auto === 'VALID') return 'valid';
  const p = ints(a, 'pads') ?? [0, 0, 0, 0];
  if (p.length !== 4) return refuse(`pads must have 4 entries for a 2-D window, got ${p.length}`);
  return [[p[0], p[2]], [p[1], p[3]]];
};
const pairAttr = (a: AttrMap, name: string, fallback: [number, number]): [number, number] => {
  const v = ints(a, name);
  if (v === undefined) return fallback;
  if (v.length !== 2) return refuse(`${name} must have 2 entries for a 2-D window, got ${v.length}`);
  return [v[0], v[1]];
};
const rank4 = (x: Tensor, op: string): Tensor => (x.shape.length === 4 ? x : refuse(`${op}: only 2-D (rank 4, NCHW) inputs are supported, got rank ${x.shape.length}`));

const windowAttrs = { auto_pad: 'string', ceil_mode: 'int', dilations: 'ints', kernel_shape: 'ints', pads: 'ints', strides: 'ints' } as const;
const pool = (f: typeof maxPool2d, op: string, extra: Readonly<Record<string, AttrKind>>): ImportRule => ({
  attrs: { ...windowAttrs, ...extra },
  check: (a) => [
    ...only({ auto_pad: ['NOTSET', 'VALID', 'SAME_UPPER'], ceil_mode: [0], storage_order: [0] })(a),
    // Counting the padding in an average differs from chainrule's only where there is padding.
    ...(int(a, 'count_include_pad', 0) !== 0 && (str(a, 'auto_pad', 'NOTSET') === 'SAME_UPPER' || (ints(a, 'pads') ?? []).some((p) => p !== 0))
      ? ['attribute count_include_pad = 1 with padding'] : []),
    ...((ints(a, 'dilations') ?? []).some((d) => d !== 1) ? ['attribute dilations other than 1'] : []),
    ...(a.has('kernel_shape') ? [] : ['attribute kernel_shape is required']),
  ],
  inputs: [1, 1],
  apply: ([x], a) => {
    const window = pairAttr(a, 'kernel_shape', [1, 1]);
    const y = f(transpose(rank4(need(x, 'X'), op), { perm: TO_NHWC }), { windowShape: window, strides: pairAttr(a, 'strides', [1, 1]), padding: paddingOf(a) });
    return transpose(y, { perm: TO_NCHW });
  },
});

const globalPool = (f: Reducer, op: string): ImportRule => ({ inputs: [1, 1], apply: ([x]) => f(rank4(need(x, 'X'), op), { axis: [2, 3], keepDims: true }) });

/** Per-channel parameters of shape [C] laid along axis 1 of a rank-r NC… input. */
const perChannel = (p: Tensor, rank: number): Tensor => reshape(p, { shape: [p.size, ...Array.from({ length: rank - 2 }, () => 1)] });

/** onnx MatMul: NumPy's matmul, where a 1-D operand is a row (left) or a column (right) that is then dropped. */
const onnxMatmul = (a: Tensor, b: Tensor): Tensor => {
  const a2 = a.shape.length === 1 ? reshape(a, { shape: [1, a.shape[0]] }) : a;
  const b2 = b.shape.length === 1 ? reshape(b, { shape: [b.shape[0], 1] }) : b;
  const y = matmul(a2, b2);
  if (a.shape.length > 1 && b.shape.length > 1) return y;
  const shape = [...y.shape.slice(0, -2), ...(a.shape.length > 1 ? [y.shape[y.shape.length - 2]] : []), ...(b.shape.length > 1 ? [y.shape[y.shape.length - 1]] : [])];
  return reshape(y, { shape });
};

/** The constants of all present inputs, or undefined when one is not a constant. */
const allStatic = (ins: readonly (In | undefined)[]): (Static | undefined)[] | undefined => {
  const out: (Static | undefined)[] = [];
  for (const x of ins) {
    if (x !== undefined && x.static === undefined) return undefined;
    out.push(x?.static);
  }
  return out;
};

/** Elementwise integer arithmetic on constants of equal shapes or with a one-element side. */
const foldArith = (f: (a: number, b: number) => number) => (ins: readonly (In | undefined)[]): Static | undefined => {
  const st = allStatic(ins);
  if (st === undefined || st.length !== 2 || st[0] === undefined || st[1] === undefined) return undefined;
  const [a, b] = st;
  if (a.integer !== true || b.integer !== true) return undefined;
  const n = Math.max(a.values.length, b.values.length);
  const shape = a.values.length >= b.values.length ? a.shape : b.shape;
  if (!(a.values.length === b.values.length || a.values.length === 1 || b.values.length === 1)) return undefined;
  if (a.values.length === b.values.length && a.shape.length !== b.shape.length) return undefined;
  const values = Array.from({ length: n }, (_, i) => f(a.values[a.values.length === 1 ? 0 : i], b.values[b.values.length === 1 ? 0 : i]));
  return values.every(Number.isSafeInteger) ? { shape, values, integer: true } : undefined;
};

const axisOf1 = (axis: number, rank: number): number | undefined => {
  const k = axis < 0 ? axis + rank : axis;
  return k >= 0 && k < rank ? k : undefined;
};

/**
 * The rule of each supported ONNX op (default domain), by op_type.
 *
 * @example
 * Object.keys(importRules).includes('Gemm') // true
 */
export const importRules: Readonly<Record<string, ImportRule>> = {
  Add: { ...binary(add), fold: foldArith((a, b) => a + b) },
  Sub: { ...binary(sub), fold: foldArith((a, b) => a - b) },
  Mul: { ...binary(mul), fold: foldArith((a, b) => a * b) },
  Div: { ...binary(div), fold: foldArith((a, b) => (b === 0 ? NaN : Math.trunc(a / b))) },
  Shape: {
    attrs: { start: 'int', end: 'int' },
    inputs: [1, 1],
    fromShapes: true,
    fold: ([x], a) => {
      const shape = need(x, 'data').shape;
      const r = shape.length;
      const clampTo = (p: number) => Math.min(r, Math.max(0, p < 0 ? p + r : p));
      const values = shape.slice(clampTo(int(a, 'start', 0)), clampTo(int(a, 'end', r)));
      return { shape: [values.length], values, integer: true };
    },
    apply: () => refuse('Shape: folds while tracing'),
  },
  Pow: binary(pow),
  Max: variadic(maximum),
  Min: variadic(minimum),
  Sum: variadic(add),
  Where: { inputs: [3, 3], apply: ([c, a, b]) => where(need(c, 'condition'), need(a, 'X'), need(b, 'Y')) },
  Equal: binary(equal),
  Less: binary(less),
  LessOrEqual: binary(lessEqual),
  Greater: binary(greater),
  GreaterOrEqual: binary(greaterEqual),
  // Booleans are held as 1/0 floats.
  Not: unary((x) => sub(scalarLike(x, 1), notEqual(x, scalarLike(x, 0)))),
  And: binary((a, b) => mul(notEqual(a, scalarLike(a, 0)), notEqual(b, scalarLike(b, 0)))),
  Or: binary((a, b) => maximum(notEqual(a, scalarLike(a, 0)), notEqual(b, scalarLike(b, 0)))),
  Neg: unary(neg),
  Exp: unary(exp),
  Log: unary(log),
  Sigmoid: unary(sigmoid),
  Abs: unary(abs),
  Sign: unary(sign),
  Floor: unary(floor),
  Ceil: unary((x) => neg(floor(neg(x)))),
  Sqrt: unary(sqrt),
  Reciprocal: unary(reciprocal),
  Sin: unary(sin),
  Cos: unary(cos),
  Tanh: unary(tanh),
  Relu: unary(relu),
  Erf: unary(erf),
  Softplus: unary(softplus),
  Identity: { ...unary((x) => x), fold: ([x]) => x?.static },
  Tan: unary(tan),
  Asin: unary(asin),
  Acos: unary(acos),
  Atan: unary(atan),
  Sinh: unary(sinh),
  Cosh: unary(cosh),
  Asinh: unary(asinh),
  Acosh: unary(acosh),
  Atanh: unary(atanh),
  Softsign: unary(softsign),
  Mish: unary(mish),
  HardSwish: unary(hardSwish),
  // γ·(x > 0 ? x : α·(eˣ − 1))
  Selu: {
    attrs: { alpha: 'float', gamma: 'float' },
    inputs: [1, 1],
    apply: ([xIn], a) => {
      const x = need(xIn, 'X');
      const alpha = float(a, 'alpha', 1.67326319217681884765625), gamma = float(a, 'gamma', 1.05070102214813232421875);
      return mul(where(greater(x, scalarLike(x, 0)), x, mul(expm1(x), alpha)), gamma);
    },
  },
  Gelu: {
    attrs: { approximate: 'string' },
    check: only({ approximate: ['none', 'tanh'] }),
    inputs: [1, 1],
    // tanh form: ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    apply: ([xIn], a) => {
      const x = need(xIn, 'X');
      if (str(a, 'approximate', 'none') === 'none') return gelu(x);
      const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
      return mul(mul(x, 0.5), add(tanh(inner), 1));
    },
  },
  LeakyRelu: { attrs: { alpha: 'float' }, inputs: [1, 1], apply: ([x], a) => leakyRelu(need(x, 'X'), { alpha: float(a, 'alpha', 0.01) }) },
  Elu: { attrs: { alpha: 'float' }, inputs: [1, 1], apply: ([x], a) => elu(need(x, 'X'), { alpha: float(a, 'alpha', 1) }) },
  HardSigmoid: {
    attrs: { alpha: 'float', beta: 'float' },
    inputs: [1, 1],
    apply: ([x], a) => clip(add(mul(need(x, 'X'), float(a, 'alpha', 0.2)), float(a, 'beta', 0.5)), { min: 0, max: 1 }),
  },
  Clip: {
    inputs: [1, 3],
    statics: [1, 2],
    apply: ([x, lo, hi]) => {
      const bound = (v: In | undefined): number | undefined => {
        const s = staticOf(v);
        return s === undefined ? undefined : s.length === 1 ? s[0] : refuse('Clip: min and max must be scalars');
      };
      const lower = bound(lo), upper = bound(hi);
      return clip(need(x, 'input'), { ...(lower === undefined ? {} : { min: lower }), ...(upper === undefined ? {} : { max: upper }) });
    },
  },
  Cast: {
    fold: ([x], a) => {
      const st = x?.static;
      const to = int(a, 'to', DataType.FLOAT);
      if (st === undefined) return undefined;
      if (to === DataType.FLOAT || to === DataType.DOUBLE) return { shape: st.shape, values: st.values };
      return { shape: st.shape, values: st.values.map((v) => (to === DataType.BOOL ? (v !== 0 ? 1 : 0) : Math.trunc(v))), integer: true };
    },
    attrs: { to: 'int', saturate: 'int' },
    check: (a) => (a.has('to') ? only({ to: [DataType.FLOAT, DataType.DOUBLE, DataType.BOOL, DataType.INT64, DataType.INT32] })(a) : ['attribute to is required']),
    inputs: [1, 1],
    apply: ([x], a) => {
      const v = need(x, 'input');
      const to = int(a, 'to', DataType.FLOAT);
      const dtype = dtypeOfCode(to);
      if (dtype !== undefined) return v.dtype === dtype ? v : cast(v, { dtype });
      // Integers stay floats holding integer values: truncation toward zero, as ONNX's Cast does.
      return to === DataType.BOOL ? notEqual(v, scalarLike(v, 0)) : mul(sign(v), floor(abs(v)));
    },
  },
  Dropout: {
    attrs: { seed: 'int' },
    inputs: [1, 3],
    statics: [1, 2],
    apply: ([x, , training]) => ((staticOf(training)?.[0] ?? 0) !== 0 ? refuse('Dropout: training_mode = true is not supported (import is for inference and fine-tuning without dropout)') : need(x, 'data')),
  },
  ReduceSum: reduction(sum, 13),
  ReduceMean: reduction(mean, 18),
  ReduceMax: reduction(max, 18),
  ReduceMin: reduction(min, 18),
  ReduceProd: reduction(prod, 18),
  ReduceLogSumExp: reduction(logsumexp, 18),
  ArgMax: argRule(argmax),
  ArgMin: argRule(argmin),
  Softmax: { attrs: { axis: 'int' }, inputs: [1, 1], apply: ([x], a) => softmax(need(x, 'input'), { axis: int(a, 'axis', -1) }) },
  LogSoftmax: { attrs: { axis: 'int' }, inputs: [1, 1], apply: ([x], a) => logSoftmax(need(x, 'input'), { axis: int(a, 'axis', -1) }) },
  Reshape: {
    attrs: { allowzero: 'int' },
    check: only({ allowzero: [0] }),
    inputs: [2, 2],
    statics: [1],
    apply: ([x, s]) => onnxReshape(need(x, 'data'), staticOf(s) ?? refuse('Reshape: shape is missing')),
  },
  Flatten: {
    attrs: { axis: 'int' },
    inputs: [1, 1],
    apply: ([x], a) => {
      const v = need(x, 'input');
      const r = v.shape.length;
      const axis = int(a, 'axis', 1);
      const k = axis < 0 ? axis + r : axis;
      if (k < 0 || k > r) return refuse(`Flatten: axis ${axis} is out of range for rank ${r}`);
      return reshape(v, { shape: [sizeOf(v.shape.slice(0, k)), sizeOf(v.shape.slice(k))] });
    },
  },
  Squeeze: {
    fold: ([x, axesIn]) => {
      const st = x?.static;
      if (st === undefined) return undefined;
      const given = staticOf(axesIn);
      const keep = st.shape.filter((d, i) => !(given === undefined ? d === 1 : given.some((g) => axisOf1(g, st.shape.length) === i)));
      return { ...st, shape: keep };
    },
    inputs: [1, 2],
    statics: [1],
    apply: ([x, axesIn]) => {
      const v = need(x, 'data');
      const given = staticOf(axesIn);
      const axes = given === undefined ? v.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes(given, v.shape.length);
      const list = Array.isArray(axes) ? axes : axes._tag === 'Left' ? refuse(`Squeeze: ${axes.left.message}`) : axes.right;
      for (const i of list) if (v.shape[i] !== 1) refuse(`Squeeze: axis ${i} has size ${v.shape[i]}, not 1`);
      return reshape(v, { shape: v.shape.filter((_, i) => !list.includes(i)) });
    },
  },
  Unsqueeze: {
    fold: ([x, axesIn]) => {
      const st = x?.static, axes = staticOf(axesIn);
      if (st === undefined || axes === undefined) return undefined;
      const rank = st.shape.length + axes.length;
      const at = axes.map((a) => axisOf1(a, rank));
      const shape: number[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) shape.push(at.includes(i) ? 1 : st.shape[k++]);
      return { ...st, shape };
    },
    inputs: [2, 2],
    statics: [1],
    apply: ([x, axesIn]) => {
      const v = need(x, 'data');
      const given = staticOf(axesIn) ?? [];
      const rank = v.shape.length + given.length;
      const axes = normalizeAxes(given, rank);
      if (axes._tag === 'Left') return refuse(`Unsqueeze: ${axes.left.message}`);
      const shape: number[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) shape.push(axes.right.includes(i) ? 1 : v.shape[k++]);
      return reshape(v, { shape });
    },
  },
  Transpose: {
    attrs: { perm: 'ints' },
    inputs: [1, 1],
    apply: ([x], a) => {
      const perm = ints(a, 'perm');
      return transpose(need(x, 'data'), perm === undefined ? {} : { perm });
    },
  },
  Expand: {
    inputs: [2, 2],
    statics: [1],
    apply: ([x, s]) => {
      const v = need(x, 'input');
      // ONNX's Expand broadcasts both ways: the result has the broadcast of the two shapes.
      const shape = broadcastShapes(v.shape, staticOf(s) ?? []);
      return shape._tag === 'Left' ? refuse(`Expand: ${shape.left.message}`) : broadcastTo(v, { shape: shape.right });
    },
  },
  Concat: {
    fold: (ins) => {
      const st = allStatic(ins);
      if (st === undefined || st.some((x) => x === undefined || x.shape.length !== 1)) return undefined;
      const values = st.flatMap((x) => [...x!.values]);
      return { shape: [values.length], values, integer: st.every((x) => x!.integer === true) };
    },
    attrs: { axis: 'int' }, check: (a) => (a.has('axis') ? [] : ['attribute axis is required']), inputs: [1, 2 ** 16], apply: (xs, a) => concat(xs.map((x, i) => need(x, `${i}`)), { axis: int(a, 'axis', 0) }) },
  Slice: {
    fold: ([x, startsIn, endsIn, axesIn, stepsIn]) => {
      const data = x?.static;
      const starts = staticOf(startsIn), ends = staticOf(endsIn), axes = staticOf(axesIn) ?? [0], steps = staticOf(stepsIn) ?? [1];
      if (data === undefined || data.shape.length !== 1 || starts?.length !== 1 || ends?.length !== 1 || axisOf1(axes[0], 1) !== 0 || steps[0] < 1) return undefined;
      const n = data.values.length;
      const clampTo = (p: number) => Math.min(n, Math.max(0, p < 0 ? p + n : p));
      const values: number[] = [];
      for (let k = clampTo(starts[0]); k < clampTo(ends[0]); k += steps[0]) values.push(data.values[k]);
      return { shape: [values.length], values, integer: data.integer };
    },
    inputs: [3, 5],
    statics: [1, 2, 3, 4],
    apply: ([x, startsIn, endsIn, axesIn, stepsIn]) => {
      const v = need(x, 'data');
      const r = v.shape.length;
      const starts = staticOf(startsIn) ?? [], ends = staticOf(endsIn) ?? [];
      const axes = staticOf(axesIn) ?? starts.map((_, i) => i);
      const steps = staticOf(stepsIn) ?? starts.map(() => 1);
      if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) refuse('Slice: starts, ends, axes and steps differ in length');
      const begin = v.shape.map(() => 0), size = [...v.shape], strides = v.shape.map(() => 1);
      // A negative step walks a reversed axis: flip it, and slice the flipped one forwards.
      const reversed: number[] = [];
      for (let i = 0; i < starts.length; i++) {
        const ax = axes[i] < 0 ? axes[i] + r : axes[i];
        if (!(ax >= 0 && ax < r)) refuse(`Slice: axis ${axes[i]} is out of range for rank ${r}`);
        if (steps[i] === 0) refuse('Slice: a step of 0');
        const n = v.shape[ax];
        const at = (p: number) => (p < 0 ? p + n : p);
        if (steps[i] > 0) {
          const b = Math.min(n, Math.max(0, at(starts[i]))), e = Math.min(n, Math.max(0, at(ends[i])));
          begin[ax] = b;
          size[ax] = Math.max(0, e - b);
          strides[ax] = steps[i];
        } else {
          const b = Math.min(n - 1, Math.max(0, at(starts[i]))), e = Math.min(n - 1, Math.max(-1, at(ends[i])));
          reversed.push(ax);
          begin[ax] = n - 1 - b;
          size[ax] = Math.max(0, b - e);
          strides[ax] = -steps[i];
        }
      }
      if (reversed.length > 0) return slice(flip(v, { axis: reversed }), { begin, size, strides });
      return slice(v, { begin, size, strides });
    },
  },
  Pad: {
    attrs: { mode: 'string' },
    check: only({ mode: ['constant'] }),
    inputs: [2, 4],
    statics: [1, 2, 3],
    apply: ([x, padsIn, valueIn, axesIn]) => {
      const v = need(x, 'data');
      const r = v.shape.length;
      const pads = staticOf(padsIn) ?? [];
      const axes = (staticOf(axesIn) ?? v.shape.map((_, i) => i)).map((a) => (a < 0 ? a + r : a));
      if (pads.length !== 2 * axes.length) refuse(`Pad: ${pads.length} pads for ${axes.length} axes`);
      const paddings = v.shape.map((): [number, number] => [0, 0]);
      axes.forEach((a, i) => {
        if (!(a >= 0 && a < r)) refuse(`Pad: axis ${a} is out of range for rank ${r}`);
        if (pads[i] < 0 || pads[i + axes.length] < 0) refuse('Pad: negative pads (cropping) are not supported');
        paddings[a] = [pads[i], pads[i + axes.length]];
      });
      return pad(v, { paddings, value: staticOf(valueIn)?.[0] ?? 0 });
    },
  },
  GatherElements: { attrs: { axis: 'int' }, inputs: [2, 2], apply: ([x, i], a) => takeAlongAxis(need(x, 'data'), need(i, 'indices'), { axis: int(a, 'axis', 0) }) },
  CumSum: {
    attrs: { exclusive: 'int', reverse: 'int' },
    inputs: [2, 2],
    statics: [1],
    apply: ([x, axisIn], a) => {
      const axis = staticOf(axisIn);
      if (axis === undefined || axis.length !== 1) return refuse('CumSum: the axis must be one constant');
      return cumsum(need(x, 'x'), { axis: axis[0], exclusive: int(a, 'exclusive', 0) !== 0, reverse: int(a, 'reverse', 0) !== 0 });
    },
  },
  // Values and indices of the k largest (or smallest) along an axis, from a stable argsort.
  TopK: {
    attrs: { axis: 'int', largest: 'int', sorted: 'int' },
    inputs: [2, 2],
    statics: [1],
    outputs: 2,
    apply: ([xIn, kIn], a) => {
      const x = need(xIn, 'X');
      const r = x.shape.length;
      const axis = axisOf1(int(a, 'axis', -1), r) ?? refuse(`TopK: axis ${int(a, 'axis', -1)} is out of range for rank ${r}`);
      const k = staticOf(kIn)?.[0] ?? refuse('TopK: K is missing');
      if (!(Number.isInteger(k) && k >= 0 && k <= x.shape[axis])) refuse(`TopK: K = ${k} is not in [0, ${x.shape[axis]}]`);
      const size = x.shape.map((d, i) => (i === axis ? k : d));
      const order = slice(argsort(x, { axis, descending: int(a, 'largest', 1) !== 0 }), { begin: x.shape.map(() => 0), size });
      return [takeAlongAxis(x, order, { axis }), order];
    },
  },
  // fmod = 1: a − b·trunc(a/b) (C's fmod); fmod = 0: a − b·floor(a/b) (the divisor's sign)
  Mod: {
    attrs: { fmod: 'int' },
    inputs: [2, 2],
    apply: ([aIn, bIn], a) => {
      const x = need(aIn, 'A'), y = need(bIn, 'B');
      const q = div(x, y);
      const whole = int(a, 'fmod', 0) !== 0 ? mul(sign(q), floor(abs(q))) : floor(q);
      return sub(x, mul(y, whole));
    },
  },
  Gather: {
    fold: ([x, i]) => {
      const data = x?.static, idx = i?.static;
      if (data === undefined || idx === undefined || data.shape.length !== 1) return undefined;
      const n = data.values.length;
      const values: number[] = [];
      for (const v of idx.values) {
        const k = v < 0 ? v + n : v;
        if (!(Number.isInteger(k) && k >= 0 && k < n)) return undefined;
        values.push(data.values[k]);
      }
      return { shape: idx.shape, values, integer: data.integer };
    },
    attrs: { axis: 'int' }, inputs: [2, 2], apply: ([x, i], a) => gather(need(x, 'data'), need(i, 'indices'), { axis: int(a, 'axis', 0) }) },
  MatMul: binary(onnxMatmul),
  Gemm: {
    attrs: { alpha: 'float', beta: 'float', transA: 'int', transB: 'int' },
    inputs: [2, 3],
    apply: ([aIn, bIn, cIn], a) => {
      const ab = matmul(need(aIn, 'A'), need(bIn, 'B'), { transposeA: int(a, 'transA', 0) !== 0, transposeB: int(a, 'transB', 0) !== 0 });
      const alpha = float(a, 'alpha', 1), beta = float(a, 'beta', 1);
      const y = alpha === 1 ? ab : mul(ab, alpha);
      if (cIn === undefined) return y;
      const c = cIn.tensor();
      return add(y, beta === 1 ? c : mul(c, beta));
    },
  },
  Conv: {
    attrs: { auto_pad: 'string', dilations: 'ints', group: 'int', kernel_shape: 'ints', pads: 'ints', strides: 'ints' },
    check: only({ auto_pad: ['NOTSET', 'VALID', 'SAME_UPPER'], group: [1] }),
    inputs: [2, 3],
    apply: ([xIn, wIn, bIn], a) => {
      const x = transpose(rank4(need(xIn, 'X'), 'Conv'), { perm: TO_NHWC });
      const w = transpose(rank4(need(wIn, 'W'), 'Conv'), { perm: [2, 3, 1, 0] });
      const y = conv2d(x, w, { padding: paddingOf(a), strides: pairAttr(a, 'strides', [1, 1]), dilations: pairAttr(a, 'dilations', [1, 1]) });
      return transpose(bIn === undefined ? y : add(y, bIn.tensor()), { perm: TO_NCHW });
    },
  },
  // The gradient of a conv with respect to its input: conv2dBackpropInput at the output size
  // (in − 1)·s + (k − 1)·d + 1 − pads + output_padding (or output_shape when given).
  ConvTranspose: {
    attrs: { auto_pad: 'string', dilations: 'ints', group: 'int', kernel_shape: 'ints', output_padding: 'ints', output_shape: 'ints', pads: 'ints', strides: 'ints' },
    check: only({ auto_pad: ['NOTSET', 'VALID'], group: [1] }),
    inputs: [2, 3],
    apply: ([xIn, wIn, bIn], a) => {
      const x = rank4(need(xIn, 'X'), 'ConvTranspose'), w = rank4(need(wIn, 'W'), 'ConvTranspose');
      const strides = pairAttr(a, 'strides', [1, 1]), dilations = pairAttr(a, 'dilations', [1, 1]);
      const p = str(a, 'auto_pad', 'NOTSET') === 'VALID' ? [0, 0, 0, 0] : ints(a, 'pads') ?? [0, 0, 0, 0];
      if (p.length !== 4) return refuse(`ConvTranspose: pads must have 4 entries, got ${p.length}`);
      const extra = pairAttr(a, 'output_padding', [0, 0]);
      const given = ints(a, 'output_shape');
      const size = (i: 0 | 1) => (x.shape[2 + i] - 1) * strides[i] + (w.shape[2 + i] - 1) * dilations[i] + 1 - p[i] - p[i + 2] + extra[i];
      if (given !== undefined && given.length !== 2) return refuse('ConvTranspose: output_shape must have 2 entries');
      const [h, wd] = given ?? [size(0), size(1)];
      const y = conv2dBackpropInput(transpose(x, { perm: TO_NHWC }), transpose(w, { perm: [2, 3, 1, 0] }), {
        padding: [[p[0], p[2]], [p[1], p[3]]], strides, dilations, inputShape: [x.shape[0], h, wd, w.shape[1]],
      });
      return transpose(bIn === undefined ? y : add(y, bIn.tensor()), { perm: TO_NCHW });
    },
  },
  MaxPool: pool(maxPool2d, 'MaxPool', { storage_order: 'int' }),
  // chainrule averages over the window's pixels inside the input only: count_include_pad = 0.
  AveragePool: pool(avgPool2d, 'AveragePool', { count_include_pad: 'int' }),
  GlobalAveragePool: globalPool(mean, 'GlobalAveragePool'),
  GlobalMaxPool: globalPool(max, 'GlobalMaxPool'),
  BatchNormalization: {
    attrs: { epsilon: 'float', momentum: 'float', training_mode: 'int' },
    check: only({ training_mode: [0] }),
    inputs: [5, 5],
    // y = (x − mean)/√(var + ε)·scale + B, per channel (axis 1)
    apply: ([xIn, scaleIn, bIn, meanIn, varIn], a) => {
      const x = need(xIn, 'X');
      const r = x.shape.length;
      const ch = (p: In | undefined, what: string) => perChannel(need(p, what), r);
      const inv = rsqrt(add(ch(varIn, 'input_var'), float(a, 'epsilon', 1e-5)));
      return add(mul(mul(sub(x, ch(meanIn, 'input_mean')), inv), ch(scaleIn, 'scale')), ch(bIn, 'B'));
    },
  },
  LayerNormalization: {
    attrs: { axis: 'int', epsilon: 'float', stash_type: 'int' },
    inputs: [2, 3],
    // y = (x − mean)/√(var + ε)·scale + B over the axes from `axis` on
    apply: ([xIn, scaleIn, bIn], a) => {
      const x = need(xIn, 'X');
      const r = x.shape.length;
      const axis = int(a, 'axis', -1);
      const k = axis < 0 ? axis + r : axis;
      if (k < 0 || k >= r) return refuse(`LayerNormalization: axis ${axis} is out of range for rank ${r}`);
      const axes = Array.from({ length: r - k }, (_, i) => k + i);
      const centred = sub(x, mean(x, { axis: axes, keepDims: true }));
      const y = mul(centred, rsqrt(add(variance(x, { axis: axes, keepDims: true }), float(a, 'epsilon', 1e-5))));
      const scaled = mul(y, need(scaleIn, 'Scale'));
      return bIn === undefined ? scaled : add(scaled, bIn.tensor());
    },
  },
};
