// 2-D max and average pooling kernels over NHWC input, with their gradients.

import type { FloatArray } from '@chainrule/core';
import { allocLike, convOutputSize, expectInts, type Pads2d, type Pair } from './conv.js';
import { shapeText } from '@chainrule/core';

// Window geometry shared by all four kernels.
interface PoolGeometry {
  readonly n: number; readonly h: number; readonly w: number; readonly c: number;
  readonly oh: number; readonly ow: number;
  /** For output row i, the input rows [rows[2i], rows[2i+1]) its window covers inside the input. */
  readonly rows: Int32Array;
  /** Likewise for output columns. */
  readonly cols: Int32Array;
}

// The part of each window along one axis that lies inside the input: padding is skipped, not read.
function windowRanges(outSize: number, inSize: number, window: number, stride: number, padBefore: number): Int32Array {
  const ranges = new Int32Array(2 * outSize);
  for (let i = 0; i < outSize; i++) {
    const start = i * stride - padBefore;
    ranges[2 * i] = Math.max(0, start);
    ranges[2 * i + 1] = Math.max(ranges[2 * i], Math.min(inSize, start + window));
  }
  return ranges;
}

function poolGeometry(xShape: readonly number[], window: Pair, strides: Pair, pads: Pads2d): PoolGeometry {
  expectInts('pool2d', 'xShape [N, H, W, C]', xShape, 4, 0);
  expectInts('pool2d', 'window', window, 2, 1);
  expectInts('pool2d', 'strides', strides, 2, 1);
  expectInts('pool2d', 'pads [top, bottom, left, right]', pads, 4, 0);
  const [n, h, w, c] = xShape;
  const [wh, ww] = window;
  const [sh, sw] = strides;
  const oh = convOutputSize(h, wh, sh, 1, pads[0], pads[1]);
  const ow = convOutputSize(w, ww, sw, 1, pads[2], pads[3]);
  return { n, h, w, c, oh, ow, rows: windowRanges(oh, h, wh, sh, pads[0]), cols: windowRanges(ow, w, ww, sw, pads[2]) };
}

function expectLength(name: string, length: number, size: number, shape: string): void {
  if (length !== size) throw new RangeError(`pool2d: ${name} has ${length} elements but ${shape} needs ${size}`);
}

/**
 * Max pooling: `out[n, i, j, c]` is the largest `x[n, y, x, c]` in the window at
 * `(i·sh − top, j·sw − left)`; padding never wins (as in TensorFlow) and NaN propagates.
 * `argmax` holds the flat input index of each maximum (the first one on ties) for the
 * backward pass; a window lying wholly in the padding gives `-Infinity` and index `-1`.
 *
 * @example
 * // 2×2 windows, stride 2, on a [1, 2, 2, 1] input
 * maxPool2dForward(new Float32Array([1, 5, 3, 2]), [1, 2, 2, 1], [2, 2], [2, 2], [0, 0, 0, 0])
 * // { out: Float32Array [5], argmax: Int32Array [1] }
 */
export function maxPool2dForward(
  x: FloatArray, xShape: readonly number[], window: Pair, strides: Pair, pads: Pads2d,
): { out: FloatArray; argmax: Int32Array } {
  const g = poolGeometry(xShape, window, strides, pads);
  const { n, h, w, c, oh, ow, rows, cols } = g;
  expectLength('x', x.length, n * h * w * c, `xShape ${shapeText(xShape)}`);
  const size = n * oh * ow * c;
  const out = allocLike(x, size).fill(-Infinity);
  const argmax = new Int32Array(size).fill(-1);
  let o = 0;
  for (let img = 0; img < n; img++) {
    for (let oy = 0; oy < oh; oy++) {
      const yStart = rows[2 * oy], yEnd = rows[2 * oy + 1];
      for (let ox = 0; ox < ow; ox++) {
        const xStart = cols[2 * ox], xEnd = cols[2 * ox + 1];
        for (let iy = yStart; iy < yEnd; iy++) {
          for (let ix = xStart; ix < xEnd; ix++) {
            const s = ((img * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[s + ch], best = out[o + ch];
              // Take the first element, anything larger, and the first NaN (then keep it).
              if (argmax[o + ch] < 0 || v > best || (v !== v && best === best)) {
                out[o + ch] = v;
                argmax[o + ch] = s + ch;
              }
            }
          }
        }
        o += c;
      }
    }
  }
  return { out, argmax };
}

/**
 * Gradient of {@link maxPool2dForward}: routes each `dy` element to the input position that won
 * its window (`argmax`), adding where windows overlap. Returns `dx` of length `xSize`, of `dy`'s type.
 *
 * @example
 * const { out, argmax } = maxPool2dForward(x, xShape, [2, 2], [2, 2], [0, 0, 0, 0]);
 * const dx = maxPool2dBackward(dy, argmax, x.length);
 */
export function maxPool2dBackward(dy: FloatArray, argmax: Int32Array, xSize: number): FloatArray {
  expectLength('dy', dy.length, argmax.length, 'argmax');
  const dx = allocLike(dy, xSize);
  for (let i = 0; i < dy.length; i++) {
    const j = argmax[i];
    if (j >= 0) dx[j] += dy[i];
  }
  return dx;
}

/**
 * Average pooling: `out[n, i, j, c]` is the mean of `x` over the window's positions that fall
 * inside the input (padding is not counted, as in TensorFlow); an all-padding window gives 0.
 *
 * @example
 * avgPool2dForward(new Float32Array([1, 2, 3, 4]), [1, 2, 2, 1], [2, 2], [1, 1], [0, 1, 0, 1])
 * // Float32Array [2.5, 3, 3.5, 4]  (the last column and row average fewer elements)
 */
export function avgPool2dForward(
  x: FloatArray, xShape: readonly number[], window: Pair, strides: Pair, pads: Pads2d,
): FloatArray {
  const g = poolGeometry(xShape, window, strides, pads);
  const { n, h, w, c, oh, ow, rows, cols } = g;
  expectLength('x', x.length, n * h * w * c, `xShape ${shapeText(xShape)}`);
  const out = allocLike(x, n * oh * ow * c);
  const sum = new Float64Array(c);
  let o = 0;
  for (let img = 0; img < n; img++) {
    for (let oy = 0; oy < oh; oy++) {
      const yStart = rows[2 * oy], yEnd = rows[2 * oy + 1];
      for (let ox = 0; ox < ow; ox++) {
        const xStart = cols[2 * ox], xEnd = cols[2 * ox + 1];
        const count = (yEnd - yStart) * (xEnd - xStart);
        sum.fill(0);
        for (let iy = yStart; iy < yEnd; iy++) {
          for (let ix = xStart; ix < xEnd; ix++) {
            const s = ((img * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) sum[ch] += x[s + ch];
          }
        }
        const scale = count > 0 ? 1 / count : 0;
        for (let ch = 0; ch < c; ch++) out[o + ch] = sum[ch] * scale;
        o += c;
      }
    }
  }
  return out;
}

/**
 * Gradient of {@link avgPool2dForward}: spreads each `dy` element evenly over the unpadded
 * positions of its window. Returns `dx [N, H, W, C]` of `dy`'s type.
 *
 * @example
 * const dx = avgPool2dBackward(dy, [32, 28, 28, 8], [2, 2], [2, 2], [0, 0, 0, 0]);
 */
export function avgPool2dBackward(
  dy: FloatArray, xShape: readonly number[], window: Pair, strides: Pair, pads: Pads2d,
): FloatArray {
  const g = poolGeometry(xShape, window, strides, pads);
  const { n, h, w, c, oh, ow, rows, cols } = g;
  expectLength('dy', dy.length, n * oh * ow * c, `the output shape [${n}, ${oh}, ${ow}, ${c}]`);
  const dx = allocLike(dy, n * h * w * c);
  let o = 0;
  for (let img = 0; img < n; img++) {
    for (let oy = 0; oy < oh; oy++) {
      const yStart = rows[2 * oy], yEnd = rows[2 * oy + 1];
      for (let ox = 0; ox < ow; ox++) {
        const xStart = cols[2 * ox], xEnd = cols[2 * ox + 1];
        const count = (yEnd - yStart) * (xEnd - xStart);
        if (count > 0) {
          const scale = 1 / count;
          for (let iy = yStart; iy < yEnd; iy++) {
            for (let ix = xStart; ix < xEnd; ix++) {
              const s = ((img * h + iy) * w + ix) * c;
              for (let ch = 0; ch < c; ch++) dx[s + ch] += dy[o + ch] * scale;
            }
          }
        }
        o += c;
      }
    }
  }
  return dx;
}
