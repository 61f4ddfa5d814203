// Shapes: sizes, strides, axis normalisation and NumPy broadcasting rules.

import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';
import type { ShapeError } from './errors.js';
import { shapeProblem } from './limits.js';

/** A tensor shape: one non-negative integer per dimension, outermost first. */
export type Shape = readonly number[];

/**
 * Number of elements of a shape (1 for a scalar).
 *
 * @example
 * sizeOf([2, 3]) // 6
 */
export const sizeOf = (shape: Shape): number => {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
};

/**
 * Row-major strides of a shape, in elements.
 *
 * @example
 * stridesOf([2, 3, 4]) // [12, 4, 1]
 */
export const stridesOf = (shape: Shape): number[] => {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
};

/**
 * Whether two shapes are equal.
 *
 * @example
 * shapesEqual([2, 3], [2, 3]) // true
 */
export const shapesEqual = (a: Shape, b: Shape): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/**
 * The broadcast shape of two shapes under NumPy rules, or a Left naming the clashing dims.
 *
 * @example
 * broadcastShapes([2, 1, 3], [4, 3]) // right([2, 4, 3])
 */
export const broadcastShapes = (a: Shape, b: Shape): Either<ShapeError, number[]> => {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      return left({
        _tag: 'ShapeMismatch',
        message: `shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast (dimension ${i}: ${da} vs ${db})`,
      });
    }
  }
  return right(out);
};

/**
 * Normalises `axis` (a number, an array, or undefined for all axes) against a rank:
 * negative axes count from the end; the result is sorted and unique. Left when out of range.
 *
 * @example
 * normalizeAxes(-1, 3) // right([2])
 */
export const normalizeAxes = (
  axis: number | readonly number[] | undefined,
  rank: number,
): Either<ShapeError, number[]> => {
  if (axis === undefined) return right(Array.from({ length: rank }, (_, i) => i));
  const list = typeof axis === 'number' ? [axis] : axis;
  const seen = new Set<number>();
  for (const a of list) {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      return left({ _tag: 'BadAttrs', message: `axis ${a} is out of range for rank ${rank}` });
    }
    const n = a < 0 ? a + rank : a;
    if (seen.has(n)) return left({ _tag: 'BadAttrs', message: `axis ${a} is repeated` });
    seen.add(n);
  }
  return right([...seen].sort((x, y) => x - y));
};

/**
 * Walks `shape` in row-major order and gives, for each element, `base + Σ counterᵢ·stepsᵢ`:
 * the one index computation behind broadcasting, reductions, transposes, slices and pads.
 *
 * @example
 * stridedOffsets([2, 3], [1, 2]) // Int32Array [0, 2, 4, 1, 3, 5] (a transpose)
 */
export const stridedOffsets = (shape: Shape, steps: readonly number[], base = 0): Int32Array => {
  const rank = shape.length, n = sizeOf(shape);
  const idx = new Int32Array(n);
  const counter = new Array<number>(rank).fill(0);
  let off = base;
  for (let i = 0; i < n; i++) {
    idx[i] = off;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      off += steps[d];
      if (counter[d] < shape[d]) break;
      off -= steps[d] * shape[d];
      counter[d] = 0;
    }
  }
  return idx;
};

/**
 * For each element of `outShape`, the flat index of the element of `inShape` that broadcasts
 * to it. Used by kernels for the general broadcasting case.
 *
 * @example
 * broadcastIndex([3], [2, 3]) // Int32Array [0, 1, 2, 0, 1, 2]
 */
export const broadcastIndex = (inShape: Shape, outShape: Shape): Int32Array => {
  const offset = outShape.length - inShape.length;
  const inStrides = stridesOf(inShape);
  const steps = outShape.map((_, d) => (d < offset || inShape[d - offset] === 1 ? 0 : inStrides[d - offset]));
  return stridedOffsets(outShape, steps);
};

/**
 * Checks that a value is a valid shape: an array of non-negative integers with at most
 * MAX_ELEMENTS elements in all (see `shapeProblem` for why one is not).
 *
 * @example
 * isShape([2, 3]) // true
 * isShape([1e300]) // false
 */
export const isShape = (s: unknown): s is Shape => shapeProblem(s) === undefined;

/**
 * A shape as it reads in messages: `[2, 3]` (`[]` for a scalar; symbolic dims by name). The one helper every
 * package's error text uses.
 *
 * @example
 * shapeText([2, 3]) // '[2, 3]'
 */
export const shapeText = (shape: readonly (number | string)[]): string => `[${shape.join(', ')}]`;

/**
 * A shape and dtype as they read in messages: `float32[2, 3]`.
 *
 * @example
 * avalText({ dtype: 'float64', shape: [4] }) // 'float64[4]'
 */
export const avalText = (aval: { readonly dtype: string; readonly shape: readonly (number | string)[] }): string => `${aval.dtype}${shapeText(aval.shape)}`;
