// Elementwise kernels: unary ops (SIMD where the result is exact, else per-lane float64 scalar maths) and binary ops over broadcast rows.
//
// Accuracy: every float32 result is the float64 result rounded once, like the reference
// kernels (which compute in float64 and store to float32). Lanes are computed in SIMD only
// where that is the same number: neg, abs, relu, square, sqrt, 1/x, floor and the binary
// + − × ÷ max min comparisons are correctly rounded in float32, and float64 → float32
// double rounding is harmless for them (53 ≥ 2·24 + 2 bits). The transcendental ops run
// AssemblyScript's float64 maths (musl's algorithms, < 1 ulp) per lane.

// Unary op codes (src/elementwise.ts holds the same table).
const NEG = 0, ABS = 1, RELU = 2, SQUARE = 3, SQRT = 4, RECIPROCAL = 5, FLOOR = 6;
const EXP = 16, LOG = 17, SIGMOID = 18, TANH = 19, LEAKY_RELU = 20, ELU = 21, SOFTPLUS = 22, SILU = 23,
  RSQRT = 24, SIN = 25, COS = 26, EXPM1 = 27, LOG1P = 28, SIGN = 29, ROUND = 30;
/** Codes below this run in SIMD; the rest per lane in float64. */
const FIRST_SCALAR = 16;

@inline
function simd32(op: i32, x: v128): v128 {
  switch (op) {
    case NEG: return f32x4.neg(x);
    case ABS: return f32x4.abs(x);
    case RELU: return f32x4.max(x, f32x4.splat(0));
    case SQUARE: return f32x4.mul(x, x);
    case SQRT: return f32x4.sqrt(x);
    case RECIPROCAL: return f32x4.div(f32x4.splat(1), x);
    default: return f32x4.floor(x);
  }
}

@inline
function simd64(op: i32, x: v128): v128 {
  switch (op) {
    case NEG: return f64x2.neg(x);
    case ABS: return f64x2.abs(x);
    case RELU: return f64x2.max(x, f64x2.splat(0));
    case SQUARE: return f64x2.mul(x, x);
    case SQRT: return f64x2.sqrt(x);
    case RECIPROCAL: return f64x2.div(f64x2.splat(1), x);
    default: return f64x2.floor(x);
  }
}

// The same functions on one float64 value, as the reference kernels write them.
@inline
function scalar(op: i32, v: f64, alpha: f64): f64 {
  switch (op) {
    case NEG: return -v;
    case ABS: return Math.abs(v);
    case RELU: return v > 0 ? v : v == v ? 0 : v;
    case SQUARE: return v * v;
    case SQRT: return Math.sqrt(v);
    case RECIPROCAL: return 1 / v;
    case FLOOR: return Math.floor(v);
    case EXP: return Math.exp(v);
    case LOG: return Math.log(v);
    case SIGMOID: {
      if (v >= 0) return 1 / (1 + Math.exp(-v));
      const e = Math.exp(v);
      return e / (1 + e);
    }
    case TANH: return Math.tanh(v);
    case LEAKY_RELU: return v > 0 ? v : alpha * v;
    case ELU: return v > 0 ? v : alpha * Math.expm1(v);
    case SOFTPLUS: return (v > 0 ? v : 0) + Math.log1p(Math.exp(-Math.abs(v)));
    case SILU: {
      if (v >= 0) return v / (1 + Math.exp(-v));
      const e = Math.exp(v);
      return (v * e) / (1 + e);
    }
    case RSQRT: return 1 / Math.sqrt(v);
    case SIN: return Math.sin(v);
    case COS: return Math.cos(v);
    case EXPM1: return Math.expm1(v);
    case LOG1P: return Math.log1p(v);
    case SIGN: return v > 0 ? 1 : v < 0 ? -1 : v;
    default: return Math.sign(v) * Math.round(Math.abs(v));
  }
}

@inline
function unary32(op: i32, x: usize, y: usize, n: i32, alpha: f64): void {
  let i = 0;
  if (op < FIRST_SCALAR) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, simd32(op, v128.load(x + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, <f32>scalar(op, <f64>load<f32>(x + o), alpha));
  }
}

@inline
function unary64(op: i32, x: usize, y: usize, n: i32, alpha: f64): void {
  let i = 0;
  if (op < FIRST_SCALAR) {
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      v128.store(y + o, simd64(op, v128.load(x + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(y + o, scalar(op, load<f64>(x + o), alpha));
  }
}

// Binary op codes (src/elementwise.ts holds the same table).
const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, MIN = 5, EQ = 6, NE = 7, LT = 8, LE = 9, GT = 10, GE = 11;

@inline
function bin32(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f32x4.add(a, b);
    case SUB: return f32x4.sub(a, b);
    case MUL: return f32x4.mul(a, b);
    case DIV: return f32x4.div(a, b);
    case MAX: return f32x4.max(a, b);
    case MIN: return f32x4.min(a, b);
    case EQ: return v128.and(f32x4.eq(a, b), f32x4.splat(1));
    case NE: return v128.and(f32x4.ne(a, b), f32x4.splat(1));
    case LT: return v128.and(f32x4.lt(a, b), f32x4.splat(1));
    case LE: return v128.and(f32x4.le(a, b), f32x4.splat(1));
    case GT: return v128.and(f32x4.gt(a, b), f32x4.splat(1));
    default: return v128.and(f32x4.ge(a, b), f32x4.splat(1));
  }
}

@inline
function bin64(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case ADD: return f64x2.add(a, b);
    case SUB: return f64x2.sub(a, b);
    case MUL: return f64x2.mul(a, b);
    case DIV: return f64x2.div(a, b);
    case MAX: return f64x2.max(a, b);
    case MIN: return f64x2.min(a, b);
    case EQ: return v128.and(f64x2.eq(a, b), f64x2.splat(1));
    case NE: return v128.and(f64x2.ne(a, b), f64x2.splat(1));
    case LT: return v128.and(f64x2.lt(a, b), f64x2.splat(1));
    case LE: return v128.and(f64x2.le(a, b), f64x2.splat(1));
    case GT: return v128.and(f64x2.gt(a, b), f64x2.splat(1));
    default: return v128.and(f64x2.ge(a, b), f64x2.splat(1));
  }
}

@inline
function binary32(op: i32, a: usize, aRows: usize, aStep: i32, b: usize, bRows: usize, bStep: i32,
  out: usize, rows: i32, w: i32): void {
  for (let r = 0; r < rows; r++) {
    const pa = a + (<usize>load<i32>(aRows + (<usize>r << 2)) << 2);
    const pb = b + (<usize>load<i32>(bRows + (<usize>r << 2)) << 2);
    const po = out + (<usize>r * <usize>w << 2);
    let j = 0;
    if (aStep == 1 && bStep == 1) {
      for (; j + 4 <= w; j += 4) {
        const o = <usize>j << 2;
        v128.store(po + o, bin32(op, v128.load(pa + o), v128.load(pb + o)));
      }
    } else if (aStep == 1) {
      const vb = v128.load32_splat(pb);
      for (; j + 4 <= w; j += 4) {
        const o = <usize>j << 2;
        v128.store(po + o, bin32(op, v128.load(pa + o), vb));
      }
    } else if (bStep == 1) {
      const va = v128.load32_splat(pa);
      for (; j + 4 <= w; j += 4) {
        const o = <usize>j << 2;
        v128.store(po + o, bin32(op, va, v128.load(pb + o)));
      }
    }
    for (; j < w; j++) {
      const va = f32x4.splat(load<f32>(pa + (<usize>(j * aStep) << 2)));
      const vb = f32x4.splat(load<f32>(pb + (<usize>(j * bStep) << 2)));
      store<f32>(po + (<usize>j << 2), f32x4.extract_lane(bin32(op, va, vb), 0));
    }
  }
}

@inline
function binary64(op: i32, a: usize, aRows: usize, aStep: i32, b: usize, bRows: usize, bStep: i32,
  out: usize, rows: i32, w: i32): void {
  for (let r = 0; r < rows; r++) {
    const pa = a + (<usize>load<i32>(aRows + (<usize>r << 2)) << 3);
    const pb = b + (<usize>load<i32>(bRows + (<usize>r << 2)) << 3);
    const po = out + (<usize>r * <usize>w << 3);
    let j = 0;
    if (aStep == 1 && bStep == 1) {
      for (; j + 2 <= w; j += 2) {
        const o = <usize>j << 3;
        v128.store(po + o, bin64(op, v128.load(pa + o), v128.load(pb + o)));
      }
    } else if (aStep == 1) {
      const vb = v128.load64_splat(pb);
      for (; j + 2 <= w; j += 2) {
        const o = <usize>j << 3;
        v128.store(po + o, bin64(op, v128.load(pa + o), vb));
      }
    } else if (bStep == 1) {
      const va = v128.load64_splat(pa);
      for (; j + 2 <= w; j += 2) {
        const o = <usize>j << 3;
        v128.store(po + o, bin64(op, va, v128.load(pb + o)));
      }
    }
    for (; j < w; j++) {
      const va = f64x2.splat(load<f64>(pa + (<usize>(j * aStep) << 3)));
      const vb = f64x2.splat(load<f64>(pb + (<usize>(j * bStep) << 3)));
      store<f64>(po + (<usize>j << 3), f64x2.extract_lane(bin64(op, va, vb), 0));
    }
  }
}

/** y[i] = f(x[i]) for i < n, float32; `alpha` is the op's parameter (leakyRelu, elu). */
export function unaryF32(op: i32, x: usize, y: usize, n: i32, alpha: f64): void {
  switch (op) {
    case NEG: unary32(NEG, x, y, n, alpha); break;
    case ABS: unary32(ABS, x, y, n, alpha); break;
    case RELU: unary32(RELU, x, y, n, alpha); break;
    case SQUARE: unary32(SQUARE, x, y, n, alpha); break;
    case SQRT: unary32(SQRT, x, y, n, alpha); break;
    case RECIPROCAL: unary32(RECIPROCAL, x, y, n, alpha); break;
    case FLOOR: unary32(FLOOR, x, y, n, alpha); break;
    case EXP: unary32(EXP, x, y, n, alpha); break;
    case LOG: unary32(LOG, x, y, n, alpha); break;
    case SIGMOID: unary32(SIGMOID, x, y, n, alpha); break;
    case TANH: unary32(TANH, x, y, n, alpha); break;
    case LEAKY_RELU: unary32(LEAKY_RELU, x, y, n, alpha); break;
    case ELU: unary32(ELU, x, y, n, alpha); break;
    case SOFTPLUS: unary32(SOFTPLUS, x, y, n, alpha); break;
    case SILU: unary32(SILU, x, y, n, alpha); break;
    case RSQRT: unary32(RSQRT, x, y, n, alpha); break;
    case SIN: unary32(SIN, x, y, n, alpha); break;
    case COS: unary32(COS, x, y, n, alpha); break;
    case EXPM1: unary32(EXPM1, x, y, n, alpha); break;
    case LOG1P: unary32(LOG1P, x, y, n, alpha); break;
    case SIGN: unary32(SIGN, x, y, n, alpha); break;
    default: unary32(ROUND, x, y, n, alpha);
  }
}

/** y[i] = f(x[i]) for i < n, float64. */
export function unaryF64(op: i32, x: usize, y: usize, n: i32, alpha: f64): void {
  switch (op) {
    case NEG: unary64(NEG, x, y, n, alpha); break;
    case ABS: unary64(ABS, x, y, n, alpha); break;
    case RELU: unary64(RELU, x, y, n, alpha); break;
    case SQUARE: unary64(SQUARE, x, y, n, alpha); break;
    case SQRT: unary64(SQRT, x, y, n, alpha); break;
    case RECIPROCAL: unary64(RECIPROCAL, x, y, n, alpha); break;
    case FLOOR: unary64(FLOOR, x, y, n, alpha); break;
    case EXP: unary64(EXP, x, y, n, alpha); break;
    case LOG: unary64(LOG, x, y, n, alpha); break;
    case SIGMOID: unary64(SIGMOID, x, y, n, alpha); break;
    case TANH: unary64(TANH, x, y, n, alpha); break;
    case LEAKY_RELU: unary64(LEAKY_RELU, x, y, n, alpha); break;
    case ELU: unary64(ELU, x, y, n, alpha); break;
    case SOFTPLUS: unary64(SOFTPLUS, x, y, n, alpha); break;
    case SILU: unary64(SILU, x, y, n, alpha); break;
    case RSQRT: unary64(RSQRT, x, y, n, alpha); break;
    case SIN: unary64(SIN, x, y, n, alpha); break;
    case COS: unary64(COS, x, y, n, alpha); break;
    case EXPM1: unary64(EXPM1, x, y, n, alpha); break;
    case LOG1P: unary64(LOG1P, x, y, n, alpha); break;
    case SIGN: unary64(SIGN, x, y, n, alpha); break;
    default: unary64(ROUND, x, y, n, alpha);
  }
}

/**
 * Broadcast binary op, float32: the output is `rows` rows of `w` elements; row r reads a from
 * element offset aRows[r] (an i32 table) stepping aStep (1, or 0 to repeat one value), and b
 * likewise.
 */
export function binaryF32(op: i32, a: usize, aRows: usize, aStep: i32, b: usize, bRows: usize, bStep: i32, out: usize, rows: i32, w: i32): void {
  switch (op) {
    case ADD: binary32(ADD, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case SUB: binary32(SUB, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case MUL: binary32(MUL, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case DIV: binary32(DIV, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case MAX: binary32(MAX, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case MIN: binary32(MIN, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case EQ: binary32(EQ, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case NE: binary32(NE, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case LT: binary32(LT, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case LE: binary32(LE, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case GT: binary32(GT, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    default: binary32(GE, a, aRows, aStep, b, bRows, bStep, out, rows, w);
  }
}

/** Broadcast binary op, float64; as {@link binaryF32}. */
export function binaryF64(op: i32, a: usize, aRows: usize, aStep: i32, b: usize, bRows: usize, bStep: i32, out: usize, rows: i32, w: i32): void {
  switch (op) {
    case ADD: binary64(ADD, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case SUB: binary64(SUB, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case MUL: binary64(MUL, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case DIV: binary64(DIV, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case MAX: binary64(MAX, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case MIN: binary64(MIN, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case EQ: binary64(EQ, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case NE: binary64(NE, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case LT: binary64(LT, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case LE: binary64(LE, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    case GT: binary64(GT, a, aRows, aStep, b, bRows, bStep, out, rows, w); break;
    default: binary64(GE, a, aRows, aStep, b, bRows, bStep, out, rows, w);
  }
}
