// Dense matrix multiply in WebAssembly SIMD: packed panels, cache blocks and register tiles, float32 and float64.
//
// C[m×n] = op(A)·op(B) overwrites C. op(A) is A (m×k, row-major) or Aᵀ (A stored k×m); op(B)
// is B (k×n) or Bᵀ (B stored n×k). Pointers are byte addresses in linear memory; `scratch`
// holds the packed panels (see scratchBytes in src/matmul.ts for its size).
//
// Shape of the computation (the BLIS layout):
// - a KC×NC block of op(B) is packed into NR-column panels, k-major, zero-padded to NR;
// - an MC×KC block of op(A) is packed into MR-row panels, k-major, zero-padded to MR;
// - the micro-kernel keeps an MR×NR tile of C in v128 locals and, per k step, loads one
//   panel row of B (NR lanes) and splats MR values of A: MR·NR/L multiply-adds per
//   MR + NR/L loads (L = lanes). Without relaxed SIMD there is no fused multiply-add, so a
//   step is mul then add.
// - float32: MR=4, NR=8 (8 accumulators + 2 B vectors + 1 splat fit x64's 16 vector
//   registers); float64: MR=4, NR=4, the same register budget.

// Block sizes: a KC×NR sliver of packed B (8 KB) stays in L1 while it sweeps the packed A
// block (MC×KC, 64 KB in L2); the packed B block (KC×NC, 512 KB) stays in L2.
export const KC: i32 = 256;
export const MC: i32 = 64;
export const NC: i32 = 512;

const MR: i32 = 4;
const NR32: i32 = 8;
const NR64: i32 = 4;

// Packs rows ic..ic+mc, columns pc..pc+kc of op(A) into dst as MR-row panels.
@inline
function packA<T>(a: usize, m: i32, k: i32, transA: bool, ic: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
  const S = <usize>sizeof<T>();
  let d = dst;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const row0 = ic + ir;
    if (transA) {
      // op(A)[i][p] = a[p·m + i]: the MR values of one k step are contiguous.
      for (let p = 0; p < kc; p++) {
        const s = a + (<usize>(pc + p) * <usize>m + <usize>row0) * S;
        for (let i = 0; i < MR; i++) store<T>(d + <usize>i * S, i < mr ? load<T>(s + <usize>i * S) : <T>0);
        d += <usize>MR * S;
      }
    } else {
      // op(A)[i][p] = a[i·k + p]: MR rows side by side.
      const s0 = a + (<usize>row0 * <usize>k + <usize>pc) * S;
      const ks = <usize>k * S;
      if (mr == MR) {
        for (let p = 0; p < kc; p++) {
          const s = s0 + <usize>p * S;
          store<T>(d, load<T>(s));
          store<T>(d + S, load<T>(s + ks));
          store<T>(d + 2 * S, load<T>(s + 2 * ks));
          store<T>(d + 3 * S, load<T>(s + 3 * ks));
          d += <usize>MR * S;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          const s = s0 + <usize>p * S;
          for (let i = 0; i < MR; i++) store<T>(d + <usize>i * S, i < mr ? load<T>(s + <usize>i * ks) : <T>0);
          d += <usize>MR * S;
        }
      }
    }
  }
}

// Packs rows pc..pc+kc, columns jc..jc+nc of op(B) into dst as NR-column panels.
@inline
function packB<T>(b: usize, k: i32, n: i32, transB: bool, pc: i32, kc: i32, jc: i32, nc: i32, NR: i32, dst: usize): void {
  const S = <usize>sizeof<T>();
  let d = dst;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const col0 = jc + jr;
    if (transB) {
      // op(B)[p][j] = b[j·k + p]: NR rows of b side by side.
      const s0 = b + (<usize>col0 * <usize>k + <usize>pc) * S;
      const ks = <usize>k * S;
      for (let p = 0; p < kc; p++) {
        const s = s0 + <usize>p * S;
        for (let j = 0; j < NR; j++) store<T>(d + <usize>j * S, j < nr ? load<T>(s + <usize>j * ks) : <T>0);
        d += <usize>NR * S;
      }
    } else {
      // op(B)[p][j] = b[p·n + j]: the NR values of one k step are contiguous (two v128).
      const ns = <usize>n * S;
      let s = b + (<usize>pc * <usize>n + <usize>col0) * S;
      if (nr == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(d, v128.load(s));
          v128.store(d, v128.load(s, 16), 16);
          s += ns;
          d += <usize>NR * S;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let j = 0; j < NR; j++) store<T>(d + <usize>j * S, j < nr ? load<T>(s + <usize>j * S) : <T>0);
          s += ns;
          d += <usize>NR * S;
        }
      }
    }
  }
}

// The float32 register tile: C[mr×nr] at c (row stride ldc bytes) = (accumulate ? C : 0) + Apanel·Bpanel.
// A partial tile (right or bottom edge) goes through `edge` (MR·NR floats) and is copied out.
@inline
function tileF32(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, mr: i32, nr: i32, accumulate: bool, edge: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    const a0 = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0)); c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    const a1 = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a1, b0)); c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    const a2 = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a2, b0)); c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    const a3 = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a3, b0)); c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    ap += 16;
    bp += 32;
  }
  const full = mr == MR && nr == NR32;
  const t = full ? c : edge;
  const ld = full ? ldc : 32;
  if (full && accumulate) {
    v128.store(t, f32x4.add(v128.load(t), c00)); v128.store(t, f32x4.add(v128.load(t, 16), c01), 16);
    v128.store(t + ld, f32x4.add(v128.load(t + ld), c10)); v128.store(t + ld, f32x4.add(v128.load(t + ld, 16), c11), 16);
    v128.store(t + 2 * ld, f32x4.add(v128.load(t + 2 * ld), c20)); v128.store(t + 2 * ld, f32x4.add(v128.load(t + 2 * ld, 16), c21), 16);
    v128.store(t + 3 * ld, f32x4.add(v128.load(t + 3 * ld), c30)); v128.store(t + 3 * ld, f32x4.add(v128.load(t + 3 * ld, 16), c31), 16);
    return;
  }
  v128.store(t, c00); v128.store(t, c01, 16);
  v128.store(t + ld, c10); v128.store(t + ld, c11, 16);
  v128.store(t + 2 * ld, c20); v128.store(t + 2 * ld, c21, 16);
  v128.store(t + 3 * ld, c30); v128.store(t + 3 * ld, c31, 16);
  if (full) return;
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldc;
    for (let j = 0; j < nr; j++) {
      const v = load<f32>(edge + <usize>(i * NR32 + j) * 4);
      const o = row + <usize>j * 4;
      store<f32>(o, accumulate ? load<f32>(o) + v : v);
    }
  }
}

// The float64 register tile: as tileF32 with MR=4, NR=4 (two f64x2 per row).
@inline
function tileF64(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, mr: i32, nr: i32, accumulate: bool, edge: usize): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    const a0 = v128.load64_splat(ap);
    c00 = f64x2.add(c00, f64x2.mul(a0, b0)); c01 = f64x2.add(c01, f64x2.mul(a0, b1));
    const a1 = v128.load64_splat(ap, 8);
    c10 = f64x2.add(c10, f64x2.mul(a1, b0)); c11 = f64x2.add(c11, f64x2.mul(a1, b1));
    const a2 = v128.load64_splat(ap, 16);
    c20 = f64x2.add(c20, f64x2.mul(a2, b0)); c21 = f64x2.add(c21, f64x2.mul(a2, b1));
    const a3 = v128.load64_splat(ap, 24);
    c30 = f64x2.add(c30, f64x2.mul(a3, b0)); c31 = f64x2.add(c31, f64x2.mul(a3, b1));
    ap += 32;
    bp += 32;
  }
  const full = mr == MR && nr == NR64;
  const t = full ? c : edge;
  const ld = full ? ldc : 32;
  if (full && accumulate) {
    v128.store(t, f64x2.add(v128.load(t), c00)); v128.store(t, f64x2.add(v128.load(t, 16), c01), 16);
    v128.store(t + ld, f64x2.add(v128.load(t + ld), c10)); v128.store(t + ld, f64x2.add(v128.load(t + ld, 16), c11), 16);
    v128.store(t + 2 * ld, f64x2.add(v128.load(t + 2 * ld), c20)); v128.store(t + 2 * ld, f64x2.add(v128.load(t + 2 * ld, 16), c21), 16);
    v128.store(t + 3 * ld, f64x2.add(v128.load(t + 3 * ld), c30)); v128.store(t + 3 * ld, f64x2.add(v128.load(t + 3 * ld, 16), c31), 16);
    return;
  }
  v128.store(t, c00); v128.store(t, c01, 16);
  v128.store(t + ld, c10); v128.store(t + ld, c11, 16);
  v128.store(t + 2 * ld, c20); v128.store(t + 2 * ld, c21, 16);
  v128.store(t + 3 * ld, c30); v128.store(t + 3 * ld, c31, 16);
  if (full) return;
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldc;
    for (let j = 0; j < nr; j++) {
      const v = load<f64>(edge + <usize>(i * NR64 + j) * 8);
      const o = row + <usize>j * 8;
      store<f64>(o, accumulate ? load<f64>(o) + v : v);
    }
  }
}

/**
 * float32 C = op(A)·op(B) over the output rows i0..i1 (all rows: 0, m). A row range lets
 * threads split one product by output tiles; each caller needs its own scratch.
 */
export function matmulF32(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transA: i32, transB: i32,
  i0: i32, i1: i32, scratch: usize): void {
  const S: usize = 4;
  const bPack = scratch;
  const aPack = bPack + <usize>(KC * NC) * S;
  const edge = aPack + <usize>(MC * KC) * S;
  const ldc = <usize>n * S;
  if (k == 0) {
    memory.fill(c + <usize>i0 * ldc, 0, <usize>(i1 - i0) * ldc);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB<f32>(b, k, n, transB != 0, pc, kc, jc, nc, NR32, bPack);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        packA<f32>(a, m, k, transA != 0, ic, mc, pc, kc, aPack);
        for (let jr = 0; jr < nc; jr += NR32) {
          const nr = min(NR32, nc - jr);
          const bp = bPack + <usize>(jr * kc) * S;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cp = c + <usize>(ic + ir) * ldc + <usize>(jc + jr) * S;
            tileF32(kc, aPack + <usize>(ir * kc) * S, bp, cp, ldc, mr, nr, pc > 0, edge);
          }
        }
      }
    }
  }
}

/** float64 C = op(A)·op(B) over output rows i0..i1; as {@link matmulF32}. */
export function matmulF64(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transA: i32, transB: i32,
  i0: i32, i1: i32, scratch: usize): void {
  const S: usize = 8;
  const bPack = scratch;
  const aPack = bPack + <usize>(KC * NC) * S;
  const edge = aPack + <usize>(MC * KC) * S;
  const ldc = <usize>n * S;
  if (k == 0) {
    memory.fill(c + <usize>i0 * ldc, 0, <usize>(i1 - i0) * ldc);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packB<f64>(b, k, n, transB != 0, pc, kc, jc, nc, NR64, bPack);
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        packA<f64>(a, m, k, transA != 0, ic, mc, pc, kc, aPack);
        for (let jr = 0; jr < nc; jr += NR64) {
          const nr = min(NR64, nc - jr);
          const bp = bPack + <usize>(jr * kc) * S;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cp = c + <usize>(ic + ir) * ldc + <usize>(jc + jr) * S;
            tileF64(kc, aPack + <usize>(ir * kc) * S, bp, cp, ldc, mr, nr, pc > 0, edge);
          }
        }
      }
    }
  }
}
