// Kernels for unary elementwise ops and broadcasting binary ops: op-code tables and the broadcast row layout handed to wasm.

import type { Kernel, Shape } from '@chainrule/core';
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

const unaryKernel = (rt: WasmRuntime, name: string, code: number): Kernel<{ readonly alpha?: number }> => {
  const alphaDefault = ALPHA_DEFAULTS[name] ?? 0;
  return ([x], out, attrs) => {
    const f = new Frame(rt);
    const px = f.take(x.byteLength), py = f.take(out.byteLength);
    f.commit();
    rt.put(x, px);
    (out instanceof Float64Array ? rt.exports.unaryF64 : rt.exports.unaryF32)(code, px, py, out.length, attrs.alpha ?? alphaDefault);
    rt.get(out, py);
  };
};

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
  const ia = broadcastIndex(pa.slice(0, split), outer), ib = broadcastIndex(pb.slice(0, split), outer);
  const aw = aFull === false ? 1 : w, bw = bFull === false ? 1 : w;
  for (let i = 0; i < ia.length; i++) { ia[i] *= aw; ib[i] *= bw; }
  return { rows: ia.length, w, aRows: ia, aStep: aFull === false ? 0 : 1, bRows: ib, bStep: bFull === false ? 0 : 1 };
};

const binaryKernel = (rt: WasmRuntime, code: number): Kernel => ([a, b], out, _attrs, avals) => {
  if (out.length === 0) return;
  const l = rowLayout(avals.inputs[0].shape, avals.inputs[1].shape, avals.output.shape);
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
