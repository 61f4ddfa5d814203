// The flat loops behind the elementwise helpers, one compiled copy per op so each op's scalar function inlines.

import type { FloatArray } from '../tensor.js';

/** out[i] = fn(x[i], attrs) over the whole array. */
export type UnaryLoop<A> = (x: FloatArray, out: FloatArray, attrs: A) => FloatArray;

/** out[i] = fn(a[j], b[k], attrs), j and k advancing by their steps (0 for a single value). */
export type BinaryLoop<A> = (a: FloatArray, sa: number, b: FloatArray, sb: number, out: FloatArray, attrs: A) => FloatArray;

// Why a copy per op: one shared loop calling many ops' `fn` makes that call site megamorphic,
// and V8 then stops inlining it — measured 4–5× slower for mul, add-bias and the SGD update
// once a few ops have run. A loop made by `new Function` is a function of its own, with its
// own type feedback, so its `fn` stays monomorphic. Where `new Function` is forbidden (a
// strict Content-Security-Policy) the shared loop is the fallback.
const unarySource = 'return function unaryLoop(x, out, attrs) { for (let i = 0; i < out.length; i++) out[i] = fn(x[i], attrs); return out; };';
const binarySource = 'return function binaryLoop(a, sa, b, sb, out, attrs) { for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = fn(a[j], b[k], attrs); return out; };';

// Better still, a scalar function whose source stands alone — an arrow that names only its
// own parameters, Math and Number (like `(a, b) => a * b`) — is pasted into the loop, so it is
// a local function V8 always inlines; any other is passed in.
const KNOWN = new Set(['Math', 'Number', 'Infinity', 'NaN', 'undefined', 'return', 'const', 'let', 'if', 'else', 'true', 'false', 'null', 'typeof', 'void']);

const standalone = (text: string): boolean => {
  const head = /^\s*(\(([^()]*)\)|([A-Za-z_$][\w$]*))\s*=>/.exec(text);
  if (head === null || text.includes('[native code]')) return false;
  const params = new Set((head[2] ?? head[3] ?? '').match(/[A-Za-z_$][\w$]*/g) ?? []);
  // Identifiers not preceded by a dot (property names are fine) must be parameters or known.
  for (const m of text.slice(head[0].length).matchAll(/(^|[^.\w$])([A-Za-z_$][\w$]*)/g)) {
    if (!params.has(m[2]) && !KNOWN.has(m[2])) return false;
  }
  return !/['"`]/.test(text);
};

const compiled = <L>(source: string, fn: (...args: any[]) => number, fallback: () => L): L => {
  const text = Function.prototype.toString.call(fn);
  try {
    if (standalone(text)) return new Function(`'use strict'; const fn = ${text}; ${source}`)() as L;
    return new Function('fn', source)(fn) as L;
  } catch {
    return fallback();
  }
};

/**
 * The loop of a unary elementwise op over its scalar function.
 *
 * @example
 * unaryLoop(Math.exp)(new Float32Array([0]), new Float32Array(1), {}) // Float32Array [1]
 */
export const unaryLoop = <A>(fn: (x: number, attrs: A) => number): UnaryLoop<A> =>
  compiled<UnaryLoop<A>>(unarySource, fn, () => (x, out, attrs) => {
    for (let i = 0; i < out.length; i++) out[i] = fn(x[i], attrs);
    return out;
  });

/**
 * The loop of a binary elementwise op over its scalar function, for operands laid out at the
 * output's shape (step 1) or single values (step 0).
 *
 * @example
 * binaryLoop((a, b) => a + b)(new Float32Array([1, 2]), 1, new Float32Array([10]), 0, new Float32Array(2), {}) // [11, 12]
 */
export const binaryLoop = <A>(fn: (a: number, b: number, attrs: A) => number): BinaryLoop<A> =>
  compiled<BinaryLoop<A>>(binarySource, fn, () => (a, sa, b, sb, out, attrs) => {
    for (let i = 0, j = 0, k = 0; i < out.length; i++, j += sa, k += sb) out[i] = fn(a[j], b[k], attrs);
    return out;
  });
