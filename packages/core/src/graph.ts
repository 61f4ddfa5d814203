// The immutable computational graph: nodes in topological order, and its JSON codec.

import * as t from 'io-ts';
import type { Either } from 'fp-ts/lib/Either.js';
import { left, right, isLeft } from 'fp-ts/lib/Either.js';
import { type DecodeFailure, decodeFailure, preview, clipText } from './errors.js';
import { MAX_ELEMENTS, checkUntrusted, shapeProblem } from './limits.js';
import { attrKeys, unknownAttrProblem } from './attr-keys.js';
import type { Op } from './op.js';
import { type Shape, shapesEqual, sizeOf, shapeText } from './shape.js';
import type { DType } from './tensor.js';
import type { Trace } from './trace.js';
import type { Registry } from './registry.js';
import type { NodeOrigin } from './debug-nans.js';
import { dtypeCodec, formatErrors } from './codec.js';

/** One node: an op applied to earlier nodes. `id` is its index in `Graph.nodes`. */
export interface Node {
  readonly id: number;
  readonly op: Op<any>;
  readonly inputs: readonly number[];
  readonly attrs: unknown;
  readonly shape: Shape;
  readonly dtype: DType;
  /** For nodes autodiff recorded: the pass and the rule that made them (not serialised). */
  readonly origin?: NodeOrigin;
}

/**
 * An immutable DAG. Nodes are stored in topological order (every input id is smaller than
 * the node's own), so walking it needs no recursion. Inputs are 'core.input' nodes fed by
 * the caller; outputs are the ids the graph returns.
 *
 * @example
 * const g = trace((x) => mul(x, x), abstract([3]))
 * g.nodes.map((n) => n.op.name) // ['core.input', 'core.mul']
 */
export interface Graph {
  readonly nodes: readonly Node[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

/**
 * @internal Freezes the part of a trace that the outputs need (plus all inputs) into a Graph,
 * renumbering nodes densely. Unused nodes — e.g. gradients nobody asked for — are dropped.
 */
export const freezeTrace = (trace: Trace, inputIds: readonly number[], outputIds: readonly number[]): Graph => {
  const recs = trace.nodes;
  const live = new Uint8Array(recs.length);
  for (const id of outputIds) live[id] = 1;
  for (const id of inputIds) live[id] = 1;
  for (let i = recs.length - 1; i >= 0; i--) {
    if (!live[i]) continue;
    for (const j of recs[i].inputs) live[j] = 1;
  }
  const newId = new Int32Array(recs.length).fill(-1);
  const nodes: Node[] = [];
  for (let i = 0; i < recs.length; i++) {
    if (!live[i]) continue;
    const r = recs[i];
    newId[i] = nodes.length;
    nodes.push(Object.freeze({
      id: nodes.length,
      op: r.op,
      inputs: Object.freeze(r.inputs.map((j) => newId[j])),
      attrs: r.attrs,
      shape: r.shape,
      dtype: r.dtype,
      // Always present (undefined for the traced function's own nodes): one object shape for every node, which a spread would not keep.
      origin: r.origin === undefined ? undefined : renumberOrigin(r.origin, newId),
    }));
  }
  return Object.freeze({
    nodes: Object.freeze(nodes),
    inputs: Object.freeze(inputIds.map((i) => newId[i])),
    outputs: Object.freeze(outputIds.map((i) => newId[i])),
  });
};

const renumberOrigin = (o: NodeOrigin, newId: Int32Array): NodeOrigin => {
  if (o.node === undefined) return o;
  const id = newId[o.node];
  return id < 0 ? { pass: o.pass, ...(o.rule === undefined ? {} : { rule: o.rule }) } : { ...o, node: id };
};

/** The JSON form of a graph. */
export interface GraphJson {
  readonly version: 1;
  readonly nodes: readonly {
    readonly id: number;
    readonly op: string;
    readonly inputs: readonly number[];
    readonly attrs: unknown;
    readonly shape: readonly number[];
    readonly dtype: DType;
  }[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
}

const idCodec = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'node id');

const graphJsonCodec = t.type({
  version: t.literal(1),
  nodes: t.readonlyArray(
    t.type({
      id: idCodec,
      op: t.string,
      inputs: t.readonlyArray(idCodec),
      attrs: t.unknown,
      // Checked by shapeProblem in decodeGraph, which tells a too large shape apart.
      shape: t.readonlyArray(t.number),
      dtype: dtypeCodec,
    }),
  ),
  inputs: t.readonlyArray(idCodec),
  outputs: t.readonlyArray(idCodec),
});

/**
 * A graph as plain JSON data (attrs encoded through each op's codec).
 *
 * @example
 * JSON.stringify(encodeGraph(g))
 */
export const encodeGraph = (graph: Graph): GraphJson => ({
  version: 1,
  nodes: graph.nodes.map((n) => ({
    id: n.id,
    op: n.op.name,
    inputs: [...n.inputs],
    attrs: n.op.attrs.encode(n.attrs),
    shape: [...n.shape],
    dtype: n.dtype,
  })),
  inputs: [...graph.inputs],
  outputs: [...graph.outputs],
});

/**
 * Decodes and validates graph JSON (a string or parsed value) against a registry. Only a
 * valid graph decodes: every op registered, attrs that decode and have no unknown keys,
 * ids dense and in topological order (inputs point at earlier nodes), every `core.input`
 * node listed once in `inputs`, shapes of non-negative integers, and each node's shape and
 * dtype what its op infers. Nothing it accepts can make evaluation allocate without bound:
 * a node holding more than MAX_ELEMENTS elements, or nodes holding more together, or input
 * nested deeper than MAX_DEPTH, is a Left with `code: 'TooLarge'`. It never throws.
 *
 * @example
 * decodeGraph(JSON.stringify(encodeGraph(g)), registry) // right(graph)
 * decodeGraph('{"version":1,"nodes":[{}]}', registry)     // left({ message: 'graph: nodes[0].id: ...' })
 */
export const decodeGraph = (json: unknown, registry: Registry): Either<DecodeFailure, Graph> => {
  try {
    return decodeGraphValue(json, registry);
  } catch (e) {
    // A plugin's codec or infer that throws on strange attrs must not crash the caller.
    return left(decodeFailure(`graph: could not be decoded (${e instanceof Error ? clipText(e.message) : preview(e)})`));
  }
};

const decodeGraphValue = (json: unknown, registry: Registry): Either<DecodeFailure, Graph> => {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (e) {
      return left(decodeFailure(`graph: not valid JSON (${clipText((e as Error).message)})`));
    }
  }
  const unsafe = checkUntrusted(value);
  if (unsafe !== undefined) return left(decodeFailure(`graph: ${unsafe.message}`, unsafe.tooLarge ? 'TooLarge' : undefined));
  const decoded = graphJsonCodec.decode(value);
  if (isLeft(decoded)) return left(decodeFailure(`graph: ${formatErrors(decoded.left)}`));
  const g = decoded.right;
  const inputIds = new Set<number>();
  for (let k = 0; k < g.inputs.length; k++) {
    if (g.inputs[k] >= g.nodes.length) return left(decodeFailure(`inputs[${k}]: node ${g.inputs[k]} does not exist`));
    if (inputIds.has(g.inputs[k])) return left(decodeFailure(`inputs[${k}]: node ${g.inputs[k]} is listed twice`));
    inputIds.add(g.inputs[k]);
  }
  const nodes: Node[] = [];
  let total = 0;
  for (let i = 0; i < g.nodes.length; i++) {
    const n = g.nodes[i];
    const at = `nodes[${i}]`;
    if (n.id !== i) return left(decodeFailure(`${at}.id: expected ${i} (nodes are stored in order), got ${n.id}`));
    const op = registry.get(n.op);
    if (op === undefined) return left(decodeFailure(`${at}.op: unknown op '${clipText(n.op, 60)}' (not in the registry)`));
    for (let k = 0; k < n.inputs.length; k++) {
      if (n.inputs[k] >= i) return left(decodeFailure(`${at}.inputs[${k}]: ${n.inputs[k]} is not an earlier node`));
    }
    if (op.arity === 'variadic' ? n.inputs.length < 1 : n.inputs.length !== op.arity) {
      return left(decodeFailure(`${at}.inputs: ${op.name} takes ${op.arity} inputs, got ${n.inputs.length}`));
    }
    const declared = shapeProblem(n.shape);
    if (declared !== undefined) return left(decodeFailure(`${at}.${declared.message}`, declared.tooLarge ? 'TooLarge' : undefined));
    const unknownKey = unknownAttrProblem(attrKeys(op.attrs), n.attrs);
    if (unknownKey !== undefined) return left(decodeFailure(`${at}.attrs: ${unknownKey}`));
    const attrs = op.attrs.decode(n.attrs);
    if (isLeft(attrs)) return left(decodeFailure(`${at}.attrs: ${formatErrors(attrs.left)}`));
    if (op.name === 'core.input') {
      if (!inputIds.has(i)) return left(decodeFailure(`${at}: a core.input node that is not listed in inputs (nothing would feed it)`));
    } else {
      const inferred = op.infer(n.inputs.map((j) => nodes[j]), attrs.right);
      if (isLeft(inferred)) return left(decodeFailure(`${at}: ${op.name}: ${inferred.left.message}`));
      const { shape, dtype } = inferred.right;
      // What the attrs make the op allocate (a oneHot depth, a pad width) is refused here, before anything runs.
      const big = shapeProblem(shape);
      if (big !== undefined) return left(decodeFailure(`${at}: ${op.name} output ${big.message}`, big.tooLarge ? 'TooLarge' : undefined));
      if (!shapesEqual(shape, n.shape) || dtype !== n.dtype) {
        return left(decodeFailure(`${at}: declared ${n.dtype}${shapeText(n.shape)} but ${op.name} gives ${dtype}${shapeText(shape)}`));
      }
    }
    total += sizeOf(n.shape);
    if (total > MAX_ELEMENTS) {
      return left(decodeFailure(`${at}: the nodes up to here hold ${total} elements together, over the limit of ${MAX_ELEMENTS} (MAX_ELEMENTS)`, 'TooLarge'));
    }
    nodes.push(Object.freeze({ id: i, op, inputs: Object.freeze([...n.inputs]), attrs: attrs.right, shape: Object.freeze([...n.shape]), dtype: n.dtype }));
  }
  for (let k = 0; k < g.inputs.length; k++) {
    if (nodes[g.inputs[k]].op.name !== 'core.input') return left(decodeFailure(`inputs[${k}]: node ${g.inputs[k]} is not a core.input node`));
  }
  for (let k = 0; k < g.outputs.length; k++) {
    if (g.outputs[k] >= nodes.length) return left(decodeFailure(`outputs[${k}]: node ${g.outputs[k]} does not exist`));
  }
  return right(Object.freeze({ nodes: Object.freeze(nodes), inputs: Object.freeze([...g.inputs]), outputs: Object.freeze([...g.outputs]) }));
};

/**
 * Counts nodes by op name: a quick summary of a graph.
 *
 * @example
 * opCounts(g) // { 'core.input': 1, 'core.mul': 1 }
 */
export const opCounts = (graph: Graph): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const n of graph.nodes) counts[n.op.name] = (counts[n.op.name] ?? 0) + 1;
  return counts;
};
