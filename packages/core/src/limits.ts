// Safety limits: how many elements a tensor may hold and how deep outside data may nest, and the checks that enforce them.

import { ChainruleError, preview } from './errors.js';
import { shapeText } from './shape.js';

/**
 * The most elements one tensor may hold: 2²⁸ (1 GiB of float32, 2 GiB of float64). Tensor
 * constructors, op calls, tracing and every decoder refuse larger shapes with `TooLarge`, so
 * a small document or a typo can never make chainrule allocate without bound. A decoded
 * graph's node outputs together stay under it too.
 *
 * @example
 * zeros([MAX_ELEMENTS + 1]) // throws ChainruleError TooLarge
 */
export const MAX_ELEMENTS = 2 ** 28;

/**
 * The deepest nesting of arrays and objects a decoder accepts (and of nested arrays given to
 * `tensor`). Deeper (or cyclic) input is refused with a Left before any recursive code sees it.
 *
 * @example
 * checkUntrusted(JSON.parse('['.repeat(100) + ']'.repeat(100))) // { message: '(root)[0]…: nested deeper than 64 levels …', tooLarge: true }
 */
export const MAX_DEPTH = 64;

const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Why a shape is not acceptable — a dim that is not a non-negative integer, or more than
 * {@link MAX_ELEMENTS} elements (then `tooLarge` is set) — or undefined when it is fine.
 *
 * @example
 * shapeProblem([2, -1])  // { message: 'shape[1] must be a non-negative integer, got -1', tooLarge: false, dim: 1 }
 * shapeProblem([1e5, 1e5]) // { message: 'shape [100000, 100000] has 10000000000 elements, over the limit of 268435456', tooLarge: true }
 */
export const shapeProblem = (shape: unknown): { readonly message: string; readonly tooLarge: boolean; readonly dim?: number } | undefined => {
  if (!Array.isArray(shape)) return { message: `shape must be an array of dims, got ${preview(shape)}`, tooLarge: false };
  if (shape.length > MAX_DEPTH) return { message: `shape has ${shape.length} dims, more than the limit of ${MAX_DEPTH}`, tooLarge: true };
  let n = 1, widest = 0;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      return { message: `shape[${i}] must be a non-negative integer, got ${preview(d)}`, tooLarge: false, dim: i };
    }
    n *= d;
    if (d > widest) widest = d;
  }
  // Any dim above the ceiling is refused even when another dim is 0: no safe arithmetic needed later.
  if (n > MAX_ELEMENTS || widest > MAX_ELEMENTS) {
    return { message: `shape ${shapeText(shape)} has ${n} elements, over the limit of ${MAX_ELEMENTS} (MAX_ELEMENTS)`, tooLarge: true };
  }
  return undefined;
};

/**
 * Throws a `ChainruleError` (`BadArgument`, or `TooLarge` past {@link MAX_ELEMENTS}) naming
 * `where` unless `shape` is a valid shape; returns it otherwise.
 *
 * @example
 * checkShape('zeros', [2, 3])  // [2, 3]
 * checkShape('ones', [1e10])   // throws TooLarge: ones: shape [10000000000] has …
 */
export const checkShape = (where: string, shape: unknown): readonly number[] => {
  const p = shapeProblem(shape);
  if (p !== undefined) throw new ChainruleError(p.tooLarge ? 'TooLarge' : 'BadArgument', `${where}: ${p.message}`);
  return shape as readonly number[];
};

type Path = { readonly key: string | number; readonly parent: Path | undefined } | undefined;

const pathText = (path: Path): string => {
  const keys: (string | number)[] = [];
  for (let p = path; p !== undefined; p = p.parent) keys.push(p.key);
  return keys
    .reverse()
    .reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : `${acc}${acc ? '.' : ''}${k.length > 40 ? preview(k, 40) : k}`), '') || '(root)';
};

/**
 * Checks outside data before any decoder walks it: nesting at most `maxDepth` deep (cycles
 * count as too deep) and no `__proto__`, `constructor` or `prototype` keys, which could
 * replace an object's prototype once copied. Returns the problem with its path (`tooLarge`
 * when it is the depth), or undefined. Iterative: no input can overflow the stack.
 *
 * @example
 * checkUntrusted(JSON.parse('{"params":{"__proto__":{}}}')) // { message: "params.__proto__: key '__proto__' is not allowed …", tooLarge: false }
 * checkUntrusted({ a: [1, 2] })                              // undefined
 */
export const checkUntrusted = (value: unknown, maxDepth = MAX_DEPTH): { readonly message: string; readonly tooLarge: boolean } | undefined => {
  // The deepest level each object was reached at: an object shared by many parents is walked
  // again only when reached deeper, so shared structure costs O(depth · size), not exponential.
  const seen = new Map<object, number>();
  const stack: { readonly value: object; readonly depth: number; readonly path: Path }[] = [];
  if (typeof value === 'object' && value !== null) stack.push({ value, depth: 1, path: undefined });
  while (stack.length > 0) {
    const { value: v, depth, path } = stack.pop()!;
    if (depth > maxDepth) return { message: `${pathText(path)}: nested deeper than ${maxDepth} levels (or cyclic), the limit (MAX_DEPTH)`, tooLarge: true };
    if ((seen.get(v) ?? 0) >= depth) continue;
    seen.set(v, depth);
    if (ArrayBuffer.isView(v)) continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const c: unknown = v[i];
        if (typeof c === 'object' && c !== null) stack.push({ value: c, depth: depth + 1, path: { key: i, parent: path } });
      }
      continue;
    }
    for (const k of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(k)) return { message: `${pathText({ key: k, parent: path })}: key '${k}' is not allowed (it could replace an object's prototype)`, tooLarge: false };
      const c: unknown = (v as Record<string, unknown>)[k];
      if (typeof c === 'object' && c !== null) stack.push({ value: c, depth: depth + 1, path: { key: k, parent: path } });
    }
  }
  return undefined;
};
