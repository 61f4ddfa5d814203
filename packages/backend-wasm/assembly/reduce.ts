// Reductions over a [outer, len, inner] block layout (the reduced axes made contiguous by the caller), and softmax / log-softmax along one axis.
//
// Sums, means and products accumulate in float64 for both dtypes, like the reference
// kernels; max and min are exact in either precision.

const SUM = 0, MEAN = 1, MAX = 2, MIN = 3, PROD = 4;

@inline
function init(op: i32): f64 {
  return op == MAX ? -Infinity : op == MIN ? Infinity : op == PROD ? 1 : 0;
}

@inline
function combine(op: i32, acc: f64, v: f64): f64 {
  switch (op) {
    case MAX: return v > acc || v != v ? v : acc;
    case MIN: return v < acc || v != v ? v : acc;
    case PROD: return acc * v;
    default: return acc + v;
  }
}

// out[o·inner + i] = ⊕ over k of x[(o·len + k)·inner + i]; acc is scratch of `inner` float64.
@inline
function reduceBlocks<T>(op: i32, x: usize, out: usize, outer: i32, len: i32, inner: i32, acc: usize): void {
  const S = <usize>sizeof<T>();
  const count = <f64>len;
  for (let o = 0; o < outer; o++) {
    const base = x + <usize>o * <usize>len * <usize>inner * S;
    const po = out + <usize>o * <usize>inner * S;
    if (inner == 1) {
      // Four partial results overlap the dependent adds of one long row.
      let s0 = init(op), s1 = init(op), s2 = init(op), s3 = init(op);
      let k = 0;
      for (; k + 4 <= len; k += 4) {
        const p = base + <usize>k * S;
        s0 = combine(op, s0, <f64>load<T>(p));
        s1 = combine(op, s1, <f64>load<T>(p + S));
        s2 = combine(op, s2, <f64>load<T>(p + 2 * S));
        s3 = combine(op, s3, <f64>load<T>(p + 3 * S));
      }
      for (; k < len; k++) s0 = combine(op, s0, <f64>load<T>(base + <usize>k * S));
      const s = combine(op, combine(op, s0, s1), combine(op, s2, s3));
      store<T>(po, <T>(op == MEAN ? s / count : s));
      continue;
    }
    const first = init(op);
    for (let i = 0; i < inner; i++) store<f64>(acc + (<usize>i << 3), first);
    for (let k = 0; k < len; k++) {
      const row = base + <usize>k * <usize>inner * S;
      let i = 0;
      if (op == SUM || op == MEAN) {
        // float64 lanes: two values per v128 add.
        for (; i + 2 <= inner; i += 2) {
          const pa = acc + (<usize>i << 3);
          const v = sizeof<T>() == 4
            ? f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>i << 2)))
            : v128.load(row + (<usize>i << 3));
          v128.store(pa, f64x2.add(v128.load(pa), v));
        }
      }
      for (; i < inner; i++) {
        const pa = acc + (<usize>i << 3);
        store<f64>(pa, combine(op, load<f64>(pa), <f64>load<T>(row + <usize>i * S)));
      }
    }
    for (let i = 0; i < inner; i++) {
      const s = load<f64>(acc + (<usize>i << 3));
      store<T>(po + <usize>i * S, <T>(op == MEAN ? s / count : s));
    }
  }
}

@inline
function reduceAny<T>(op: i32, x: usize, out: usize, outer: i32, len: i32, inner: i32, acc: usize): void {
  switch (op) {
    case SUM: reduceBlocks<T>(SUM, x, out, outer, len, inner, acc); break;
    case MEAN: reduceBlocks<T>(MEAN, x, out, outer, len, inner, acc); break;
    case MAX: reduceBlocks<T>(MAX, x, out, outer, len, inner, acc); break;
    case MIN: reduceBlocks<T>(MIN, x, out, outer, len, inner, acc); break;
    default: reduceBlocks<T>(PROD, x, out, outer, len, inner, acc);
  }
}

/** float32 reduction (op: 0 sum, 1 mean, 2 max, 3 min, 4 prod) of [outer, len, inner] over len. */
export function reduceF32(op: i32, x: usize, out: usize, outer: i32, len: i32, inner: i32, acc: usize): void {
  reduceAny<f32>(op, x, out, outer, len, inner, acc);
}

/** float64 reduction; as {@link reduceF32}. */
export function reduceF64(op: i32, x: usize, out: usize, outer: i32, len: i32, inner: i32, acc: usize): void {
  reduceAny<f64>(op, x, out, outer, len, inner, acc);
}

// Softmax (log = 0) or log-softmax (log = 1) of [outer, len, inner] along len, in float64
// per element, the reference's formula: subtract the max (0 if it is infinite), exp, sum.
@inline
function softmaxBlocks<T>(x: usize, out: usize, outer: i32, len: i32, inner: i32, log: bool): void {
  const S = <usize>sizeof<T>();
  const step = <usize>inner * S;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = x + (<usize>o * <usize>len * <usize>inner + <usize>i) * S;
      const ob = out + (<usize>o * <usize>len * <usize>inner + <usize>i) * S;
      let m: f64 = -Infinity;
      for (let k = 0; k < len; k++) m = Math.max(m, <f64>load<T>(base + <usize>k * step));
      if (!isFinite(m)) m = isNaN(m) ? m : 0;
      let s: f64 = 0;
      for (let k = 0; k < len; k++) s += Math.exp(<f64>load<T>(base + <usize>k * step) - m);
      if (log) {
        const lse = m + Math.log(s);
        for (let k = 0; k < len; k++) store<T>(ob + <usize>k * step, <T>(<f64>load<T>(base + <usize>k * step) - lse));
      } else {
        for (let k = 0; k < len; k++) store<T>(ob + <usize>k * step, <T>(Math.exp(<f64>load<T>(base + <usize>k * step) - m) / s));
      }
    }
  }
}

/** float32 softmax (log = 0) or log-softmax (log = 1) along the middle of [outer, len, inner]. */
export function softmaxF32(x: usize, out: usize, outer: i32, len: i32, inner: i32, log: i32): void {
  if (log != 0) softmaxBlocks<f32>(x, out, outer, len, inner, true);
  else softmaxBlocks<f32>(x, out, outer, len, inner, false);
}

/** float64 softmax or log-softmax; as {@link softmaxF32}. */
export function softmaxF64(x: usize, out: usize, outer: i32, len: i32, inner: i32, log: i32): void {
  if (log != 0) softmaxBlocks<f64>(x, out, outer, len, inner, true);
  else softmaxBlocks<f64>(x, out, outer, len, inner, false);
}
