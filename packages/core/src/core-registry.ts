// The registry of the ops that core itself defines.

import { Registry } from './registry.js';
import type { Op } from './op.js';
import { add, sub, mul, div } from './ops/binary.js';
import { neg, exp, log, sigmoid, cast, stopGradient } from './ops/unary.js';
import { sum } from './ops/reduce.js';
import { reshape, broadcastTo, moveAxis } from './ops/shape.js';
import { matmul } from './ops/matmul.js';
import { softmax, logSoftmax, oneHot, softmaxCrossEntropy } from './ops/softmax.js';

/**
 * The ops core defines, in one list.
 *
 * @example
 * coreOps.map((op) => op.name) // ['core.add', ...]
 */
export const coreOps: readonly Op<any>[] = [
  add, sub, mul, div, neg, exp, log, sigmoid, cast, stopGradient, sum, reshape, broadcastTo, moveAxis,
  matmul, softmax, logSoftmax, oneHot, softmaxCrossEntropy,
];

/**
 * A registry of core's ops, for decoding graphs that use only them.
 *
 * @example
 * decodeGraph(json, coreRegistry())
 */
export const coreRegistry = (): Registry => {
  const r = Registry.of(...coreOps);
  if (r._tag === 'Left') throw new Error(r.left.message); // core's own names never clash
  return r.right;
};
