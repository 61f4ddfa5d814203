// Kernels for unary elementwise ops and broadcasting binary ops: op-code tables and the broadcast row layout handed to wasm.

import { shapesEqual, sizeOf, type Kernel, type Shape } from '@chainrule/core';
import { broadcastIndex } from '@chainrule/core/kernels';
import { Frame, type WasmRuntime } from './runtime.js';

// Op codes of assembly/elementwise.ts; codes ≥ 16 run per lane in float64 scalar maths.
const UNARY_CODES: Readonly<Record<string, number>> = {
  'core.neg': 0, 'ops.abs': 1, 'ops.relu': 2, 'ops.square': 3, 'ops.sqrt': 4, 'ops.reciprocal': 5, 'ops.floor': 6,
  'core.exp': 16, 'core.log': 17, 'core.sigmoid': 18, 'ops.tanh': 19, 'ops.leakyRelu': 20, 'ops.elu': 21,
  'ops.softplus': 22, 'ops.silu': 23, 'ops.rsqrt': 24, 'ops.sin': 25, 'ops.cos': 26, 'ops.expm1': 27,
  'ops.log1p': 28, 'ops.sign': 29, 'ops.round': 30,
};

// The reference defaults of the ops that take an `alpha`.
const ALPHA_DEFAULTS: Readonly<Record<string, number>> = { 'ops.leakyRelu': 0.2, 'ops.elu': 1 };

const BINARY_CODES: Readonly<Record<string, number>> = {
  'core.add': 0, 'core.sub': 1, 'core.mul': 2, 'core.div': 3, 'ops.maximum': 4, 'ops.minimum': 5,
  'ops.equal': 6, 'ops.notEqual': 7, 'ops.less': 8, 'ops.lessEqual': 9, 'ops.greater': 10, 'ops.greaterEqual': 11,
};

/**
 * Tensors up to this many elements run in JavaScript: below it, the copies in and out and the
 * call into wasm cost more than the loop (measured on the bench's per-op chain of [4] tensors).
 */
export const SMALL = 64;

const sigmoidOf = (v: number): number => {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
};

// The scalar functions of assembly/elementwise.ts in JavaScript, for small tensors: the same
// formulas as the reference kernels, so small results equal the reference exactly.
const SMALL_UNARY: Readonly<Record<number, (v: number, alpha: number) => number>> = {
  0: (v) => -v, 1: Math.abs, 2: (v) => (v > 0 ? v : v === v ? 0 : v), 3: (v) => v * v, 4: Math.sqrt, 5: (v) => 1 / v, 6: Math.floor,
  16: Math.exp, 17: Math.log, 18: sigmoidOf, 19: Math.tanh, 20: (v, a) => (v > 0 ? v : a * v), 21: (v, a) => (v > 0 ? v : a * Math.expm1(v)),
  22: (v) => (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v))), 23: (v) => (v >= 0 ? v / (1 + Math.exp(-v)) : (v * Math.exp(v)) / (1 + Math.exp(v))), 24: (v) => 1 / Math.sqrt(v),
  25: Math.sin, 26: Math.cos, 27: Math.expm1, 28: Math.log1p, 29: Math.sign, 30: (v) => Math.sign(v) * Math.round(Math.abs(v)),
};

const SMALL_BINARY: Readonly<Record<number, (a: number, b: number) => number>> = {
  0: (a, b) => a + b, 1: (a, b) => a - b, 2: (a, b) => a * b, 3: (a, b) => a / b, 4: Math.max, 5: Math.min,
  6: (a, b) => (a === b ? 1 : 0), 7: (a, b) => (a !== b ? 1 : 0), 8: (a, b) => (a < b ? 1 : 0),
  9: (a, b) => (a <= b ? 1 : 0), 10: (a, b) => (a > b ? 1 : 0), 11: (a, b) => (a >= b ? 1 : 0),
};

const unaryKernel = (rt: WasmRuntime, name: string, code: number): Kernel<{ readonly alpha?: number }> => {
  const alphaDefault = ALPHA_DEFAULTS[name] ?? 0;
  const small = SMALL_UNARY[code];
  return ([x], out, attrs) => {
    if (out.length <= SMALL) {
      const alpha = attrs.alpha ?? alphaDefault;
      for (let i = 0; i < out.length; i++) out[i] = small(x[i], alpha);
      return;
    }
    const f = new Frame(rt);
    const px = f.take(x.byteLength), py = f.take(out.byteLength);
    f.commit();
    rt.put(x, px);
    (out instanceof Float64Array ? rt.exports.unaryF64 : rt.exports.unaryF32)(code, px, py, out.length, attrs.alpha ?? alphaDefault);
    rt.get(out, py);
  };
};

const ZERO_ROW = Int32Array.of(0);

/** How a broadcast binary op walks its output: rows of `w` elements, each operand's row starts and steps. */
export interface RowLayout {
  readonly rows: number;
  readonly w: number;
  readonly aRows: Int32Array;
  readonly aStep: 0 | 1;
  readonly bRows: Int32Array;
  readonly bStep: 0 | 1;
}

/**
 * Splits a broadcast `a ⊕ b → out` into rows: the longest run of trailing output dims along
 * which each operand is either full (steps 1) or broadcast (steps 0) becomes one row of
 * length w; the leading dims give each row's start in a and in b.
 *
 * @example
 * rowLayout([128, 256], [256], [128, 256]) // 128 rows of 256; a starts at r·256, b at 0
 */
export const rowLayout = (sa: Shape, sb: Shape, so: Shape): RowLayout => {
  // The common cases without index tables: equal shapes, or one operand a single value.
  const n = sizeOf(so), na = sizeOf(sa), nb = sizeOf(sb);
  if ((na === n || na === 1) && (nb === n || nb === 1) && (n === 1 || shapesEqual(sa, so) || na === 1) && (n === 1 || shapesEqual(sb, so) || nb === 1)) {
    return { rows: 1, w: n, aRows: ZERO_ROW, aStep: na === n ? 1 : 0, bRows: ZERO_ROW, bStep: nb === n ? 1 : 0 };
  }
  const r = so.length;
  const pa = [...new Array<number>(r - sa.length).fill(1), ...sa], pb = [...new Array<number>(r - sb.length).fill(1), ...sb];
  let split = r, aFull: boolean | undefined, bFull: boolean | undefined;
  for (; split > 0; split--) {
    const d = split - 1;
    if (so[d] === 1) continue;
    const af = pa[d] !== 1, bf = pb[d] !== 1;
    if (aFull === undefined) { aFull = af; bFull = bf; } else if (af !== aFull || bf !== bFull) break;
  }
  let w = 1;
  for (let d = split; d < r; d++) w *= so[d];
  const outer = so.slice(0, split);
  const aw = aFull === false ? 1 : w, bw = bFull === false ? 1 : w;
  const ia = rowStarts(pa.slice(0, split), outer, aw), ib = rowStarts(pb.slice(0, split), outer, bw);
  return { rows: ia.length, w, aRows: ia, aStep: aFull === false ? 0 : 1, bRows: ib, bStep: bFull === false ? 0 : 1 };
};

// Where each output row starts in an operand of outer shape `inner` (broadcast to `outer`),
// in elements: r·rowLength when the operand has every outer dim (the common bias-add shape),
// 0 when it has none, else the general broadcast index.
const rowStarts = (inner: Shape, outer: Shape, rowLength: number): Int32Array => {
  const rows = sizeOf(outer);
  if (shapesEqual(inner, outer)) {
    const r = new Int32Array(rows);
    for (let i = 0; i < rows; i++) r[i] = i * rowLength;
    return r;
  }
  if (sizeOf(inner) === 1) return new Int32Array(rows);
  const r = broadcastIndex(inner, outer);
  for (let i = 0; i < rows; i++) r[i] *= rowLength;
  return r;
};

const binaryKernel = (rt: WasmRuntime, code: number): Kernel => {
  const small = SMALL_BINARY[code];
  return ([a, b], out, _attrs, avals) => {
  if (out.length === 0) return;
  const l = rowLayout(avals.inputs[0].shape, avals.inputs[1].shape, avals.output.shape);
  if (out.length <= SMALL) {
    for (let r = 0; r < l.rows; r++) {
      const ia = l.aRows[r], ib = l.bRows[r], o = r * l.w;
      for (let j = 0; j < l.w; j++) out[o + j] = small(a[ia + j * l.aStep], b[ib + j * l.bStep]);
    }
    return;
  }
  const f = new Frame(rt);
  const pa = f.take(a.byteLength), pb = f.take(b.byteLength), po = f.take(out.byteLength);
  const ra = f.take(l.rows * 4), rb = f.take(l.rows * 4);
  f.commit();
  rt.put(a, pa);
  rt.put(b, pb);
  rt.putInt32(l.aRows, ra);
  rt.putInt32(l.bRows, rb);
  (out instanceof Float64Array ? rt.exports.binaryF64 : rt.exports.binaryF32)(code, pa, ra, l.aStep, pb, rb, l.bStep, po, l.rows, l.w);
  rt.get(out, po);
  };
};

/**
 * The unary and binary elementwise kernels of a runtime, keyed by op name.
 *
 * @example
 * elementwiseKernels(instantiate())['core.add']
 */
export const elementwiseKernels = (rt: WasmRuntime): Record<string, Kernel> => {
  const table: Record<string, Kernel> = {};
  for (const [name, code] of Object.entries(UNARY_CODES)) table[name] = unaryKernel(rt, name, code);
  for (const [name, code] of Object.entries(BINARY_CODES)) table[name] = binaryKernel(rt, code);
  return table;
};
