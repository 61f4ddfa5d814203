// Export: a traced chainrule graph, or an nn model with its params, as an ONNX model (opset 17).

import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { abstract, constant, input, trace, treeLeaves, type DType, type Graph, type Node, type Tensor } from '@chainrule/core';
import { paramNames, type Model, type Params } from '@chainrule/nn';
import { AttrType, encodeModelProto, type NodeMsg, type TensorMsg, type ValueInfoMsg } from './proto.js';
import { onnxType, type Emitter, type ExportRule } from './emitter.js';
import { int64Proto, tensorProto } from './tensor-proto.js';
import { exportRules } from './export-rules.js';

/**
 * The ONNX opset the exporter writes.
 *
 * @example
 * OPSET // 17
 */
export const OPSET = 17;

/** Options of {@link exportGraph}. */
export interface ExportOptions {
  /** Names of the graph inputs (default input_0, input_1, …). */
  readonly inputNames?: readonly string[];
  /** Names of the graph outputs (default output_0, …). */
  readonly outputNames?: readonly string[];
  /** Names for the initializers of captured constants (by tensor), e.g. parameter paths. */
  readonly constantNames?: ReadonlyMap<Tensor, string>;
  /** The graph's name (default 'chainrule'). */
  readonly graphName?: string;
  /**
   * Declare axis 0 of every input and output as a symbolic `batch` dimension, and write
   * reshapes that keep it as copies of it. Only right when nothing else in the graph depends
   * on the batch size; {@link exportModel} checks that.
   */
  readonly batchAxis?: boolean;
  /** Key–value pairs stored in the model's metadata_props (e.g. how it was trained). */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Export rules for more ops (a plugin's), by op name, used besides {@link exportRules}. */
  readonly rules?: Readonly<Record<string, ExportRule>>;
}

/** Why a graph could not be exported: every op without an ONNX rule (by name), a name given twice, a batch-dependent model, or a constant that is a tracer. */
export interface ExportError {
  readonly _tag: 'UnsupportedOps' | 'BatchDependent' | 'NameClash' | 'SymbolicConstant';
  readonly ops: readonly string[];
  readonly message: string;
}

const valueInfo = (name: string, n: Node, batchAxis: boolean): ValueInfoMsg => ({
  name,
  type: { tensor_type: { elem_type: onnxType(n.dtype), shape: { dim: n.shape.map((d, i) => (batchAxis && i === 0 ? { dim_param: 'batch' } : { dim_value: d })) } } },
});

/**
 * Writes a traced graph as ONNX protobuf bytes (opset 17). Constants become initializers;
 * every other node becomes one or more ONNX nodes by its op's export rule. A Left lists
 * every op of the graph that has no rule (gradient-only ops such as conv2dBackpropFilter,
 * and dropout), so nothing partial is written.
 *
 * @example
 * const g = trace((x) => sigmoid(matmul(x, w)), abstract([1, 3]))
 * const bytes = exportGraph(g)  // right(Uint8Array), readable by onnxruntime
 */
export const exportGraph = (graph: Graph, options: ExportOptions = {}): Either<ExportError, Uint8Array> => {
  const has = (table: Readonly<Record<string, ExportRule>> | undefined, name: string): boolean => table !== undefined && Object.prototype.hasOwnProperty.call(table, name);
  const ruleOf = (name: string): ExportRule => (has(options.rules, name) ? options.rules![name] : exportRules[name]);
  const missing = [...new Set(graph.nodes.map((n) => n.op.name).filter((name) => name !== input.name && name !== constant.name && !has(exportRules, name) && !has(options.rules, name)))];
  if (missing.length > 0) {
    return left({ _tag: 'UnsupportedOps', ops: missing, message: `no ONNX export for ${missing.map((m) => `'${m}'`).join(', ')}` });
  }
  const nodes: NodeMsg[] = [];
  const initializers: TensorMsg[] = [];
  const taken = new Set<string>();
  let counter = 0;
  const fresh = (prefix: string): string => {
    let name = `${prefix}_${counter++}`;
    while (taken.has(name)) name = `${prefix}_${counter++}`;
    taken.add(name);
    return name;
  };
  const constantNode = (value: TensorMsg): string => {
    const out = fresh('const');
    nodes.push({ op_type: 'Constant', name: out, input: [], output: [out], attribute: [{ name: 'value', type: AttrType.TENSOR, t: value }] });
    return out;
  };
  const batchAxis = options.batchAxis === true;
  const emitter: Emitter = {
    batchAxis,
    node(opType, inputs, attributes = []) {
      return emitter.nodeOutputs(opType, inputs, attributes, 1)[0];
    },
    nodeOutputs(opType, inputs, attributes, outputs) {
      const outs = Array.from({ length: outputs }, () => fresh(opType.toLowerCase()));
      nodes.push({ op_type: opType, name: outs[0], input: [...inputs], output: outs, attribute: [...attributes] });
      return outs;
    },
    // The exporter's own constants are Constant nodes, so an import does not take them for params.
    int64s(values) {
      return constantNode(int64Proto('', values));
    },
    scalar(value, dtype) {
      const data = dtype === 'float64' ? new Float64Array([value]) : new Float32Array([value]);
      return constantNode({ dims: [], data_type: onnxType(dtype), raw_data: new Uint8Array(data.buffer).slice() });
    },
  };
  const inputNames = graph.inputs.map((_, k) => options.inputNames?.[k] ?? `input_${k}`);
  const outputNames = graph.outputs.map((_, k) => options.outputNames?.[k] ?? `output_${k}`);
  for (const n of [...inputNames, ...outputNames]) {
    if (taken.has(n)) return left({ _tag: 'NameClash', ops: [], message: `the name '${n}' is given twice` });
    taken.add(n);
  }
  const names = new Array<string>(graph.nodes.length);
  graph.inputs.forEach((id, k) => (names[id] = inputNames[k]));
  for (const node of graph.nodes) {
    if (node.op === input) continue;
    if (node.op === constant) {
      const value = (node.attrs as { value: Tensor }).value;
      if (value._trace !== undefined) {
        return left({ _tag: 'SymbolicConstant', ops: [], message: `node ${node.id} holds a value of an enclosing trace; export a graph traced outside other transforms` });
      }
      const wanted = options.constantNames?.get(value);
      const name = wanted !== undefined && !taken.has(wanted) ? (taken.add(wanted), wanted) : fresh('const');
      initializers.push(tensorProto(name, value));
      names[node.id] = name;
      continue;
    }
    const ins = node.inputs.map((j) => graph.nodes[j]);
    names[node.id] = ruleOf(node.op.name)(emitter, node.inputs.map((j) => names[j]), node, ins);
  }
  graph.outputs.forEach((id, k) => nodes.push({ op_type: 'Identity', name: outputNames[k], input: [names[id]], output: [outputNames[k]], attribute: [] }));
  return right(encodeModelProto({
    ir_version: 8,
    producer_name: 'chainrule',
    producer_version: '0.1.0',
    opset_import: [{ domain: '', version: OPSET }],
    metadata_props: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: options.graphName ?? 'chainrule',
      node: nodes,
      initializer: initializers,
      input: graph.inputs.map((id, k) => valueInfo(inputNames[k], graph.nodes[id], batchAxis)),
      output: graph.outputs.map((id, k) => valueInfo(outputNames[k], graph.nodes[id], batchAxis)),
    },
  }));
};

/** Options of {@link exportModel}. */
export interface ExportModelOptions {
  /** The batch size the exported graph takes: a number, or 'dynamic' (the default) for any. */
  readonly batch?: number | 'dynamic';
  /** The graph input's name (default 'input'). */
  readonly inputName?: string;
  /** The graph output's name (default 'output'). */
  readonly outputName?: string;
  /** Key–value pairs stored in the model's metadata_props. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Exports an nn model with its params: the graph of `model.apply(params, x)`, the params as
 * initializers named by their path (`params[0].w`, `params[0].b`, …). With the default
 * `batch: 'dynamic'` the input and output have a symbolic `batch` axis; the model is traced
 * at two batch sizes to check that its ONNX graph is the same for both (a Left if not: then
 * give a fixed batch).
 *
 * @example
 * const model = mlp({ sizes: [4, 8, 3] })
 * exportModel(model, model.init(key(0)))                // input [batch, 4] → output [batch, 3]
 * exportModel(model, model.init(key(0)), { batch: 16 }) // input [16, 4] → output [16, 3]
 */
export const exportModel = (model: Model, params: Params, options: ExportModelOptions = {}): Either<ExportError, Uint8Array> => {
  const batch = options.batch ?? 'dynamic';
  const leaves = treeLeaves(params);
  const names = paramNames(params);
  const constantNames = new Map<Tensor, string>(leaves.map((t, i) => [t, names[i]]));
  const at = (n: number, batchAxis: boolean) =>
    exportGraph(trace((x: Tensor) => model.apply(params, x), abstract([n, ...model.inputShape], model.dtype)), {
      inputNames: [options.inputName ?? 'input'], outputNames: [options.outputName ?? 'output'], constantNames, batchAxis, metadata: options.metadata,
    });
  if (batch !== 'dynamic') return at(batch, false);
  const one = at(1, true), two = at(2, true);
  if (one._tag === 'Left' || two._tag === 'Left') return one._tag === 'Left' ? one : two;
  const same = one.right.length === two.right.length && one.right.every((b, i) => b === two.right[i]);
  return same ? one : left({ _tag: 'BatchDependent', ops: [], message: "the model's ONNX graph depends on the batch size; export it with a fixed batch" });
};
