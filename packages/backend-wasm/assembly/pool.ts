// 2-D max and average pooling over NHWC input and their gradients, the reference kernels' loops (packages/ops/src/kernels/pool.ts).
//
// rows / cols are int32 tables: for output row i, the input rows [rows[2i], rows[2i+1]) its
// window covers inside the input (padding is skipped, never read); likewise for columns.

// out = max over each window, argmax = the flat input index it came from (first maximum, first NaN).
@inline
function maxPool<T>(x: usize, out: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, rows: usize, cols: usize): void {
  const S = <usize>sizeof<T>();
  let o = 0;
  for (let img = 0; img < n; img++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = load<i32>(rows + (<usize>(2 * oy) << 2)), y1 = load<i32>(rows + (<usize>(2 * oy + 1) << 2));
      for (let ox = 0; ox < ow; ox++) {
        const x0 = load<i32>(cols + (<usize>(2 * ox) << 2)), x1 = load<i32>(cols + (<usize>(2 * ox + 1) << 2));
        for (let ch = 0; ch < c; ch++) {
          store<T>(out + <usize>(o + ch) * S, <T>-Infinity);
          store<i32>(argmax + (<usize>(o + ch) << 2), -1);
        }
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const s = ((img * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = load<T>(x + <usize>(s + ch) * S);
              const po = out + <usize>(o + ch) * S, pa = argmax + (<usize>(o + ch) << 2);
              const best = load<T>(po);
              if (load<i32>(pa) < 0 || v > best || (v != v && best == best)) {
                store<T>(po, v);
                store<i32>(pa, s + ch);
              }
            }
          }
        }
        o += c;
      }
    }
  }
}

// maxPool<f32> four channels at a time (c a multiple of 4): the same choice per lane, made
// with compare masks and bitselect instead of branches.
function maxPoolF32x4(x: usize, out: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, rows: usize, cols: usize): void {
  const lanes = i32x4(0, 1, 2, 3);
  let o = 0;
  for (let img = 0; img < n; img++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = load<i32>(rows + (<usize>(2 * oy) << 2)), y1 = load<i32>(rows + (<usize>(2 * oy + 1) << 2));
      for (let ox = 0; ox < ow; ox++) {
        const x0 = load<i32>(cols + (<usize>(2 * ox) << 2)), x1 = load<i32>(cols + (<usize>(2 * ox + 1) << 2));
        for (let ch = 0; ch < c; ch += 4) {
          let best = f32x4.splat(-Infinity);
          let arg = i32x4.splat(-1);
          let first = true;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const s = ((img * h + iy) * w + ix) * c + ch;
              const v = v128.load(x + (<usize>s << 2));
              const idx = i32x4.add(i32x4.splat(s), lanes);
              if (first) {
                best = v;
                arg = idx;
                first = false;
              } else {
                // Anything larger, or the first NaN (then kept): the reference's rule.
                const take = v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
                best = v128.bitselect(v, best, take);
                arg = v128.bitselect(idx, arg, take);
              }
            }
          }
          v128.store(out + (<usize>(o + ch) << 2), best);
          v128.store(argmax + (<usize>(o + ch) << 2), arg);
        }
        o += c;
      }
    }
  }
}

/** float32 max pooling: out and argmax (int32) per output element. */
export function maxPoolF32(x: usize, out: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, rows: usize, cols: usize): void {
  if ((c & 3) == 0) maxPoolF32x4(x, out, argmax, n, h, w, c, oh, ow, rows, cols);
  else maxPool<f32>(x, out, argmax, n, h, w, c, oh, ow, rows, cols);
}
/** float64 max pooling; as {@link maxPoolF32}. */
export function maxPoolF64(x: usize, out: usize, argmax: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, rows: usize, cols: usize): void {
  maxPool<f64>(x, out, argmax, n, h, w, c, oh, ow, rows, cols);
}

@inline
function scatter<T>(dy: usize, argmax: usize, m: i32, dx: usize, xSize: i32): void {
  const S = <usize>sizeof<T>();
  memory.fill(dx, 0, <usize>xSize * S);
  for (let i = 0; i < m; i++) {
    const j = load<i32>(argmax + (<usize>i << 2));
    if (j >= 0) {
      const p = dx + <usize>j * S;
      store<T>(p, load<T>(p) + load<T>(dy + <usize>i * S));
    }
  }
}

@inline
function gather<T>(v: usize, argmax: usize, m: i32, out: usize): void {
  const S = <usize>sizeof<T>();
  for (let i = 0; i < m; i++) {
    const j = load<i32>(argmax + (<usize>i << 2));
    // Every window holds at least one input pixel (pads are smaller than the window), so j ≥ 0.
    store<T>(out + <usize>i * S, load<T>(v + <usize>j * S));
  }
}

/** dx (xSize elements) = each dy[i] added at argmax[i], float32 (the max-pool gradient). */
export function poolScatterF32(dy: usize, argmax: usize, m: i32, dx: usize, xSize: i32): void { scatter<f32>(dy, argmax, m, dx, xSize); }
/** float64 {@link poolScatterF32}. */
export function poolScatterF64(dy: usize, argmax: usize, m: i32, dx: usize, xSize: i32): void { scatter<f64>(dy, argmax, m, dx, xSize); }
/** out[i] = v[argmax[i]], float32 (the max-pool tangent). */
export function poolGatherF32(v: usize, argmax: usize, m: i32, out: usize): void { gather<f32>(v, argmax, m, out); }
/** float64 {@link poolGatherF32}. */
export function poolGatherF64(v: usize, argmax: usize, m: i32, out: usize): void { gather<f64>(v, argmax, m, out); }

// Average pooling (grad = 0) or its gradient (grad = 1): the mean over the in-input part of each window.
@inline
function avgPool<T>(src: usize, dst: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, rows: usize, cols: usize, acc: usize, grad: bool): void {
  const S = <usize>sizeof<T>();
  if (grad) memory.fill(dst, 0, <usize>(n * h * w * c) * S);
  let o = 0;
  for (let img = 0; img < n; img++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = load<i32>(rows + (<usize>(2 * oy) << 2)), y1 = load<i32>(rows + (<usize>(2 * oy + 1) << 2));
      for (let ox = 0; ox < ow; ox++) {
        const x0 = load<i32>(cols + (<usize>(2 * ox) << 2)), x1 = load<i32>(cols + (<usize>(2 * ox + 1) << 2));
        const count = (y1 - y0) * (x1 - x0);
        const scale: f64 = count > 0 ? 1 / <f64>count : 0;
        if (!grad) memory.fill(acc, 0, <usize>c << 3);
        for (let iy = y0; iy < y1; iy++) {
          for (let ix = x0; ix < x1; ix++) {
            const s = ((img * h + iy) * w + ix) * c;
            for (let ch = 0; ch < c; ch++) {
              if (grad) {
                const p = dst + <usize>(s + ch) * S;
                store<T>(p, <T>(<f64>load<T>(p) + <f64>load<T>(src + <usize>(o + ch) * S) * scale));
              } else {
                const p = acc + (<usize>ch << 3);
                store<f64>(p, load<f64>(p) + <f64>load<T>(src + <usize>(s + ch) * S));
              }
            }
          }
        }
        if (!grad) for (let ch = 0; ch < c; ch++) store<T>(dst + <usize>(o + ch) * S, <T>(load<f64>(acc + (<usize>ch << 3)) * scale));
        o += c;
      }
    }
  }
}

/** float32 average pooling (grad = 0: x → out) or its gradient (grad = 1: dy → dx); acc holds c float64. */
export function avgPoolF32(src: usize, dst: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, rows: usize, cols: usize, acc: usize, grad: i32): void {
  if (grad != 0) avgPool<f32>(src, dst, n, h, w, c, oh, ow, rows, cols, acc, true);
  else avgPool<f32>(src, dst, n, h, w, c, oh, ow, rows, cols, acc, false);
}
/** float64 {@link avgPoolF32}. */
export function avgPoolF64(src: usize, dst: usize, n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, rows: usize, cols: usize, acc: usize, grad: i32): void {
  if (grad != 0) avgPool<f64>(src, dst, n, h, w, c, oh, ow, rows, cols, acc, true);
  else avgPool<f64>(src, dst, n, h, w, c, oh, ow, rows, cols, acc, false);
}
