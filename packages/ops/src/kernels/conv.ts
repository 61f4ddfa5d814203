// 2-D convolution kernels (NHWC input, HWIO filter) and their two gradients, as im2col + matmul.

import {
  sizeOf, type FloatArray, shapeText } from '@chainrule/core';
import { matmulInto } from '@chainrule/core/kernels';

/** Explicit zero padding `[top, bottom, left, right]`, in input pixels. */
export type Pads2d = readonly [number, number, number, number];
/** A `[height, width]` pair: strides, dilations, windows. */
export type Pair = readonly [number, number];

/**
 * Output length of one spatial axis of a convolution or pooling window.
 *
 * @example
 * convOutputSize(28, 3, 1, 1, 1, 1) // 28  (3×3, SAME)
 * convOutputSize(28, 3, 2, 1, 0, 0) // 13  (3×3, stride 2, VALID)
 */
export function convOutputSize(
  inSize: number, k: number, stride: number, dilation: number, padBefore: number, padAfter: number,
): number {
  const span = dilation * (k - 1) + 1;
  return Math.max(0, Math.floor((inSize + padBefore + padAfter - span) / stride) + 1);
}

/**
 * TensorFlow's SAME padding for one axis: the output has `ceil(inSize / stride)` positions and
 * the padding is split evenly, the odd pixel going after (bottom/right).
 *
 * @example
 * samePadding(28, 3, 1, 1) // [1, 1]
 * samePadding(5, 2, 2, 1)  // [0, 1]
 */
export function samePadding(inSize: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(inSize / stride);
  const span = dilation * (k - 1) + 1;
  const total = Math.max(0, (out - 1) * stride + span - inSize);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

// Everything a convolution's loops need, derived once from the shapes and attributes.
interface ConvGeometry {
  readonly n: number; readonly h: number; readonly w: number; readonly c: number;
  readonly kh: number; readonly kw: number; readonly o: number;
  readonly oh: number; readonly ow: number;
  readonly sh: number; readonly sw: number; readonly dh: number; readonly dw: number;
  readonly padTop: number; readonly padLeft: number;
  /** Rows of the im2col matrix: one per output pixel, N·OH·OW. */
  readonly rows: number;
  /** Columns of the im2col matrix: one per filter tap, KH·KW·C. */
  readonly taps: number;
  /** True when the im2col matrix is the input itself (1×1 filter, stride 1, no padding). */
  readonly pointwise: boolean;
}

// im2col is built in chunks of output rows, so its scratch stays small (and in L2 when the
// matmul reads it back) however large the batch. Measured on the MNIST-sized bench: 2¹⁴–2¹⁶
// elements are equally fast; 2¹⁸ is ~10% slower, the fresh pages costing more than the copy.
const COL_CHUNK_ELEMENTS = 1 << 16;

/**
 * Throws a RangeError naming the kernel and argument unless `values` are `length` integers ≥ `min`.
 * Shared by the conv and pool kernels.
 *
 * @example
 * expectInts('conv2d', 'strides', [1, 0], 2, 1) // throws "conv2d: strides must be 2 integers ≥ 1, got [1, 0]"
 */
export function expectInts(kernel: string, name: string, values: readonly number[], length: number, min: number): void {
  if (values.length !== length || values.some((v) => !Number.isInteger(v) || v < min)) {
    throw new RangeError(`${kernel}: ${name} must be ${length} integers ≥ ${min}, got [${values.join(', ')}]`);
  }
}

function convGeometry(xShape: readonly number[], wShape: readonly number[], strides: Pair, dilations: Pair, pads: Pads2d): ConvGeometry {
  expectInts('conv2d', 'xShape [N, H, W, C]', xShape, 4, 0);
  expectInts('conv2d', 'wShape [KH, KW, C, O]', wShape, 4, 0);
  expectInts('conv2d', 'filter size [KH, KW]', wShape.slice(0, 2), 2, 1);
  expectInts('conv2d', 'strides', strides, 2, 1);
  expectInts('conv2d', 'dilations', dilations, 2, 1);
  expectInts('conv2d', 'pads [top, bottom, left, right]', pads, 4, 0);
  const [n, h, w, c] = xShape;
  const [kh, kw, wc, o] = wShape;
  if (wc !== c) {
    throw new RangeError(`conv2d: filter has ${wc} input channels but the input has ${c} (xShape ${shapeText(xShape)}, wShape ${shapeText(wShape)})`);
  }
  const [sh, sw] = strides;
  const [dh, dw] = dilations;
  const oh = convOutputSize(h, kh, sh, dh, pads[0], pads[1]);
  const ow = convOutputSize(w, kw, sw, dw, pads[2], pads[3]);
  const pointwise = kh === 1 && kw === 1 && sh === 1 && sw === 1 && pads.every((p) => p === 0);
  return { n, h, w, c, kh, kw, o, oh, ow, sh, sw, dh, dw, padTop: pads[0], padLeft: pads[2], rows: n * oh * ow, taps: kh * kw * c, pointwise };
}

function expectLength(name: string, arr: FloatArray, shape: readonly number[]): void {
  const size = sizeOf(shape);
  if (arr.length !== size) {
    throw new RangeError(`conv2d: ${name} has ${arr.length} elements but its shape ${shapeText(shape)} needs ${size}`);
  }
}

function expectOutputShape(g: ConvGeometry, dyShape: readonly number[]): void {
  if (dyShape.length !== 4 || dyShape[0] !== g.n || dyShape[1] !== g.oh || dyShape[2] !== g.ow || dyShape[3] !== g.o) {
    throw new RangeError(`conv2d: dyShape ${shapeText(dyShape)} is not the output shape [${g.n}, ${g.oh}, ${g.ow}, ${g.o}]`);
  }
}

/**
 * A new zeroed array of `size` elements with the same element type as `arr`.
 *
 * @example
 * allocLike(new Float64Array(3), 5) // Float64Array(5) [0, 0, 0, 0, 0]
 */
export const allocLike = (arr: FloatArray, size: number): FloatArray =>
  arr instanceof Float64Array ? new Float64Array(size) : new Float32Array(size);

// How many im2col rows one chunk holds (at least one).
const chunkRows = (g: ConvGeometry): number => Math.max(1, Math.floor(COL_CHUNK_ELEMENTS / Math.max(1, g.taps)));

// Moves data between an NHWC input and im2col rows r0..r0+count. Gathering (im2col) fills each
// row (n, oh, ow) with the input patch under that output pixel, ordered (kh, kw, c) like the
// filter's first three axes, padding reading as 0. Scattering (col2im, the adjoint) adds each
// row's patch gradient back onto the pixels it came from; overlapping windows add up.
function transferPatches(img: FloatArray, g: ConvGeometry, r0: number, count: number, col: FloatArray, scatter: boolean): void {
  const { h, w, c, kh, kw, oh, ow, sh, sw, dh, dw, padTop, padLeft } = g;
  const run = kw * c; // one filter row of a patch
  let ox = r0 % ow;
  let oy = Math.floor(r0 / ow) % oh;
  let n = Math.floor(r0 / (ow * oh));
  let d = 0;
  for (let r = 0; r < count; r++) {
    const iy0 = oy * sh - padTop, ix0 = ox * sw - padLeft;
    // Away from the left/right border with no horizontal dilation, a filter row is one
    // contiguous run of kw·c values: copy it in one loop instead of kw short ones.
    const contiguous = dw === 1 && ix0 >= 0 && ix0 + kw <= w;
    for (let ky = 0; ky < kh; ky++, d += run) {
      const iy = iy0 + ky * dh;
      if (iy < 0 || iy >= h) {
        if (!scatter) for (let t = 0; t < run; t++) col[d + t] = 0;
        continue;
      }
      const rowBase = (n * h + iy) * w;
      if (contiguous) {
        const src = (rowBase + ix0) * c;
        if (scatter) for (let t = 0; t < run; t++) img[src + t] += col[d + t];
        else for (let t = 0; t < run; t++) col[d + t] = img[src + t];
        continue;
      }
      for (let kx = 0; kx < kw; kx++) {
        const ix = ix0 + kx * dw;
        const dst = d + kx * c;
        if (ix < 0 || ix >= w) {
          if (!scatter) for (let ch = 0; ch < c; ch++) col[dst + ch] = 0;
          continue;
        }
        const src = (rowBase + ix) * c;
        if (scatter) for (let ch = 0; ch < c; ch++) img[src + ch] += col[dst + ch];
        else for (let ch = 0; ch < c; ch++) col[dst + ch] = img[src + ch];
      }
    }
    if (++ox === ow) { ox = 0; if (++oy === oh) { oy = 0; n++; } }
  }
}

/**
 * 2-D convolution (cross-correlation, as in every deep-learning library):
 * `y[n, i, j, o] = Σ_{ky, kx, c} x[n, i·sh + ky·dh − top, j·sw + kx·dw − left, c] · w[ky, kx, c, o]`,
 * reading zeros in the padding. Returns the output `[N, OH, OW, O]` as a new array of `x`'s type.
 *
 * @example
 * // a batch of 32 MNIST-like images through a 3×3 filter bank with 8 outputs, SAME padding
 * const [pt, pb] = samePadding(28, 3, 1, 1), [pl, pr] = samePadding(28, 3, 1, 1);
 * const y = conv2dForward(x, [32, 28, 28, 1], w, [3, 3, 1, 8], [1, 1], [1, 1], [pt, pb, pl, pr]);
 * // y.length === 32 * 28 * 28 * 8
 */
export function conv2dForward(
  x: FloatArray, xShape: readonly number[],
  w: FloatArray, wShape: readonly number[],
  strides: Pair, dilations: Pair, pads: Pads2d,
): FloatArray {
  const g = convGeometry(xShape, wShape, strides, dilations, pads);
  expectLength('x', x, xShape);
  expectLength('w', w, wShape);
  const y = allocLike(x, g.rows * g.o);
  if (g.pointwise) {
    matmulInto(x, 0, w, 0, y, 0, g.rows, g.taps, g.o, false, false);
    return y;
  }
  const step = chunkRows(g);
  const col = allocLike(x, Math.min(step, g.rows) * g.taps);
  for (let r0 = 0; r0 < g.rows; r0 += step) {
    const count = Math.min(step, g.rows - r0);
    transferPatches(x, g, r0, count, col, false);
    // y[rows, O] = col[rows, taps] · w[taps, O]
    matmulInto(col, 0, w, 0, y, r0 * g.o, count, g.taps, g.o, false, false);
  }
  return y;
}

/**
 * Gradient of {@link conv2dForward} with respect to its input: given the output cotangent
 * `dy [N, OH, OW, O]`, returns `dx [N, H, W, C]` (a new array of `dy`'s type). This is the
 * "transposed convolution" of `dy` with `w`.
 *
 * @example
 * const dx = conv2dBackwardInput(dy, [32, 28, 28, 8], w, [3, 3, 1, 8], [32, 28, 28, 1], [1, 1], [1, 1], [1, 1, 1, 1]);
 */
export function conv2dBackwardInput(
  dy: FloatArray, dyShape: readonly number[],
  w: FloatArray, wShape: readonly number[],
  xShape: readonly number[],
  strides: Pair, dilations: Pair, pads: Pads2d,
): FloatArray {
  const g = convGeometry(xShape, wShape, strides, dilations, pads);
  expectOutputShape(g, dyShape);
  expectLength('dy', dy, dyShape);
  expectLength('w', w, wShape);
  const dx = allocLike(dy, g.n * g.h * g.w * g.c);
  if (g.pointwise) {
    matmulInto(dy, 0, w, 0, dx, 0, g.rows, g.o, g.taps, false, true);
    return dx;
  }
  const step = chunkRows(g);
  const dcol = allocLike(dy, Math.min(step, g.rows) * g.taps);
  for (let r0 = 0; r0 < g.rows; r0 += step) {
    const count = Math.min(step, g.rows - r0);
    // dcol[rows, taps] = dy[rows, O] · w[taps, O]ᵀ, then scatter the patches back.
    matmulInto(dy, r0 * g.o, w, 0, dcol, 0, count, g.o, g.taps, false, true);
    transferPatches(dx, g, r0, count, dcol, true);
  }
  return dx;
}

/**
 * Gradient of {@link conv2dForward} with respect to its filter: given the input `x` and the
 * output cotangent `dy`, returns `dw [KH, KW, C, O]` (a new array of `x`'s type).
 *
 * @example
 * const dw = conv2dBackwardFilter(x, [32, 28, 28, 1], dy, [32, 28, 28, 8], [3, 3, 1, 8], [1, 1], [1, 1], [1, 1, 1, 1]);
 */
export function conv2dBackwardFilter(
  x: FloatArray, xShape: readonly number[],
  dy: FloatArray, dyShape: readonly number[],
  wShape: readonly number[],
  strides: Pair, dilations: Pair, pads: Pads2d,
): FloatArray {
  const g = convGeometry(xShape, wShape, strides, dilations, pads);
  expectOutputShape(g, dyShape);
  expectLength('x', x, xShape);
  expectLength('dy', dy, dyShape);
  const size = g.taps * g.o;
  const dw = allocLike(x, size);
  if (g.pointwise) {
    matmulInto(x, 0, dy, 0, dw, 0, g.taps, g.rows, g.o, true, false);
    return dw;
  }
  const step = chunkRows(g);
  const col = allocLike(x, Math.min(step, g.rows) * g.taps);
  // Partial sums are kept in float64 so a float32 gradient summed over many chunks loses nothing.
  const acc = new Float64Array(size);
  const part = allocLike(x, size);
  for (let r0 = 0; r0 < g.rows; r0 += step) {
    const count = Math.min(step, g.rows - r0);
    transferPatches(x, g, r0, count, col, false);
    // dw[taps, O] += col[rows, taps]ᵀ · dy[rows, O]
    matmulInto(col, 0, dy, r0 * g.o, part, 0, g.taps, count, g.o, true, false);
    for (let i = 0; i < size; i++) acc[i] += part[i];
  }
  for (let i = 0; i < size; i++) dw[i] = acc[i];
  return dw;
}
