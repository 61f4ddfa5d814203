// Parameters as plain pytrees of tensors, their shapes-only outline, and helpers over both.

import { Tensor, flatten, treePaths, type DType, type Shape, type TreeDef, shapeText } from '@chainrule/core';

/**
 * A model's parameters: a tensor, an array or a plain record of parameters. Nothing else —
 * so `grad`, `jit`, optimizers and checkpoints handle them without knowing about layers.
 *
 * @example
 * const p: Params = [{ w: zeros([2, 3]), b: zeros([3]) }, {}]
 */
export type Params = Tensor | readonly Params[] | { readonly [name: string]: Params };

/**
 * The outline of {@link Params}: the same structure with each tensor replaced by its shape
 * and dtype. Used to check a checkpoint against a model without drawing any numbers.
 *
 * @example
 * const s: ParamShapes = [{ w: { shape: [2, 3], dtype: 'float32' }, b: { shape: [3], dtype: 'float32' } }]
 */
export type ParamShapes = ParamShape | readonly ParamShapes[] | { readonly [name: string]: ParamShapes };

/** The shape and dtype of one parameter tensor. */
export interface ParamShape {
  readonly shape: Shape;
  readonly dtype: DType;
}

const isParamShape = (x: unknown): x is ParamShape =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && Array.isArray((x as ParamShape).shape) && typeof (x as ParamShape).dtype === 'string';

/**
 * The total number of scalars in a params pytree.
 *
 * @example
 * countParams(mlp({ sizes: [784, 128, 10], activation: 'sigmoid' }).init(key(0))) // 101770
 */
export const countParams = (params: Params): number =>
  flatten(params)[0].reduce<number>((n, x) => n + (x instanceof Tensor ? x.size : 0), 0);

/**
 * The total number of scalars a params outline describes, without drawing any: what
 * {@link countParams} of the drawn params would say.
 *
 * @example
 * countParamShapes(mlp({ sizes: [784, 128, 10], activation: 'sigmoid' }).paramShapes()) // 101770
 */
export const countParamShapes = (shapes: ParamShapes): number => {
  let n = 0;
  const stack: unknown[] = [shapes];
  while (stack.length > 0) {
    const s = stack.pop();
    if (isParamShape(s)) n += s.shape.reduce((a, d) => a * d, 1);
    else if (Array.isArray(s)) stack.push(...(s as unknown[]));
    else if (typeof s === 'object' && s !== null) stack.push(...Object.values(s));
  }
  return n;
};

/**
 * Names of the leaves of a params pytree (`params[0].b`, `params[0].w`, …), read from core's
 * `flatten`, so they come in the order `trace` and `jit` make those leaves graph inputs.
 *
 * @example
 * paramNames([{ w: zeros([2, 3]), b: zeros([3]) }, {}]) // ['params[0].b', 'params[0].w']
 */
export const paramNames = (params: Params, prefix = 'params'): string[] => treePaths(flatten(params)[1], prefix);

/**
 * Compares params with an outline and returns the first difference ('at [0].w: expected
 * float32[784, 128], got float32[784, 64]'), or undefined when they match.
 *
 * @example
 * checkParams(model.paramShapes(), params) // undefined when params fit the model
 */
export const checkParams = (expected: ParamShapes, actual: unknown, path = ''): string | undefined => {
  const at = path === '' ? '(root)' : path;
  if (isParamShape(expected)) {
    if (!(actual instanceof Tensor)) return `at ${at}: expected a tensor ${describe(expected)}, got ${kindOf(actual)}`;
    const same = actual.dtype === expected.dtype && actual.shape.length === expected.shape.length && actual.shape.every((d, i) => d === expected.shape[i]);
    return same ? undefined : `at ${at}: expected ${describe(expected)}, got ${describe(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `at ${at}: expected an array of ${expected.length}, got ${kindOf(actual)}`;
    if (actual.length !== expected.length) return `at ${at}: expected ${expected.length} entries, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const r = checkParams(expected[i], actual[i], `${path}[${i}]`);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  const rec = expected as { readonly [name: string]: ParamShapes };
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual) || actual instanceof Tensor) {
    return `at ${at}: expected a record with keys {${Object.keys(rec).join(', ')}}, got ${kindOf(actual)}`;
  }
  const want = Object.keys(rec).sort(), got = Object.keys(actual).sort();
  if (want.join('\u0000') !== got.join('\u0000')) return `at ${at}: expected keys {${want.join(', ')}}, got {${got.join(', ')}}`;
  for (const k of want) {
    const r = checkParams(rec[k], (actual as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`);
    if (r !== undefined) return r;
  }
  return undefined;
};

const describe = (x: ParamShape): string => `${x.dtype}${shapeText(x.shape)}`;

const kindOf = (x: unknown): string =>
  x instanceof Tensor ? `a tensor ${describe(x)}` : Array.isArray(x) ? `an array of ${x.length}` : x === null ? 'null' : typeof x === 'object' ? 'a record' : typeof x;
