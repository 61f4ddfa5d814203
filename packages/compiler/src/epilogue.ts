// Matmul epilogues: a fused elementwise loop that reads a matrix product (bias-add, activation) runs on the product in place.

import * as t from 'io-ts';
import { left, right } from 'fp-ts/lib/Either.js';
import {
  allocate, ChainruleError, defineOp, kernelFor, matmul, shapesEqual, sizeOf,
  type Backend, type FloatArray, type Graph, type Kernel, type KernelAvals, type MatmulAttrs, type Op,
} from '@chainrule/core';
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

/** Writes `op(a)·op(b)` into `out` (m×n, `out` apart from `a` and `b`). */
type Product = (a: FloatArray, b: FloatArray, out: FloatArray, transposeA: boolean, transposeB: boolean, avals: KernelAvals) => void;

const coreProduct: Product = (a, b, out, transposeA, transposeB, avals) => {
  const [rows, cols] = avals.inputs[0].shape;
  const [m, n] = avals.output.shape;
  matmulInto(a, 0, b, 0, out, 0, m, transposeA ? rows : cols, n, transposeA, transposeB);
};

/** Computes the product into `out`, then runs the epilogue loop over `out` in place (the product is the loop's input `slot`). */
const runEpilogue = (product: Product, inputs: readonly FloatArray[], out: FloatArray, attrs: MatmulEpilogueAttrs, avals: KernelAvals): void => {
  const { program, slot, transposeA, transposeB } = attrs;
  product(inputs[0], inputs[1], out, transposeA, transposeB, avals);
  const ins = new Array<FloatArray>(inputs.length - 1);
  for (let i = 0, r = 2; i < ins.length; i++) ins[i] = i === slot ? out : inputs[r++];
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
  forward: (inputs, attrs, out) => {
    const o = allocate(out.dtype, sizeOf(out.shape));
    runEpilogue(coreProduct, inputs.map((x) => x.data), o, attrs, { inputs, output: out });
    return o;
  },
  vjp: () => {
    throw new ChainruleError('BadRule', 'a compiled graph is run, not differentiated', { op: 'compiler.matmulEpilogue' });
  },
});

/**
 * The write-into kernel of matmul-epilogue nodes on a backend: the product by the backend's
 * own matmul kernel when it has one (so a faster backend keeps its matmul), else by core's
 * blocked `matmulInto`; then the epilogue loop over the product in place.
 *
 * @example
 * const kernel = epilogueKernel(jsBackend); kernel(inputs, out, node.attrs, avals)
 */
export const epilogueKernel = (backend: Backend): Kernel<MatmulEpilogueAttrs> => {
  const own = kernelFor(matmul, backend);
  const product: Product = own === undefined
    ? coreProduct
    : (a, b, out, transposeA, transposeB, avals) => own([a, b], out, { transposeA, transposeB }, { inputs: avals.inputs.slice(0, 2), output: avals.output });
  return (inputs, out, attrs, avals) => runEpilogue(product, inputs, out, attrs, avals);
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
