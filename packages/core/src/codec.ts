// io-ts codecs shared at the boundaries: dtypes, shapes, tensors as JSON, readable error paths.

import * as t from 'io-ts';
import { Tensor, allocate, type DType } from './tensor.js';
import { sizeOf, shapeText } from './shape.js';
import { clipText, preview } from './errors.js';
import { checkUntrusted, shapeProblem } from './limits.js';

/** At most this many problems are listed by {@link formatErrors}; the rest are counted. */
const MAX_LISTED = 8;

/**
 * Renders io-ts validation errors as one line per problem: the path and what was wrong, the
 * bad value quoted through {@link preview} (short, whatever its size). At most 8 distinct
 * problems are listed, then how many more there were.
 *
 * @example
 * formatErrors(t.type({ n: t.number }).decode({ n: 'x' }).left)
 * // 'n: expected number, got "x"'
 */
export const formatErrors = (errors: t.Errors): string => {
  const lines = new Set<string>();
  let more = 0;
  for (const e of errors) {
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
      .reduce((acc, k) => (/^\d+$/.test(k) ? `${acc}[${k}]` : `${acc}${acc ? '.' : ''}${k.length > 40 ? preview(k, 40) : k}`), '');
    const at = ctx[upTo - 1];
    const expected = u === -1 && e.message !== undefined ? e.message : `expected ${at?.type.name ?? 'a valid value'}`;
    const line = `${path || '(root)'}: ${expected.length > 300 ? preview(expected, 300) : expected}, got ${preview(u === -1 ? e.value : at?.actual)}`;
    if (lines.has(line)) continue;
    if (lines.size < MAX_LISTED) lines.add(line);
    else more++;
  }
  return [...lines].join('; ') + (more > 0 ? `; and ${more} more problem${more > 1 ? 's' : ''}` : '');
};

/**
 * Codec for a dtype name.
 *
 * @example
 * dtypeCodec.decode('float64') // right('float64')
 */
export const dtypeCodec = t.keyof({ float32: null, float64: null }, 'DType');

/**
 * Codec for a shape: an array of non-negative integers holding at most MAX_ELEMENTS
 * elements (a Left names the bad dim or the element count).
 *
 * @example
 * shapeCodec.decode([2, -1]) // left(...)
 */
export const shapeCodec = new t.Type<readonly number[], readonly number[], unknown>(
  'Shape',
  (u): u is readonly number[] => shapeProblem(u) === undefined,
  (u, c) => {
    const p = shapeProblem(u);
    if (p === undefined) return t.success(u as readonly number[]);
    if (p.dim === undefined) return t.failure(u, c, p.message);
    const d = (u as readonly unknown[])[p.dim];
    return t.failure(d, [...c, { key: String(p.dim), type: t.number, actual: d }], 'expected non-negative integer');
  },
  t.identity,
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

const validateTensorJson = (u: unknown, c: t.Context): t.Validation<Tensor> => {
  if (u instanceof Tensor) return t.success(u);
  const unsafe = checkUntrusted(u);
  if (unsafe !== undefined) return t.failure(u, c, unsafe.message);
  const r = tensorJsonCodec.validate(u, c);
  if (r._tag === 'Left') return r;
  const { dtype, shape, data } = r.right;
  if (sizeOf(shape) !== data.length) {
    return t.failure(u, c, `data has ${data.length} values but shape ${shapeText(shape)} needs ${sizeOf(shape)}`);
  }
  const arr = allocate(dtype, data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    arr[i] = typeof v === 'number' ? v : Number(v);
  }
  return t.success(new Tensor(dtype, shape, arr));
};

/**
 * Codec between a concrete {@link Tensor} and its JSON form. Decoding checks that the data
 * fills the shape (of at most MAX_ELEMENTS elements), refuses prototype keys and deep
 * nesting, and never throws; float32 values round-trip exactly.
 *
 * @example
 * tensorFromJson.encode(tensor([1, 2]))              // { dtype: 'float32', shape: [2], data: [1, 2] }
 * tensorFromJson.decode({ dtype: 'float64', shape: [1], data: [3] }) // right(Tensor)
 */
export const tensorFromJson = new t.Type<Tensor, TensorJson, unknown>(
  'Tensor',
  (u): u is Tensor => u instanceof Tensor,
  (u, c) => {
    try {
      return validateTensorJson(u, c);
    } catch (e) {
      // A hostile value (a throwing getter or proxy) is a failure, never an exception.
      return t.failure(u, c, `could not be read (${e instanceof Error ? clipText(e.message) : preview(e)})`);
    }
  },
  (x) => ({ dtype: x.dtype, shape: [...x.shape], data: Array.from(x.data, encodeNumber) }),
);
