// Matmul epilogues: a fused elementwise loop that reads a matrix product (bias-add, activation) runs on the product in place.

import * as t from 'io-ts';
import { left, right } from 'fp-ts/lib/Either.js';
import { allocate, ChainruleError, defineOp, matmul, shapesEqual, sizeOf, type FloatArray, type Graph, type MatmulAttrs, type Op } from '@chainrule/core';
import { matmulInto } from '@chainrule/core/kernels';
import { fused, readsInPlace, type ElementwiseProgram } from './fuse.js';
import { rewrite, useCounts } from './rewrite.js';

/** Attrs of a matmul with an epilogue: the product's transposes, and the fused loop that reads it as input `slot`. */
export interface MatmulEpilogueAttrs {
  readonly transposeA: boolean;
  readonly transposeB: boolean;
  readonly program: ElementwiseProgram;
  readonly slot: number;
}

const attrsCodec = new t.Type<MatmulEpilogueAttrs, { readonly epilogue: readonly string[] }, unknown>(
  'MatmulEpilogueAttrs',
  (u): u is MatmulEpilogueAttrs => typeof u === 'object' && u !== null && typeof (u as MatmulEpilogueAttrs).slot === 'number' && typeof (u as MatmulEpilogueAttrs).program === 'object',
  (u, c) => t.failure(u, c, 'matmul epilogues are built by the compiler, not decoded'),
  (a) => ({ epilogue: a.program.steps.map((s) => s.op.name) }),
);

/**
 * Writes `op(a)·op(b)` into `out`, then runs the epilogue loop over `out` in place (the
 * product is the loop's input `slot`; `rest` are its other inputs in order).
 */
const runEpilogue = (a: FloatArray, b: FloatArray, rest: readonly FloatArray[], out: FloatArray, attrs: MatmulEpilogueAttrs, aRows: number, aCols: number): void => {
  const { program, slot, transposeA, transposeB } = attrs;
  const [m, n] = program.shape;
  const k = transposeA ? aRows : aCols;
  matmulInto(a, 0, b, 0, out, 0, m, k, n, transposeA, transposeB);
  const ins = new Array<FloatArray>(rest.length + 1);
  for (let i = 0, r = 0; i < ins.length; i++) ins[i] = i === slot ? out : rest[r++];
  program.kernel(ins, out);
};

/**
 * The op of a matrix product with a fused epilogue: inputs `[a, b, ...rest]`, where `rest`
 * are the epilogue's other inputs (a bias, say). Made only by the epilogue pass.
 *
 * @example
 * matmulEpilogue.name // 'compiler.matmulEpilogue'
 */
export const matmulEpilogue: Op<MatmulEpilogueAttrs> = defineOp({
  name: 'compiler.matmulEpilogue',
  kind: 'contraction',
  attrs: attrsCodec,
  arity: 'variadic',
  infer: (inputs, { program }) =>
    inputs.length === program.inputs.length + 1
      ? right({ shape: program.shape, dtype: program.dtype })
      : left({ _tag: 'ShapeMismatch', message: `a matmul epilogue takes ${program.inputs.length + 1} inputs, got ${inputs.length}` }),
  forward: ([a, b, ...rest], attrs, out) => {
    const o = allocate(out.dtype, sizeOf(out.shape));
    runEpilogue(a.data, b.data, rest.map((x) => x.data), o, attrs, a.shape[0], a.shape[1]);
    return o;
  },
  vjp: () => {
    throw new ChainruleError('BadRule', 'a compiled graph is run, not differentiated', { op: 'compiler.matmulEpilogue' });
  },
});

/**
 * The write-into kernel of a matmul epilogue node (the executor runs it on every backend: the
 * product is computed by core's blocked `matmulInto`).
 *
 * @example
 * epilogueKernel(inputs, out, node.attrs, avals)
 */
export const epilogueKernel = (inputs: readonly FloatArray[], out: FloatArray, attrs: MatmulEpilogueAttrs, avals: { readonly inputs: readonly { readonly shape: readonly number[] }[] }): void => {
  const [a, b, ...rest] = inputs;
  const sa = avals.inputs[0].shape;
  runEpilogue(a, b, rest, out, attrs, sa[0], sa[1]);
};

/**
 * The epilogue pass: a fused loop reading a 2-D matmul's product at its own index (the
 * product read by nothing else) becomes one node that computes the product into the output
 * buffer and runs the loop over it in place — bias-add and activation cost no extra pass over
 * memory and no intermediate buffer.
 *
 * @example
 * matmulEpilogues(elementwiseFusion()(graph)) // matmul + fused(add, sigmoid) → matmulEpilogue
 */
export const matmulEpilogues = (graph: Graph): Graph => {
  const uses = useCounts(graph);
  const absorbed = new Uint8Array(graph.nodes.length);
  const slotOf = new Int32Array(graph.nodes.length).fill(-1);
  for (const node of graph.nodes) {
    if (node.op !== fused) continue;
    const program = (node.attrs as { program: ElementwiseProgram }).program;
    for (let k = 0; k < node.inputs.length; k++) {
      const p = graph.nodes[node.inputs[k]];
      if (p.op !== matmul || uses[p.id] !== 1 || absorbed[p.id] || p.dtype !== node.dtype || !readsInPlace(program, k)) continue;
      if (p.shape.length !== 2 || graph.nodes[p.inputs[0]].shape.length !== 2 || graph.nodes[p.inputs[1]].shape.length !== 2) continue;
      if (!shapesEqual(p.shape, node.shape)) continue;
      absorbed[p.id] = 1;
      slotOf[node.id] = k;
      break;
    }
  }
  return rewrite(graph, (node, ins, b, newId) => {
    if (absorbed[node.id]) return -1; // computed inside its reader's node
    const slot = slotOf[node.id];
    if (slot === -1) return b.copy(node, ins);
    const mm = graph.nodes[node.inputs[slot]];
    const { transposeA = false, transposeB = false } = mm.attrs as MatmulAttrs;
    const program = (node.attrs as { program: ElementwiseProgram }).program;
    const rest = ins.filter((_, k) => k !== slot);
    return b.add(matmulEpilogue, [newId(mm.inputs[0]), newId(mm.inputs[1]), ...rest], { transposeA, transposeB, program, slot });
  });
};
