// Builds small ONNX models by hand, as other exporters write them, for the import tests and the fuzzer.

import type { Tensor } from '@chainrule/core';
import { DataType, encodeModelProto, type AttributeMsg, type ModelMsg, type TensorMsg } from '../src/proto.js';
import { int64Proto, tensorProto } from '../src/tensor-proto.js';

export { attr } from '../src/emitter.js';

/** A node: op type, input and output names, attributes. */
export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly output?: string;
  readonly outputs?: readonly string[];
  readonly attrs?: readonly AttributeMsg[];
  readonly domain?: string;
}

/** A model: float inputs with shapes (numbers or symbolic names), nodes, initializers (float tensors or int64 lists). */
export interface ModelSpec {
  readonly inputs: readonly { readonly name: string; readonly shape: readonly (number | string)[]; readonly elemType?: number }[];
  readonly outputs: readonly string[];
  readonly nodes: readonly NodeSpec[];
  /** Float tensors, 1-D int64 lists (strings for values past 2⁵³), or int64 tensors of any shape. */
  readonly initializers?: Readonly<Record<string, Tensor | readonly (number | string)[] | { readonly int64: readonly number[]; readonly shape: readonly number[] }>>;
  readonly opset?: number;
}

/** The message of a model spec. */
export const modelMsg = (spec: ModelSpec): ModelMsg => ({
  ir_version: 8,
  opset_import: [{ domain: '', version: spec.opset ?? 17 }],
  graph: {
    name: 'test',
    node: spec.nodes.map((n, i) => ({
      op_type: n.op, name: `n${i}`, input: [...n.inputs], output: [...(n.outputs ?? [n.output ?? `n${i}`])], attribute: [...(n.attrs ?? [])], domain: n.domain ?? '',
    })),
    initializer: Object.entries(spec.initializers ?? {}).map(([name, v]): TensorMsg => {
      if (Array.isArray(v)) return { ...int64Proto(name, []), dims: [v.length], int64_data: [...v] as never };
      if ('int64' in v) return { ...int64Proto(name, v.int64), dims: [...v.shape] };
      return tensorProto(name, v as Tensor);
    }),
    input: spec.inputs.map((i) => ({
      name: i.name,
      type: { tensor_type: { elem_type: i.elemType ?? DataType.FLOAT, shape: { dim: i.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
    })),
    output: spec.outputs.map((name) => ({ name })), // types left to onnxruntime's inference
  },
});

/** The protobuf bytes of a model spec. */
export const buildModel = (spec: ModelSpec): Uint8Array => encodeModelProto(modelMsg(spec));
