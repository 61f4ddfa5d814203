// io-ts codecs shared at the boundaries: dtypes, shapes, tensors as JSON, readable error paths.

import * as t from 'io-ts';
import { Tensor, allocate, type DType } from './tensor.js';
import { sizeOf } from './shape.js';

/**
 * Renders io-ts validation errors as one line per problem: the path and what was wrong.
 *
 * @example
 * formatErrors(t.type({ n: t.number }).decode({ n: 'x' }).left)
 * // 'n: expected number, got "x"'
 */
export const formatErrors = (errors: t.Errors): string =>
  errors
    .map((e) => {
      // A failure inside a union is reported once, at the union, with the union's name.
      const ctx = e.context;
      const u = ctx.findIndex((c) => (c.type as { _tag?: string })._tag === 'UnionType');
      const upTo = u === -1 ? ctx.length : u + 1;
      // Member indices of an intersection are not part of the data's path.
      const path = ctx
        .slice(1, upTo)
        .filter((_, i) => (ctx[i].type as { _tag?: string })._tag !== 'IntersectionType')
        .map((c) => c.key)
        .filter((k) => k !== '')
        .reduce((acc, k) => (/^\d+$/.test(k) ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), '');
      const at = ctx[upTo - 1];
      const expected = u === -1 && e.message !== undefined ? e.message : `expected ${at?.type.name ?? 'a valid value'}`;
      return `${path || '(root)'}: ${expected}, got ${preview(u === -1 ? e.value : at?.actual)}`;
    })
    .filter((line, i, all) => all.indexOf(line) === i)
    .join('; ');

const preview = (v: unknown): string => {
  if (v === undefined) return 'undefined';
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
};

/**
 * Codec for a dtype name.
 *
 * @example
 * dtypeCodec.decode('float64') // right('float64')
 */
export const dtypeCodec = t.keyof({ float32: null, float64: null }, 'DType');

/**
 * Codec for a shape: an array of non-negative integers.
 *
 * @example
 * shapeCodec.decode([2, -1]) // left(...)
 */
export const shapeCodec = t.readonlyArray(
  t.refinement(t.number, (n) => Number.isInteger(n) && n >= 0, 'non-negative integer'),
  'Shape',
);

/** A tensor as JSON. Non-finite values are strings ('NaN', 'Infinity', '-Infinity'). */
export interface TensorJson {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: readonly (number | string)[];
}

const tensorJsonCodec = t.type({
  dtype: dtypeCodec,
  shape: shapeCodec,
  data: t.readonlyArray(t.union([t.number, t.keyof({ NaN: null, Infinity: null, '-Infinity': null })])),
});

const encodeNumber = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

/**
 * Codec between a concrete {@link Tensor} and its JSON form. Decoding checks that the data
 * fills the shape; float32 values round-trip exactly.
 *
 * @example
 * tensorFromJson.encode(tensor([1, 2]))              // { dtype: 'float32', shape: [2], data: [1, 2] }
 * tensorFromJson.decode({ dtype: 'float64', shape: [1], data: [3] }) // right(Tensor)
 */
export const tensorFromJson = new t.Type<Tensor, TensorJson, unknown>(
  'Tensor',
  (u): u is Tensor => u instanceof Tensor,
  (u, c) => {
    if (u instanceof Tensor) return t.success(u);
    const r = tensorJsonCodec.validate(u, c);
    if (r._tag === 'Left') return r;
    const { dtype, shape, data } = r.right;
    if (sizeOf(shape) !== data.length) {
      return t.failure(u, c, `data has ${data.length} values but shape [${shape.join(', ')}] needs ${sizeOf(shape)}`);
    }
    const arr = allocate(dtype, data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      arr[i] = typeof v === 'number' ? v : Number(v);
    }
    return t.success(new Tensor(dtype, shape, arr));
  },
  (x) => ({ dtype: x.dtype, shape: [...x.shape], data: Array.from(x.data, encodeNumber) }),
);
