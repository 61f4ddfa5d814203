// Elementwise arithmetic on two inputs with NumPy broadcasting: add, sub, mul, div.

import { defineOp, type Op } from '../op.js';
import { allocate } from '../tensor.js';
import { sizeOf } from '../shape.js';
import { operand, inferBroadcast, noAttrs, unbroadcast, broadcastTangent } from './broadcast.js';
import { neg } from './unary.js';

/**
 * Elementwise a + b, broadcasting.
 *
 * @example
 * add(tensor([1, 2]), 10) // [11, 12]
 */
export const add: Op<{}> = defineOp({
  name: 'core.add',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => {
    const x = operand(a, out.shape), y = operand(b, out.shape);
    const xd = x.data, yd = y.data, sx = x.step, sy = y.step;
    const o = allocate(out.dtype, sizeOf(out.shape));
    for (let i = 0, j = 0, k = 0; i < o.length; i++, j += sx, k += sy) o[i] = xd[j] + yd[k];
    return o;
  },
  // ∂(a+b) = (g, g), each summed back to its input's shape
  vjp: ({ inputs: [a, b], cotangent: g }) => [unbroadcast(g, a.shape), unbroadcast(g, b.shape)],
  jvp: ({ tangents: [ta, tb], output }) => {
    const x = broadcastTangent(ta, output.shape), y = broadcastTangent(tb, output.shape);
    return x === null ? y : y === null ? x : add(x, y);
  },
});

/**
 * Elementwise a − b, broadcasting.
 *
 * @example
 * sub(tensor([5, 6]), tensor([1, 2])) // [4, 4]
 */
export const sub: Op<{}> = defineOp({
  name: 'core.sub',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => {
    const x = operand(a, out.shape), y = operand(b, out.shape);
    const xd = x.data, yd = y.data, sx = x.step, sy = y.step;
    const o = allocate(out.dtype, sizeOf(out.shape));
    for (let i = 0, j = 0, k = 0; i < o.length; i++, j += sx, k += sy) o[i] = xd[j] - yd[k];
    return o;
  },
  // ∂(a−b) = (g, −g)
  vjp: ({ inputs: [a, b], cotangent: g }) => [unbroadcast(g, a.shape), unbroadcast(neg(g), b.shape)],
  jvp: ({ tangents: [ta, tb], output }) => {
    const x = broadcastTangent(ta, output.shape), y = broadcastTangent(tb, output.shape);
    return x === null ? (y === null ? null : neg(y)) : y === null ? x : sub(x, y);
  },
});

/**
 * Elementwise a · b, broadcasting.
 *
 * @example
 * mul(tensor([1, 2]), tensor([[3], [4]])) // [[3, 6], [4, 8]]
 */
export const mul: Op<{}> = defineOp({
  name: 'core.mul',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => {
    const x = operand(a, out.shape), y = operand(b, out.shape);
    const xd = x.data, yd = y.data, sx = x.step, sy = y.step;
    const o = allocate(out.dtype, sizeOf(out.shape));
    for (let i = 0, j = 0, k = 0; i < o.length; i++, j += sx, k += sy) o[i] = xd[j] * yd[k];
    return o;
  },
  // ∂(a·b) = (g·b, g·a)
  vjp: ({ inputs: [a, b], cotangent: g }) => [unbroadcast(mul(g, b), a.shape), unbroadcast(mul(g, a), b.shape)],
  jvp: ({ inputs: [a, b], tangents: [ta, tb] }) => {
    const x = ta === null ? null : mul(ta, b), y = tb === null ? null : mul(a, tb);
    return x === null ? y : y === null ? x : add(x, y);
  },
});

/**
 * Elementwise a / b, broadcasting.
 *
 * @example
 * div(tensor([1, 2]), 4) // [0.25, 0.5]
 */
export const div: Op<{}> = defineOp({
  name: 'core.div',
  attrs: noAttrs,
  arity: 2,
  infer: inferBroadcast,
  forward: ([a, b], _, out) => {
    const x = operand(a, out.shape), y = operand(b, out.shape);
    const xd = x.data, yd = y.data, sx = x.step, sy = y.step;
    const o = allocate(out.dtype, sizeOf(out.shape));
    for (let i = 0, j = 0, k = 0; i < o.length; i++, j += sx, k += sy) o[i] = xd[j] / yd[k];
    return o;
  },
  // ∂(a/b) = (g/b, −g·(a/b)/b)
  vjp: ({ inputs: [a, b], output, cotangent: g }) => [
    unbroadcast(div(g, b), a.shape),
    unbroadcast(neg(div(mul(g, output), b)), b.shape),
  ],
  jvp: ({ inputs: [, b], output, tangents: [ta, tb] }) => {
    const x = ta === null ? null : div(ta, b), y = tb === null ? null : div(mul(output, tb), b);
    return x === null ? (y === null ? null : neg(y)) : y === null ? x : sub(x, y);
  },
  domains: [{}, { avoid: [0] }],
});
