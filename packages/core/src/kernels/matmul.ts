// Dense matrix multiply on typed arrays: the packed, cache-blocked, register-tiled hot loop under matmul and conv.

import type { FloatArray } from '../tensor.js';

// Why this shape (packed panels, cache blocks, register tiles; measured with scripts/bench-matmul.mjs):
// - C is computed in MR×NR register tiles: 16 accumulators in locals, so each step of the
//   k loop does 8 loads for 32 flops. Of the 2×4 … 4×8 tiles tried, 4×4 measured fastest:
//   V8 has 16 float registers, and bigger tiles only add spills.
// - op(A) and op(B) are copied ("packed") into float64 scratch, tile-contiguous: the inner
//   loop then reads both operands sequentially, with no float32→float64 conversion and no
//   stride, and the four transA/transB variants cost only a different packing loop.
// - Blocking: a KC×NR sliver of packed B (4 KB) stays in L1 while it sweeps an MC×KC block
//   of packed A (64 KB, L2); the KC×NC block of packed B (512 KB) stays in L2/L3. Other
//   block sizes (KC 64–256, MC 32–128, NC 256–1024) measured within noise of these.
const MR = 4;
const NR = 4;
const KC = 128;
const MC = 64;
const NC = 512;

// Scratch for packed operands, reused by every call: matmulInto is synchronous and never
// re-entered, so one buffer per module is safe. Allocating them per call measured 25–30%
// slower at n = 32…256 (fresh memory, and V8 no longer treats the buffers as constants).
const aPack = new Float64Array(MC * KC);
const bPack = new Float64Array(KC * NC);
const edgeTile = new Float64Array(MR * NR);

/**
 * Computes `out[m×n] = op(A) · op(B)`, overwriting that region of `out` (never accumulating).
 * `A` is read row-major from `a` at `aOff` as m×k, or as k×m when `transA` (then op(A) = Aᵀ);
 * `B` from `b` at `bOff` as k×n, or as n×k when `transB`. Offsets let batched callers work
 * on slices without copying. `out` must not overlap `a` or `b`.
 *
 * @example
 * // [[1, 2], [3, 4]] · [[5, 6], [7, 8]] = [[19, 22], [43, 50]]
 * const out = new Float32Array(4);
 * matmulInto(new Float32Array([1, 2, 3, 4]), 0, new Float32Array([5, 6, 7, 8]), 0, out, 0, 2, 2, 2, false, false);
 * // batch q of a [batch, m, k] · [batch, k, n] product:
 * // matmulInto(a, q * m * k, b, q * k * n, out, q * m * n, m, k, n, false, false);
 */
export function matmulInto(
  a: FloatArray, aOff: number,
  b: FloatArray, bOff: number,
  out: FloatArray, outOff: number,
  m: number, k: number, n: number,
  transA: boolean, transB: boolean,
): void {
  if (!(Number.isInteger(m) && Number.isInteger(k) && Number.isInteger(n) && m >= 0 && k >= 0 && n >= 0)) {
    throw new RangeError(`matmulInto: m, k, n must be integers ≥ 0, got ${m}, ${k}, ${n}`);
  }
  checkRegion('a', a, aOff, m * k);
  checkRegion('b', b, bOff, k * n);
  checkRegion('out', out, outOff, m * n);
  out.fill(0, outOff, outOff + m * n);
  if (m === 0 || n === 0 || k === 0) return;
  if (m === 1 || n === 1) {
    matvec(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packB(b, bOff, k, n, transB, pc, kc, jc, nc);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packA(a, aOff, m, k, transA, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            kernel4x4(kc, ir * kc, jr * kc, out, outOff + (ic + ir) * n + jc + jr, n, mr, nr);
          }
        }
      }
    }
  }
}

/**
 * Returns `op(A) · op(B)` as a new m×n array of `a`'s type (or writes into `out` if given).
 *
 * @example
 * matmul2d(new Float64Array([1, 2, 3]), new Float64Array([4, 5, 6]), 1, 3, 1); // Float64Array [32]
 * matmul2d(x, w, batch, inF, outF, false, true); // x · wᵀ with w stored [outF, inF]
 */
export function matmul2d(
  a: FloatArray, b: FloatArray,
  m: number, k: number, n: number,
  transA = false, transB = false,
  out?: FloatArray,
): FloatArray {
  const o = out ?? (a instanceof Float64Array ? new Float64Array(m * n) : new Float32Array(m * n));
  matmulInto(a, 0, b, 0, o, 0, m, k, n, transA, transB);
  return o;
}

function checkRegion(name: string, arr: FloatArray, off: number, size: number): void {
  if (!Number.isInteger(off) || off < 0 || off + size > arr.length) {
    throw new RangeError(`matmulInto: ${name} needs ${size} elements from offset ${off}, but has length ${arr.length}`);
  }
}

// Packs rows ic..ic+mc, columns pc..pc+kc of op(A) into aPack as MR-row panels, each stored
// column by column (MR values per k step); rows past m are zero so the kernel needs no edge case.
function packA(a: FloatArray, aOff: number, m: number, k: number, transA: boolean,
  ic: number, mc: number, pc: number, kc: number): void {
  const dst = aPack;
  let d = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = Math.min(MR, mc - ir);
    const row0 = ic + ir;
    if (transA) {
      // op(A)[i][p] = a[p*m + i]: the MR values of one k step are contiguous.
      for (let p = 0; p < kc; p++) {
        const s = aOff + (pc + p) * m + row0;
        if (mr === MR) {
          dst[d] = a[s]; dst[d + 1] = a[s + 1]; dst[d + 2] = a[s + 2]; dst[d + 3] = a[s + 3];
        } else {
          for (let i = 0; i < MR; i++) dst[d + i] = i < mr ? a[s + i] : 0;
        }
        d += MR;
      }
    } else {
      // op(A)[i][p] = a[i*k + p]: walk MR rows side by side.
      const s0 = aOff + row0 * k + pc;
      if (mr === MR) {
        const s1 = s0 + k, s2 = s1 + k, s3 = s2 + k;
        for (let p = 0; p < kc; p++) {
          dst[d] = a[s0 + p]; dst[d + 1] = a[s1 + p]; dst[d + 2] = a[s2 + p]; dst[d + 3] = a[s3 + p];
          d += MR;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let i = 0; i < MR; i++) dst[d + i] = i < mr ? a[s0 + i * k + p] : 0;
          d += MR;
        }
      }
    }
  }
}

// Packs rows pc..pc+kc, columns jc..jc+nc of op(B) into bPack as NR-column panels, each stored
// row by row (NR values per k step); columns past n are zero.
function packB(b: FloatArray, bOff: number, k: number, n: number, transB: boolean,
  pc: number, kc: number, jc: number, nc: number): void {
  const dst = bPack;
  let d = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    const col0 = jc + jr;
    if (transB) {
      // op(B)[p][j] = b[j*k + p]: walk NR rows of b side by side.
      const s0 = bOff + col0 * k + pc;
      if (nr === NR) {
        const s1 = s0 + k, s2 = s1 + k, s3 = s2 + k;
        for (let p = 0; p < kc; p++) {
          dst[d] = b[s0 + p]; dst[d + 1] = b[s1 + p]; dst[d + 2] = b[s2 + p]; dst[d + 3] = b[s3 + p];
          d += NR;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let j = 0; j < NR; j++) dst[d + j] = j < nr ? b[s0 + j * k + p] : 0;
          d += NR;
        }
      }
    } else {
      // op(B)[p][j] = b[p*n + j]: the NR values of one k step are contiguous.
      for (let p = 0; p < kc; p++) {
        const s = bOff + (pc + p) * n + col0;
        if (nr === NR) {
          dst[d] = b[s]; dst[d + 1] = b[s + 1]; dst[d + 2] = b[s + 2]; dst[d + 3] = b[s + 3];
        } else {
          for (let j = 0; j < NR; j++) dst[d + j] = j < nr ? b[s + j] : 0;
        }
        d += NR;
      }
    }
  }
}

// The register tile: C[mr×nr] at out[co] (row stride ldc) += packed A panel · packed B panel.
// `| 0` keeps index arithmetic in int32 so V8 drops its overflow checks.
function kernel4x4(kc: number, ao: number, bo: number, out: FloatArray, co: number, ldc: number,
  mr: number, nr: number): void {
  const A = aPack, B = bPack;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = A[ao], a1 = A[(ao + 1) | 0], a2 = A[(ao + 2) | 0], a3 = A[(ao + 3) | 0];
    const b0 = B[bo], b1 = B[(bo + 1) | 0], b2 = B[(bo + 2) | 0], b3 = B[(bo + 3) | 0];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ao = (ao + MR) | 0;
    bo = (bo + NR) | 0;
  }
  if (mr === MR && nr === NR) {
    out[co] += c00; out[co + 1] += c01; out[co + 2] += c02; out[co + 3] += c03; co += ldc;
    out[co] += c10; out[co + 1] += c11; out[co + 2] += c12; out[co + 3] += c13; co += ldc;
    out[co] += c20; out[co + 1] += c21; out[co + 2] += c22; out[co + 3] += c23; co += ldc;
    out[co] += c30; out[co + 1] += c31; out[co + 2] += c32; out[co + 3] += c33;
    return;
  }
  // Partial tile at the right or bottom edge: the padded rows/columns are dropped here.
  const t = edgeTile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03;
  t[4] = c10; t[5] = c11; t[6] = c12; t[7] = c13;
  t[8] = c20; t[9] = c21; t[10] = c22; t[11] = c23;
  t[12] = c30; t[13] = c31; t[14] = c32; t[15] = c33;
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) out[co + i * ldc + j] += t[i * NR + j];
  }
}

// Matrix-vector products (m = 1 or n = 1), where a 4×4 tile would waste most of its work:
// either contiguous dot products or axpy sweeps, whichever reads memory in order.
function matvec(a: FloatArray, aOff: number, b: FloatArray, bOff: number, out: FloatArray, outOff: number,
  m: number, k: number, n: number, transA: boolean, transB: boolean): void {
  if (m === 1) {
    // out[j] = Σp a[p]·op(B)[p][j]; a row of length k is contiguous whether or not transA.
    if (transB) {
      for (let j = 0; j < n; j++) out[outOff + j] = dot(a, aOff, b, bOff + j * k, k);
    } else {
      axpyRows(b, bOff, n, a, aOff, k, out, outOff);
    }
  } else if (transA) {
    // out[i] = Σp a[p*m + i]·b[p]: sweep a's rows scaled by b.
    axpyRows(a, aOff, m, b, bOff, k, out, outOff);
  } else {
    for (let i = 0; i < m; i++) out[outOff + i] = dot(a, aOff + i * k, b, bOff, k);
  }
}

// Σ x[xo + p]·y[yo + p] for p < len, with four partial sums to overlap the adds.
function dot(x: FloatArray, xo: number, y: FloatArray, yo: number, len: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let p = 0;
  for (; p + 3 < len; p += 4) {
    s0 += x[xo + p] * y[yo + p];
    s1 += x[xo + p + 1] * y[yo + p + 1];
    s2 += x[xo + p + 2] * y[yo + p + 2];
    s3 += x[xo + p + 3] * y[yo + p + 3];
  }
  for (; p < len; p++) s0 += x[xo + p] * y[yo + p];
  return (s0 + s1) + (s2 + s3);
}

// out[j] = Σp coef[co + p]·rows[ro + p*width + j] for j < width, accumulated in float64.
function axpyRows(rows: FloatArray, ro: number, width: number, coef: FloatArray, co: number, count: number,
  out: FloatArray, outOff: number): void {
  const acc = new Float64Array(width);
  let p = 0;
  // Four rows per sweep: one load and store of acc[j] serves four multiply-adds.
  for (; p + 3 < count; p += 4) {
    const c0 = coef[co + p], c1 = coef[co + p + 1], c2 = coef[co + p + 2], c3 = coef[co + p + 3];
    const r0 = ro + p * width, r1 = r0 + width, r2 = r1 + width, r3 = r2 + width;
    for (let j = 0; j < width; j++) {
      acc[j] += c0 * rows[r0 + j] + c1 * rows[r1 + j] + c2 * rows[r2 + j] + c3 * rows[r3 + j];
    }
  }
  for (; p < count; p++) {
    const c = coef[co + p];
    const r = ro + p * width;
    for (let j = 0; j < width; j++) acc[j] += c * rows[r + j];
  }
  for (let j = 0; j < width; j++) out[outOff + j] = acc[j];
}
