// The standard registry: every op the library exports, gathered from the family modules.

import { Registry, coreOps, isOp, type Op } from '@chainrule/core';
import * as unary from './unary.js';
import * as trig from './trig.js';
import * as scan from './scan.js';
import * as sorting from './sort.js';
import * as binary from './binary.js';
import * as reduce from './reduce.js';
import * as shape from './shape.js';
import * as linalg from './linalg.js';
import * as nn from './nn.js';
import * as loss from './loss.js';

/**
 * Every op of the standard library (core's included), each once. Built from the family
 * modules' exports, so adding an op to a family file adds it here.
 *
 * @example
 * standardOps.length
 */
export const standardOps: readonly Op<any>[] = [
  ...new Set<Op<any>>([
    ...coreOps,
    ...[unary, trig, scan, sorting, binary, reduce, shape, linalg, nn, loss].flatMap((m) => Object.values(m).filter(isOp)),
  ]),
];

/**
 * A registry of the standard library, to decode graphs and checkpoints and to extend with
 * third-party plugins (`standardRegistry().with(myOp)`).
 *
 * @example
 * pipe(standardRegistry().with(swish), E.map((r) => decodeGraph(json, r)))
 */
export const standardRegistry = (): Registry => {
  const r = Registry.of(...standardOps);
  if (r._tag === 'Left') throw new Error(r.left.message); // the library's own names never clash
  return r.right;
};
