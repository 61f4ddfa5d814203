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
}

/**
 * Tuples of shapes that broadcast together under NumPy rules: each is the common shape with
 * some leading dimensions dropped (a rank difference) and some dimensions set to 1.
 *
 * @example
 * fc.assert(fc.property(arb.broadcastShapes(), ([a, b]) => isRight(broadcastShapes(a, b))))
 */
export const broadcastShapes = (options: BroadcastShapesOptions = {}): fc.Arbitrary<number[][]> => {
  const b = shapeBounds(options, 'arb.broadcastShapes');
  needInt('arb.broadcastShapes.count', options.count, 1);
  const count = options.count ?? 2;
  const operand = fc.tuple(fc.nat({ max: b.maxRank }), fc.array(fc.boolean(), { minLength: b.maxRank, maxLength: b.maxRank }));
  return fc
    .tuple(shape(options), fc.array(operand, { minLength: count, maxLength: count }))
    .map(([full, operands]) =>
      operands.map(([drop, ones]) => {
        const d = Math.min(drop, full.length);
        return full.slice(d).map((n, i) => (ones[i + d] ? 1 : n));
      }),
    );
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
 * Tensors of a fixed or random shape whose values lie in [min, max], at least `margin` away
 * from every point of `avoid` (e.g. the kink of relu at 0).
 *
 * @example
 * arb.tensor({ shape: [2, 3], min: 0.1, max: 10 })            // inputs for log
 * arb.tensor({ shape: arb.shape({ maxRank: 2 }), avoid: [0] }) // inputs for relu
 */
export const tensorArb = (options: TensorOptions = {}): fc.Arbitrary<Tensor> => {
  const dtype = options.dtype ?? 'float64';
  if (dtype !== 'float32' && dtype !== 'float64') throw new ChainruleError('BadArgument', `arb.tensor.dtype: expected 'float32' or 'float64', got ${String(dtype)}`);
  const r = valueRange(options, 'arb.tensor');
  const v = value(r);
  const fill = (s: Shape) => fc.array(v, { minLength: sizeOf(s), maxLength: sizeOf(s) }).map((vals) => tensor(vals, { shape: s, dtype }));
  const s = options.shape ?? shape();
  if (s instanceof fc.Arbitrary) return s.chain(fill);
  if (!isShape(s)) throw new ChainruleError('BadArgument', `arb.tensor.shape: expected a shape or an arbitrary of shapes, got ${JSON.stringify(s)}`);
  return fill(s);
};
