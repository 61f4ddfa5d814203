// fast-check arbitraries for shapes, broadcast-compatible shapes and tensors kept away from kinks.

import fc from 'fast-check';
import { ChainruleError, tensor, sizeOf, isShape, type DType, type Domain, type Shape, type Tensor } from '@chainrule/core';

/** Options of `arb.shape`. */
export interface ShapeOptions {
  /** Smallest rank (default 0: scalars included). */
  readonly minRank?: number;
  /** Largest rank (default 3). */
  readonly maxRank?: number;
  /** Smallest dimension (default 1). */
  readonly minDim?: number;
  /** Largest dimension (default 4). */
  readonly maxDim?: number;
}

/**
 * Throws a ChainruleError naming the option unless it is absent or an integer ≥ `min`.
 *
 * @example
 * needInt('arb.shape.maxRank', -1, 0) // throws "arb.shape.maxRank: expected an integer ≥ 0, got -1"
 */
export const needInt = (where: string, v: number | undefined, min: number): void => {
  if (v !== undefined && !(Number.isInteger(v) && v >= min)) {
    throw new ChainruleError('BadArgument', `${where}: expected an integer ≥ ${min}, got ${v}`);
  }
};

const shapeBounds = (o: ShapeOptions, where: string): Required<ShapeOptions> => {
  needInt(`${where}.minRank`, o.minRank, 0);
  needInt(`${where}.maxRank`, o.maxRank, 0);
  needInt(`${where}.minDim`, o.minDim, 0);
  needInt(`${where}.maxDim`, o.maxDim, 0);
  const b = { minRank: o.minRank ?? 0, maxRank: o.maxRank ?? 3, minDim: o.minDim ?? 1, maxDim: o.maxDim ?? 4 };
  if (b.minRank > b.maxRank) throw new ChainruleError('BadArgument', `${where}: minRank ${b.minRank} is above maxRank ${b.maxRank}`);
  if (b.minDim > b.maxDim) throw new ChainruleError('BadArgument', `${where}: minDim ${b.minDim} is above maxDim ${b.maxDim}`);
  return b;
};

/**
 * Shapes of rank `minRank..maxRank` with dimensions `minDim..maxDim`; shrinks towards
 * scalars and small dimensions.
 *
 * @example
 * fc.assert(fc.property(arb.shape({ maxRank: 2 }), (s) => s.length <= 2))
 */
export const shape = (options: ShapeOptions = {}): fc.Arbitrary<number[]> => {
  const b = shapeBounds(options, 'arb.shape');
  return fc.array(fc.integer({ min: b.minDim, max: b.maxDim }), { minLength: b.minRank, maxLength: b.maxRank });
};

/** Options of `arb.broadcastShapes`. */
export interface BroadcastShapesOptions extends ShapeOptions {
  /** How many shapes (default 2). */
  readonly count?: number;
  /**
   * The index of an operand that must really be broadcast: along some axis where the result
   * is longer than 1, it has a 1 or no axis at all, while every other operand has the full
   * length there. Checking each operand in turn catches a VJP that unbroadcasts only one side.
   */
  readonly broadcast?: number;
}

/**
 * Tuples of shapes that broadcast together under NumPy rules: each is the common shape with
 * some leading dimensions dropped (a rank difference) and some dimensions set to 1. With
 * `broadcast: k`, operand k is always broadcast somewhere.
 *
 * @example
 * fc.assert(fc.property(arb.broadcastShapes(), ([a, b]) => isRight(broadcastShapes(a, b))))
 * arb.broadcastShapes({ broadcast: 1 }) // e.g. [[2, 3], [3]] or [[2, 3], [1, 3]]: the second is expanded
 */
export const broadcastShapes = (options: BroadcastShapesOptions = {}): fc.Arbitrary<number[][]> => {
  const b = shapeBounds(options, 'arb.broadcastShapes');
  needInt('arb.broadcastShapes.count', options.count, 1);
  const count = options.count ?? 2;
  const k = options.broadcast;
  if (k !== undefined) {
    needInt('arb.broadcastShapes.broadcast', k, 0);
    if (k >= count) throw new ChainruleError('BadArgument', `arb.broadcastShapes.broadcast: operand ${k} does not exist among ${count}`);
    if (count < 2 || b.maxRank < 1 || b.maxDim < 2) {
      throw new ChainruleError('BadArgument', 'arb.broadcastShapes.broadcast: needs count ≥ 2, maxRank ≥ 1 and maxDim ≥ 2 (something to broadcast against)');
    }
  }
  const operand = fc.tuple(fc.nat({ max: b.maxRank }), fc.array(fc.boolean(), { minLength: b.maxRank, maxLength: b.maxRank }));
  return fc
    .tuple(shape(options), fc.array(operand, { minLength: count, maxLength: count }))
    .map(([drawn, operands]) => {
      let full = drawn;
      const ops = operands.map(([drop, ones]) => ({ drop: Math.min(drop, drawn.length), ones: [...ones] }));
      if (k !== undefined) {
        // A dim of at least 2 to broadcast along, which operand k lacks and every other operand has.
        if (!full.some((n) => n >= 2)) full = full.length === 0 ? [2] : [2, ...full.slice(1)];
        const d = full.findIndex((n) => n >= 2);
        const o = ops[k];
        o.drop = Math.min(o.drop, full.length);
        if (!(o.drop > d)) o.ones[d] = true;
        ops.forEach((x, j) => {
          if (j === k) return;
          x.drop = Math.min(x.drop, d);
          x.ones[d] = false;
        });
      }
      return ops.map(({ drop, ones }) => {
        const dd = Math.min(drop, full.length);
        return full.slice(dd).map((n, i) => (ones[i + dd] ? 1 : n));
      });
    });
};

/** Options of `arb.matmulShapes`. */
export interface MatmulShapesOptions {
  /** The operand (0 or 1) whose batch axes are broadcast against the other's. */
  readonly broadcast: 0 | 1;
  /** Most batch axes (default 2). */
  readonly maxBatchRank?: number;
  /** Largest dimension (default 3). */
  readonly maxDim?: number;
}

/**
 * Shape pairs `[..., m, k]`, `[..., k, n]` for a batched matmul whose batch axes broadcast,
 * with the chosen operand's batch axes broadcast (fewer or of size 1).
 *
 * @example
 * arb.matmulShapes({ broadcast: 0 }) // e.g. [[3, 2], [2, 2, 4]] or [[1, 3, 2], [2, 2, 4]]
 */
export const matmulShapes = (options: MatmulShapesOptions): fc.Arbitrary<number[][]> => {
  needInt('arb.matmulShapes.maxBatchRank', options.maxBatchRank, 1);
  needInt('arb.matmulShapes.maxDim', options.maxDim, 2);
  const maxDim = options.maxDim ?? 3;
  const batch = broadcastShapes({ minRank: 1, maxRank: options.maxBatchRank ?? 2, maxDim, broadcast: options.broadcast });
  const dim = fc.integer({ min: 1, max: maxDim });
  return fc.tuple(batch, dim, dim, dim).map(([[ba, bb], m, k, n]) => [[...ba, m, k], [...bb, k, n]]);
};

/** Options of `arb.tensor`. */
export interface TensorOptions {
  /** A fixed shape or an arbitrary of shapes (default `arb.shape()`). */
  readonly shape?: Shape | fc.Arbitrary<Shape>;
  /** Element type (default float64). */
  readonly dtype?: DType;
  /** Smallest value (default −2, or max − 4). */
  readonly min?: number;
  /** Largest value (default 2, or min + 4). */
  readonly max?: number;
  /** Points values must stay away from (kinks, poles). */
  readonly avoid?: readonly number[];
  /** How far from each avoided point values stay (default 0.1). */
  readonly margin?: number;
  /**
   * Put at least one value in every region the avoided points cut [min, max] into (both
   * sides of a kink, inside and outside a clamp) when the tensor has enough elements
   * (default false).
   */
  readonly cover?: boolean;
}

/** The value range of a domain with the defaults filled in. */
export interface ValueRange {
  readonly min: number;
  readonly max: number;
  readonly avoid: readonly number[];
  readonly margin: number;
}

/**
 * The range random values are drawn from for an op input's declared {@link Domain}:
 * missing bounds default to [−2, 2], or a width of 4 from the one given.
 *
 * @example
 * valueRange({ min: 0.1 }) // { min: 0.1, max: 4.1, avoid: [], margin: 0.1 }
 */
export const valueRange = (domain: Domain & { readonly margin?: number } = {}, where = 'domain'): ValueRange => {
  const min = domain.min ?? (domain.max !== undefined ? domain.max - 4 : -2);
  const max = domain.max ?? min + 4;
  const margin = domain.margin ?? 0.1;
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(min < max)) {
    throw new ChainruleError('BadArgument', `${where}: min ${min} must be a finite number below max ${max}`);
  }
  if (!(margin >= 0) || !Number.isFinite(margin)) throw new ChainruleError('BadArgument', `${where}.margin: expected a finite number ≥ 0, got ${margin}`);
  const avoid = domain.avoid ?? [];
  if (!avoid.every(Number.isFinite)) throw new ChainruleError('BadArgument', `${where}.avoid: expected finite numbers, got ${JSON.stringify(avoid)}`);
  return { min, max, avoid: [...avoid].sort((a, b) => a - b), margin };
};

/**
 * Moves a value at least `margin` away from every avoided point, staying in [min, max] when
 * it can (it cannot when avoided points are closer together than twice the margin).
 *
 * @example
 * keepAway(0.01, { min: -1, max: 1, avoid: [0], margin: 0.1 }) // 0.1
 */
export const keepAway = (v: number, r: ValueRange): number => {
  let x = v;
  for (let pass = 0; pass <= r.avoid.length; pass++) {
    let moved = false;
    for (const a of r.avoid) {
      if (Math.abs(x - a) >= r.margin) continue;
      const up = a + r.margin, down = a - r.margin;
      x = x >= a ? (up <= r.max ? up : down) : down >= r.min ? down : up;
      moved = true;
    }
    if (!moved) break;
  }
  return x;
};

/**
 * Numbers in [min, max] on a power-of-two grid (exact in float32 and float64), spread
 * uniformly rather than clustered near 0, kept `margin` away from avoided points. Shrinks
 * towards 0 (or the bound nearest to it).
 *
 * @example
 * fc.sample(arb.value(valueRange({ min: 0.1, max: 10 })), 3)
 */
export const value = (r: ValueRange): fc.Arbitrary<number> => {
  const step = 2 ** Math.floor(Math.log2((r.max - r.min) / 4096));
  const lo = Math.ceil(r.min / step), hi = Math.floor(r.max / step);
  return fc.noBias(fc.integer({ min: lo, max: hi })).map((k) => keepAway(k * step, r));
};

/**
 * The intervals the avoided points cut a value range into, each shrunk by the margin: the
 * regions of a piecewise op (x < 0 and x > 0 for relu; below, inside and above a clamp).
 *
 * @example
 * regions(valueRange({ min: -1, max: 2, avoid: [0, 1] })) // [−1, −0.1], [0.1, 0.9], [1.1, 2]
 */
export const regions = (r: ValueRange): ValueRange[] => {
  const out: ValueRange[] = [];
  let lo = r.min;
  for (const a of r.avoid) {
    if (!(a > r.min && a < r.max)) continue;
    if (a - r.margin > lo) out.push({ min: lo, max: a - r.margin, avoid: [], margin: 0 });
    lo = Math.max(lo, a + r.margin);
  }
  if (r.max > lo) out.push({ min: lo, max: r.max, avoid: [], margin: 0 });
  return out;
};

/**
 * How many of the {@link regions} of a range the values of a tensor fall in.
 *
 * @example
 * regionsHit(tensor([-1, 0.5]), valueRange({ avoid: [0] })) // 2
 */
export const regionsHit = (x: Tensor, r: ValueRange): number => {
  const rs = regions(r);
  const d = x.data;
  return rs.filter((g) => d.some((v) => v >= g.min && v <= g.max)).length;
};

/**
 * Tensors of a fixed or random shape whose values lie in [min, max], at least `margin` away
 * from every point of `avoid` (e.g. the kink of relu at 0); with `cover`, every region
 * between avoided points holds a value.
 *
 * @example
 * arb.tensor({ shape: [2, 3], min: 0.1, max: 10 })            // inputs for log
 * arb.tensor({ shape: arb.shape({ maxRank: 2 }), avoid: [0] }) // inputs for relu
 * arb.tensor({ shape: [4], min: -2, max: 2, avoid: [-1, 1], cover: true }) // values below, inside and above clip(−1, 1)
 */
export const tensorArb = (options: TensorOptions = {}): fc.Arbitrary<Tensor> => {
  const dtype = options.dtype ?? 'float64';
  if (dtype !== 'float32' && dtype !== 'float64') throw new ChainruleError('BadArgument', `arb.tensor.dtype: expected 'float32' or 'float64', got ${String(dtype)}`);
  const r = valueRange(options, 'arb.tensor');
  const v = value(r);
  const parts = options.cover === true ? regions(r) : [];
  const fill = (s: Shape) => {
    const n = sizeOf(s);
    const plain = fc.array(v, { minLength: n, maxLength: n });
    if (parts.length < 2 || n < parts.length) return plain.map((vals) => tensor(vals, { shape: s, dtype }));
    // One value from each region, at distinct random places; the rest drawn from the whole range.
    const places = fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: parts.length, maxLength: parts.length });
    return fc.tuple(plain, fc.tuple(...parts.map(value)), places).map(([vals, picks, at]) => {
      at.forEach((p, i) => (vals[p] = picks[i]));
      return tensor(vals, { shape: s, dtype });
    });
  };
  const s = options.shape ?? shape();
  if (s instanceof fc.Arbitrary) return s.chain(fill);
  if (!isShape(s)) throw new ChainruleError('BadArgument', `arb.tensor.shape: expected a shape or an arbitrary of shapes, got ${JSON.stringify(s)}`);
  return fill(s);
};
