import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { matmulInto, matmul2d, type FloatArray } from './matmul.js';

type DType = 'float32' | 'float64';

const make = (dtype: DType, size: number): FloatArray =>
  dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);

// Small deterministic PRNG so failures reproduce.
const lcg = (seed: number) => {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 * 2 - 1;
  };
};

const randomArray = (dtype: DType, size: number, rand: () => number): FloatArray => {
  const x = make(dtype, size);
  for (let i = 0; i < size; i++) x[i] = rand();
  return x;
};

// The definition, in float64: out[i][j] = Σp op(A)[i][p]·op(B)[p][j]; also returns Σ|terms| per entry
// so the tolerance scales with the rounding the kernel may legitimately commit.
const reference = (a: FloatArray, aOff: number, b: FloatArray, bOff: number,
  m: number, k: number, n: number, transA: boolean, transB: boolean) => {
  const value = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, t = 0;
      for (let p = 0; p < k; p++) {
        const x = a[aOff + (transA ? p * m + i : i * k + p)] * b[bOff + (transB ? j * k + p : p * n + j)];
        s += x;
        t += Math.abs(x);
      }
      value[i * n + j] = s;
      scale[i * n + j] = t;
    }
  }
  return { value, scale };
};

interface Case {
  m: number; k: number; n: number;
  transA: boolean; transB: boolean;
  dtype: DType;
  aOff?: number; bOff?: number; outOff?: number;
  seed?: number;
}

// Runs matmulInto on arrays padded with sentinels around each region and checks the product,
// that the padding of out is untouched (write exactly m×n), and that the inputs are unchanged.
const check = ({ m, k, n, transA, transB, dtype, aOff = 0, bOff = 0, outOff = 0, seed = 1 }: Case): void => {
  const rand = lcg(seed * 7919 + m * 131 + k * 17 + n);
  const pad = 3;
  const a = randomArray(dtype, aOff + m * k + pad, rand);
  const b = randomArray(dtype, bOff + k * n + pad, rand);
  const out = make(dtype, outOff + m * n + pad);
  out.fill(NaN, outOff, outOff + m * n); // must be overwritten, not accumulated into
  for (let i = 0; i < outOff; i++) out[i] = 1000 + i;
  for (let i = outOff + m * n; i < out.length; i++) out[i] = -1000 - i;
  const aBefore = a.slice(), bBefore = b.slice();

  matmulInto(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB);

  const { value, scale } = reference(a, aOff, b, bOff, m, k, n, transA, transB);
  const eps = dtype === 'float32' ? 1e-6 : 1e-14;
  for (let q = 0; q < m * n; q++) {
    const got = out[outOff + q];
    const tol = eps * (scale[q] + 1) * 4;
    if (!(Math.abs(got - value[q]) <= tol)) {
      throw new Error(`${JSON.stringify({ m, k, n, transA, transB, dtype, aOff, bOff, outOff })}: ` +
        `out[${Math.floor(q / n)}][${q % n}] = ${got}, expected ${value[q]} ± ${tol}`);
    }
  }
  for (let i = 0; i < outOff; i++) expect(out[i]).toBe(1000 + i);
  for (let i = outOff + m * n; i < out.length; i++) expect(out[i]).toBe(-1000 - i);
  expect(a).toEqual(aBefore);
  expect(b).toEqual(bBefore);
};

const dtypes: DType[] = ['float32', 'float64'];
const transposes = [[false, false], [true, false], [false, true], [true, true]] as const;

describe('matmulInto', () => {
  it('multiplies a 2×2 example exactly', () => {
    const out = new Float32Array(4);
    matmulInto(new Float32Array([1, 2, 3, 4]), 0, new Float32Array([5, 6, 7, 8]), 0, out, 0, 2, 2, 2, false, false);
    expect(Array.from(out)).toEqual([19, 22, 43, 50]);
  });

  it('reads transposed storage for each of transA and transB', () => {
    // A = [[1, 2, 3], [4, 5, 6]] stored transposed as [[1, 4], [2, 5], [3, 6]]; B = I₃ stored as is.
    const aT = new Float64Array([1, 4, 2, 5, 3, 6]);
    const eye3 = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(matmul2d(aT, eye3, 2, 3, 3, true, false))).toEqual([1, 2, 3, 4, 5, 6]);
    // op(B) = Bᵀ with B = [[1, 2], [3, 4]]: [1, 1]·Bᵀ = [3, 7].
    expect(Array.from(matmul2d(new Float64Array([1, 1]), new Float64Array([1, 2, 3, 4]), 1, 2, 2, false, true))).toEqual([3, 7]);
  });

  const sizes = [1, 2, 3, 4, 5, 7, 8, 17, 65];
  for (const dtype of dtypes) {
    for (const [transA, transB] of transposes) {
      it(`matches the reference on odd sizes (${dtype}, transA=${transA}, transB=${transB})`, () => {
        let seed = 0;
        for (const m of sizes) {
          for (const k of sizes) {
            for (const n of sizes) {
              if (m * k * n > 20_000) continue; // the 65×65×65 corner is covered below
              check({ m, k, n, transA, transB, dtype, seed: seed++ });
            }
          }
        }
      });

      it(`crosses every cache block boundary (${dtype}, transA=${transA}, transB=${transB})`, () => {
        // k > KC (128), m > MC (64), n > NC (512), none of them multiples of the 4×4 tile.
        check({ m: 67, k: 131, n: 9, transA, transB, dtype });
        check({ m: 5, k: 259, n: 515, transA, transB, dtype });
        check({ m: 65, k: 65, n: 65, transA, transB, dtype, aOff: 5, bOff: 11, outOff: 7 });
      });

      it(`honours offsets into larger buffers (${dtype}, transA=${transA}, transB=${transB})`, () => {
        check({ m: 7, k: 3, n: 17, transA, transB, dtype, aOff: 13, bOff: 1, outOff: 29 });
        check({ m: 1, k: 33, n: 6, transA, transB, dtype, aOff: 2, bOff: 3, outOff: 4 });
        check({ m: 6, k: 33, n: 1, transA, transB, dtype, aOff: 2, bOff: 3, outOff: 4 });
      });
    }
  }

  it('agrees with the reference for random m, k, n in [1, 40], layouts, dtypes and offsets', () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 40 }),
          k: fc.integer({ min: 1, max: 40 }),
          n: fc.integer({ min: 1, max: 40 }),
          transA: fc.boolean(),
          transB: fc.boolean(),
          dtype: fc.constantFrom<DType>('float32', 'float64'),
          aOff: fc.integer({ min: 0, max: 9 }),
          bOff: fc.integer({ min: 0, max: 9 }),
          outOff: fc.integer({ min: 0, max: 9 }),
          seed: fc.nat(),
        }),
        (c) => { check(c); },
      ),
      { numRuns: 300 },
    );
  });

  it('gives batched slices the same answer as separate calls', () => {
    const [batch, m, k, n] = [3, 5, 6, 7];
    const rand = lcg(42);
    const a = randomArray('float64', batch * m * k, rand);
    const b = randomArray('float64', batch * k * n, rand);
    const out = new Float64Array(batch * m * n);
    for (let q = 0; q < batch; q++) matmulInto(a, q * m * k, b, q * k * n, out, q * m * n, m, k, n, false, false);
    for (let q = 0; q < batch; q++) {
      const single = matmul2d(a.slice(q * m * k, (q + 1) * m * k), b.slice(q * k * n, (q + 1) * k * n), m, k, n);
      expect(Array.from(out.subarray(q * m * n, (q + 1) * m * n))).toEqual(Array.from(single));
    }
  });

  it('writes zeros when k = 0 and does nothing for empty m or n', () => {
    const out = new Float32Array([7, 7, 7, 7, 7, 7]);
    matmulInto(new Float32Array(0), 0, new Float32Array(0), 0, out, 0, 2, 0, 3, false, false);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
    const untouched = new Float32Array([7]);
    matmulInto(new Float32Array(0), 0, new Float32Array(15), 0, untouched, 0, 0, 3, 5, false, false);
    expect(untouched[0]).toBe(7);
  });

  it('propagates NaN and infinities as IEEE arithmetic does (0·∞ = NaN)', () => {
    for (const [m, k, n] of [[1, 2, 1], [5, 2, 5]]) {
      const a = new Float64Array(m * k).fill(0);
      const b = new Float64Array(k * n).fill(1);
      b[0] = Infinity;
      const out = matmul2d(a, b, m, k, n);
      expect(Number.isNaN(out[0])).toBe(true);
    }
  });

  it('throws a RangeError naming the operand when a region does not fit', () => {
    const small = new Float32Array(5);
    expect(() => matmulInto(small, 0, new Float32Array(6), 0, new Float32Array(4), 0, 2, 3, 2, false, false))
      .toThrow(/a needs 6 elements from offset 0/);
    expect(() => matmulInto(new Float32Array(6), 0, new Float32Array(6), 0, new Float32Array(4), 1, 2, 3, 2, false, false))
      .toThrow(/out needs 4 elements from offset 1/);
    expect(() => matmulInto(new Float32Array(6), 0, new Float32Array(6), 0, new Float32Array(4), 0, -2, -3, 2, false, false))
      .toThrow(/m, k, n must be integers ≥ 0, got -2, -3, 2/);
  });
});

describe('matmul2d', () => {
  it("returns a new array of a's type", () => {
    const f64 = matmul2d(new Float64Array([1, 2, 3]), new Float64Array([4, 5, 6]), 1, 3, 1);
    expect(f64).toBeInstanceOf(Float64Array);
    expect(Array.from(f64)).toEqual([32]);
    expect(matmul2d(new Float32Array([2]), new Float32Array([3]), 1, 1, 1)).toBeInstanceOf(Float32Array);
  });

  it('writes into a given out and returns it', () => {
    const out = new Float64Array(4).fill(NaN);
    const r = matmul2d(new Float64Array([1, 0, 0, 1]), new Float64Array([1, 2, 3, 4]), 2, 2, 2, false, false, out);
    expect(r).toBe(out);
    expect(Array.from(out)).toEqual([1, 2, 3, 4]);
  });
});
