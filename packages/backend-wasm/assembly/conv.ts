// 2-D convolution (NHWC input, HWIO filter) and its two gradients, as im2col / col2im in chunks + the SIMD matmul.
//
// The same algorithm as the reference kernels (packages/ops/src/kernels/conv.ts): im2col rows
// are output pixels (n, oy, ox), columns filter taps (ky, kx, c); chunks of rows keep the
// column matrix in L2 while the matmul reads it back.

import { matmulF32, matmulF64 } from './matmul';

/** Convolution geometry, laid out by the caller as 15 int32 in memory (src/conv.ts writes it). */
@unmanaged
class Geometry {
  n: i32; h: i32; w: i32; c: i32;
  kh: i32; kw: i32; o: i32;
  oh: i32; ow: i32;
  sh: i32; sw: i32; dh: i32; dw: i32;
  padTop: i32; padLeft: i32;
}

const COL_CHUNK_ELEMENTS: i32 = 1 << 16;

/** Rows of the im2col matrix one chunk holds for `taps` columns (at least one). */
export function convChunkRows(taps: i32): i32 {
  return max(1, COL_CHUNK_ELEMENTS / max(1, taps));
}

// dst[0..len) += src[0..len).
@inline
function addInto<T>(dst: usize, src: usize, len: i32): void {
  const S = <usize>sizeof<T>();
  const L = 16 / <i32>S;
  let i = 0;
  for (; i + L <= len; i += L) {
    const o = <usize>i * S;
    v128.store(dst + o, sizeof<T>() == 4 ? f32x4.add(v128.load(dst + o), v128.load(src + o)) : f64x2.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < len; i++) {
    const o = <usize>i * S;
    store<T>(dst + o, load<T>(dst + o) + load<T>(src + o));
  }
}

// dst[0..bytes) = src[0..bytes): a plain loop for short runs, where memory.copy's call costs more than the copy.
@inline
function copyBytes(dst: usize, src: usize, bytes: usize): void {
  if (bytes > 64) {
    memory.copy(dst, src, bytes);
    return;
  }
  let i: usize = 0;
  for (; i + 8 <= bytes; i += 8) store<u64>(dst + i, load<u64>(src + i));
  for (; i < bytes; i += 4) store<u32>(dst + i, load<u32>(src + i));
}

// dst[0..bytes) = 0, likewise.
@inline
function zeroBytes(dst: usize, bytes: usize): void {
  if (bytes > 64) {
    memory.fill(dst, 0, bytes);
    return;
  }
  let i: usize = 0;
  for (; i + 8 <= bytes; i += 8) store<u64>(dst + i, 0);
  for (; i < bytes; i += 4) store<u32>(dst + i, 0);
}

// Gathers (im2col) or scatter-adds (col2im) the patches of im2col rows r0..r0+count.
@inline
function transfer<T>(img: usize, g: Geometry, r0: i32, count: i32, col: usize, scatter: bool): void {
  const S = <usize>sizeof<T>();
  const h = g.h, w = g.w, c = g.c, kh = g.kh, kw = g.kw, oh = g.oh, ow = g.ow;
  const sh = g.sh, sw = g.sw, dh = g.dh, dw = g.dw, padTop = g.padTop, padLeft = g.padLeft;
  const run = kw * c;
  let ox = r0 % ow;
  let oy = (r0 / ow) % oh;
  let n = r0 / (ow * oh);
  let d = col;
  for (let r = 0; r < count; r++) {
    const iy0 = oy * sh - padTop, ix0 = ox * sw - padLeft;
    const contiguous = dw == 1 && ix0 >= 0 && ix0 + kw <= w;
    for (let ky = 0; ky < kh; ky++) {
      const iy = iy0 + ky * dh;
      if (iy < 0 || iy >= h) {
        if (!scatter) zeroBytes(d, <usize>run * S);
      } else {
        const rowBase = (n * h + iy) * w;
        if (contiguous) {
          const src = img + <usize>((rowBase + ix0) * c) * S;
          if (scatter) addInto<T>(src, d, run);
          else copyBytes(d, src, <usize>run * S);
        } else {
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            const dst = d + <usize>(kx * c) * S;
            if (ix < 0 || ix >= w) {
              if (!scatter) zeroBytes(dst, <usize>c * S);
              continue;
            }
            const src = img + <usize>((rowBase + ix) * c) * S;
            if (scatter) addInto<T>(src, dst, c);
            else copyBytes(dst, src, <usize>c * S);
          }
        }
      }
      d += <usize>run * S;
    }
    if (++ox == ow) { ox = 0; if (++oy == oh) { oy = 0; n++; } }
  }
}

@inline
function matmul<T>(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, ta: i32, tb: i32, scratch: usize): void {
  if (sizeof<T>() == 4) matmulF32(a, b, c, m, k, n, ta, tb, 0, m, scratch);
  else matmulF64(a, b, c, m, k, n, ta, tb, 0, m, scratch);
}

@inline
function pointwise(g: Geometry): bool {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.padTop == 0 && g.padLeft == 0 && g.oh == g.h && g.ow == g.w;
}

// y[rows, O] = im2col(x)[rows, taps] · w[taps, O], output rows r0..r1.
@inline
function forward<T>(x: usize, wt: usize, y: usize, g: Geometry, r0: i32, r1: i32, col: usize, scratch: usize): void {
  const S = <usize>sizeof<T>();
  const taps = g.kh * g.kw * g.c;
  if (pointwise(g)) {
    matmul<T>(x + <usize>(r0 * taps) * S, wt, y + <usize>(r0 * g.o) * S, r1 - r0, taps, g.o, 0, 0, scratch);
    return;
  }
  const step = convChunkRows(taps);
  for (let r = r0; r < r1; r += step) {
    const count = min(step, r1 - r);
    transfer<T>(x, g, r, count, col, false);
    matmul<T>(col, wt, y + <usize>(r * g.o) * S, count, taps, g.o, 0, 0, scratch);
  }
}

// dx = col2im(dy · wᵀ), for the input images n0..n1 (whole images, so threads never add into the same pixel).
@inline
function backwardInput<T>(dy: usize, wt: usize, dx: usize, g: Geometry, n0: i32, n1: i32, col: usize, scratch: usize): void {
  const S = <usize>sizeof<T>();
  const taps = g.kh * g.kw * g.c;
  const perImage = g.oh * g.ow;
  const r0 = n0 * perImage, r1 = n1 * perImage;
  const image = <usize>(g.h * g.w * g.c) * S;
  if (pointwise(g)) {
    matmul<T>(dy + <usize>(r0 * g.o) * S, wt, dx + <usize>n0 * image, r1 - r0, g.o, taps, 0, 1, scratch);
    return;
  }
  memory.fill(dx + <usize>n0 * image, 0, <usize>(n1 - n0) * image);
  const step = convChunkRows(taps);
  for (let r = r0; r < r1; r += step) {
    const count = min(step, r1 - r);
    matmul<T>(dy + <usize>(r * g.o) * S, wt, col, count, g.o, taps, 0, 1, scratch);
    transfer<T>(dx, g, r, count, col, true);
  }
}

// dw[taps, O] = Σ over chunks of im2col(x)ᵀ · dy, output rows r0..r1, summed in float64 into acc (taps·O float64).
@inline
function backwardFilter<T>(x: usize, dy: usize, acc: usize, g: Geometry, r0: i32, r1: i32, col: usize, part: usize, scratch: usize): void {
  const S = <usize>sizeof<T>();
  const taps = g.kh * g.kw * g.c;
  const size = taps * g.o;
  memory.fill(acc, 0, <usize>size * 8);
  const step = pointwise(g) ? r1 - r0 : convChunkRows(taps);
  for (let r = r0; r < r1; r += step) {
    const count = min(step, r1 - r);
    let src = x + <usize>(r * taps) * S;
    if (!pointwise(g)) {
      transfer<T>(x, g, r, count, col, false);
      src = col;
    }
    matmul<T>(src, dy + <usize>(r * g.o) * S, part, taps, count, g.o, 1, 0, scratch);
    for (let i = 0; i < size; i++) {
      const pa = acc + (<usize>i << 3);
      store<f64>(pa, load<f64>(pa) + <f64>load<T>(part + <usize>i * S));
    }
  }
}

/** float32 conv2d forward over output rows r0..r1 (all: 0, N·OH·OW); col holds convChunkRows(taps)·taps floats. */
export function conv2dF32(x: usize, wt: usize, y: usize, geom: usize, r0: i32, r1: i32, col: usize, scratch: usize): void {
  forward<f32>(x, wt, y, changetype<Geometry>(geom), r0, r1, col, scratch);
}
/** float64 conv2d forward; as {@link conv2dF32}. */
export function conv2dF64(x: usize, wt: usize, y: usize, geom: usize, r0: i32, r1: i32, col: usize, scratch: usize): void {
  forward<f64>(x, wt, y, changetype<Geometry>(geom), r0, r1, col, scratch);
}
/** float32 conv2d input gradient for images n0..n1. */
export function conv2dInputF32(dy: usize, wt: usize, dx: usize, geom: usize, n0: i32, n1: i32, col: usize, scratch: usize): void {
  backwardInput<f32>(dy, wt, dx, changetype<Geometry>(geom), n0, n1, col, scratch);
}
/** float64 conv2d input gradient for images n0..n1. */
export function conv2dInputF64(dy: usize, wt: usize, dx: usize, geom: usize, n0: i32, n1: i32, col: usize, scratch: usize): void {
  backwardInput<f64>(dy, wt, dx, changetype<Geometry>(geom), n0, n1, col, scratch);
}
/** float32 conv2d filter gradient of output rows r0..r1, summed in float64 into acc; part holds taps·O floats. */
export function conv2dFilterF32(x: usize, dy: usize, acc: usize, geom: usize, r0: i32, r1: i32, col: usize, part: usize, scratch: usize): void {
  backwardFilter<f32>(x, dy, acc, changetype<Geometry>(geom), r0, r1, col, part, scratch);
}
/** float64 conv2d filter gradient; as {@link conv2dFilterF32}. */
export function conv2dFilterF64(x: usize, dy: usize, acc: usize, geom: usize, r0: i32, r1: i32, col: usize, part: usize, scratch: usize): void {
  backwardFilter<f64>(x, dy, acc, changetype<Geometry>(geom), r0, r1, col, part, scratch);
}

/** Converts n float64 at src to float32 (f32 = 1) or copies them (f32 = 0) to dst. */
export function fromF64(src: usize, dst: usize, n: i32, f32: i32): void {
  if (f32 == 0) {
    memory.copy(dst, src, <usize>n << 3);
    return;
  }
  for (let i = 0; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<f64>(src + (<usize>i << 3)));
}
