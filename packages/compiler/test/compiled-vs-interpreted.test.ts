// Property: on random graphs, the compiler gives the interpreter's values and gradients, in both dtypes.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createWasmBackend } from '@chainrule/backend-wasm';
import { add, fromData, grad, interpreter, jit, jsBackend, sum, tensor, type Backend, type DType, type Kernel, type Tensor } from '@chainrule/core';
import { standardRegistry } from '@chainrule/ops';
import { arb, type RandomGraph } from '@chainrule/gradcheck';
import { compiler } from '../src/executor.js';
import { passesFor, runPasses } from '../src/passes.js';

const registry = standardRegistry();

/**
 * A stand-in for a backend with kernels of its own (as the WebAssembly one will have): every
 * other op of the registry, by name, gets a write-into kernel that runs the reference forward
 * and copies — so compiled graphs mix fused loops, backend kernels in the arena and reference
 * forwards.
 */
const tableBackend: Backend = {
  name: 'table',
  kernels: Object.fromEntries(
    [...registry.list()]
      .filter((op, k) => k % 2 === 0 && op.name !== 'core.input' && op.name !== 'core.constant')
      .map((op): [string, Kernel] => [op.name, (ins, out, attrs, avals) => out.set(op.forward(ins.map((d, k) => fromData(d, avals.inputs[k].shape)), attrs, avals.output))]),
  ),
};
// The WebAssembly backend too: its kernels in the arena, the rest fused or reference.
const backends: readonly Backend[] = [jsBackend, tableBackend, createWasmBackend({ threads: 1 })];

const asDtype = (x: Tensor, dtype: DType): Tensor => tensor(x.data, { shape: [...x.shape], dtype });

/** Values and gradients (of the sum of all outputs, with respect to every input) under one executor. */
const run = (g: RandomGraph, dtype: DType, executor: typeof compiler, backend: Backend): { values: number[][]; fusedNodes: number } => {
  const xs = g.inputs.map((x) => asDtype(x, dtype));
  const total = (...vs: Tensor[]): Tensor => g.f(...vs).map((o) => sum(o)).reduce((a, b) => add(a, b));
  const forward = jit((...vs: Tensor[]) => g.f(...vs), { executor, backend });
  const backward = jit(grad(total, { argnums: xs.map((_, k) => k) }), { executor, backend });
  const values = [...(forward(...xs) as Tensor[]), ...(backward(...xs) as Tensor[])].map((t) => Array.from(t.data));
  const graphs = [...forward.graphs.values(), ...backward.graphs.values()];
  const fusedNodes = graphs.flatMap((gr) => runPasses(gr, passesFor(backend)).graph.nodes).filter((n) => n.op.name.startsWith('compiler.')).length;
  return { values, fusedNodes };
};

// float64: fusion keeps the same float64 arithmetic, so only rewrites such as Σ broadcast → n·x
// change rounding. float32: a fused loop keeps its intermediates in float64 where the
// interpreter rounds each op's output to float32.
const tolerance: Record<DType, number> = { float64: 1e-9, float32: 2e-4 };

describe('compiled equals interpreted on random graphs', () => {
  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`values and gradients, ${dtype}, ${backend.name} backend`, () => {
        let fusedNodes = 0;
        fc.assert(
          fc.property(arb.graph(registry, { maxNodes: 10 }), (g) => {
            const want = run(g, dtype, interpreter, backend).values;
            const compiled = run(g, dtype, compiler, backend);
            fusedNodes += compiled.fusedNodes;
            const got = compiled.values;
            expect(got.length).toBe(want.length);
            got.forEach((vs, k) => {
              expect(vs.length).toBe(want[k].length);
              vs.forEach((v, i) => {
                const w = want[k][i];
                if (Number.isNaN(w)) expect(v).toBeNaN();
                else expect(Math.abs(v - w)).toBeLessThanOrEqual(tolerance[dtype] * (1 + Math.abs(w)));
              });
            });
          }),
          { numRuns: 100, seed: dtype === 'float64' ? 13 : 14 },
        );
        // The graphs did exercise fusion (not only ops the compiler leaves alone).
        expect(fusedNodes).toBeGreaterThan(50);
      });
    }
  }
});
