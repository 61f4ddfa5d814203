// Reverse and forward mode over a trace: each rule adds its nodes to the same trace.

import { ChainruleError } from './errors.js';
import { shapesEqual, shapeText } from './shape.js';
import type { Tensor } from './tensor.js';
import type { Trace } from './trace.js';
import { add } from './ops/binary.js';

/** Which nodes depend on any of `from` (only they need derivatives). */
const dependents = (trace: Trace, from: readonly number[], upTo: number): Uint8Array => {
  const dep = new Uint8Array(upTo);
  for (const id of from) dep[id] = 1;
  for (let i = 0; i < upTo; i++) {
    if (dep[i]) continue;
    const ins = trace.nodes[i].inputs;
    for (let k = 0; k < ins.length; k++) {
      if (dep[ins[k]]) {
        dep[i] = 1;
        break;
      }
    }
  }
  return dep;
};

const checkRuleResult = (trace: Trace, id: number, k: number, g: Tensor, kind: string): void => {
  const node = trace.nodes[id];
  const x = trace.nodes[node.inputs[k]];
  if (!shapesEqual(g.shape, x.shape) || g.dtype !== x.dtype) {
    throw new ChainruleError(
      'BadRule',
      `the ${kind} rule gave ${g.dtype}${shapeText(g.shape)} for input ${k}, which is ${x.dtype}${shapeText(x.shape)} (a broadcasting op must unbroadcast its cotangent)`,
      { op: node.op.name, shapes: node.inputs.map((j) => trace.nodes[j].shape), attrs: node.attrs },
    );
  }
};

/**
 * @internal Reverse mode. Walks the trace from the outputs back to `wrt` in reverse
 * topological order, calling each node's VJP rule (which records new nodes), and adds the
 * cotangents that reach a node along several paths. Nodes no cotangent reaches are skipped:
 * zeros are never materialised. Returns one cotangent per `wrt` id (undefined: zero).
 */
export const backwardPass = (
  trace: Trace,
  outIds: readonly number[],
  cotangents: readonly Tensor[],
  wrt: readonly number[],
): (Tensor | undefined)[] => {
  const end = trace.nodes.length;
  const needed = dependents(trace, wrt, end);
  const cts = new Map<number, Tensor>();
  const outer = trace.origin;
  trace.origin = { pass: 'backward' };
  try {
    return walkBack(trace, outIds, cotangents, wrt, end, needed, cts);
  } finally {
    trace.origin = outer;
  }
};

const walkBack = (
  trace: Trace,
  outIds: readonly number[],
  cotangents: readonly Tensor[],
  wrt: readonly number[],
  end: number,
  needed: Uint8Array,
  cts: Map<number, Tensor>,
): (Tensor | undefined)[] => {
  const accumulate = (id: number, g: Tensor): void => {
    const prev = cts.get(id);
    cts.set(id, prev === undefined ? g : add(prev, g));
  };
  outIds.forEach((id, k) => {
    if (needed[id]) accumulate(id, cotangents[k]);
  });
  for (let id = end - 1; id >= 0; id--) {
    const ct = cts.get(id);
    if (ct === undefined) continue;
    const node = trace.nodes[id];
    if (node.inputs.length === 0) continue;
    if (node.op.differentiable === false) continue;
    const inputs = node.inputs.map((j) => trace.nodes[j].tracer);
    trace.origin = { pass: 'backward', rule: node.op.name, node: id };
    const grads = node.op.vjp({ inputs, output: node.tracer, cotangent: ct, attrs: node.attrs });
    trace.origin = { pass: 'backward' };
    if (!Array.isArray(grads) || grads.length !== inputs.length) {
      throw new ChainruleError('BadRule', `the VJP rule returned ${Array.isArray(grads) ? grads.length : typeof grads} cotangents for ${inputs.length} inputs`, {
        op: node.op.name,
        shapes: inputs.map((x) => x.shape),
      });
    }
    for (let k = 0; k < inputs.length; k++) {
      const g = grads[k];
      const j = node.inputs[k];
      if (g === null || g === undefined || !needed[j]) continue;
      checkRuleResult(trace, id, k, g, 'VJP');
      accumulate(j, g);
    }
    // Free the map entry: the walk never comes back to this node.
    cts.delete(id);
  }
  return wrt.map((id) => cts.get(id));
};

/**
 * @internal Forward mode. Walks the trace in topological order from `from` (with their
 * tangents), calling each node's JVP rule. Returns the tangent of every node reached.
 */
export const forwardPass = (trace: Trace, from: readonly number[], tangents: readonly Tensor[], upTo: number): Map<number, Tensor> => {
  const tans = new Map<number, Tensor>();
  from.forEach((id, k) => tans.set(id, tangents[k]));
  const outer = trace.origin;
  try {
    walkForward(trace, tans, upTo);
  } finally {
    trace.origin = outer;
  }
  return tans;
};

const walkForward = (trace: Trace, tans: Map<number, Tensor>, upTo: number): void => {
  for (let id = 0; id < upTo; id++) {
    const node = trace.nodes[id];
    if (node.inputs.length === 0 || tans.has(id)) continue;
    const ts = node.inputs.map((j) => tans.get(j) ?? null);
    if (ts.every((x) => x === null)) continue;
    if (node.op.differentiable === false) continue;
    if (node.op.jvp === undefined) {
      throw new ChainruleError('MissingRule', 'this op has no JVP rule, so forward mode cannot pass through it', { op: node.op.name });
    }
    trace.origin = { pass: 'forward-mode', rule: node.op.name, node: id };
    const out = node.op.jvp({ inputs: node.inputs.map((j) => trace.nodes[j].tracer), tangents: ts, output: node.tracer, attrs: node.attrs });
    if (out === null || out === undefined) continue;
    if (!shapesEqual(out.shape, node.shape) || out.dtype !== node.dtype) {
      throw new ChainruleError('BadRule', `the JVP rule gave ${out.dtype}${shapeText(out.shape)} for an output of ${node.dtype}${shapeText(node.shape)}`, { op: node.op.name });
    }
    tans.set(id, out);
  }
};
