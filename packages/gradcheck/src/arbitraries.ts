// The `arb` namespace: every fast-check arbitrary of the kit under one name.

import { shape, broadcastShapes, matmulShapes, tensorArb, value } from './arb.js';
import { graph } from './arb-graph.js';

/**
 * fast-check arbitraries for gradient tests: `arb.shape`, `arb.broadcastShapes` (optionally
 * with one operand always broadcast), `arb.matmulShapes` (batched, one side's batch
 * broadcast), `arb.tensor` (values in a range, away from kinks, optionally in every region
 * between them), `arb.value` and `arb.graph` (random op DAGs from a registry).
 *
 * @example
 * fc.assert(fc.property(arb.tensor({ shape: [3], min: 0.1, max: 10 }), (x) => isRight(checkGrads(log, [x]))))
 */
export const arb = { shape, broadcastShapes, matmulShapes, tensor: tensorArb, value, graph } as const;
