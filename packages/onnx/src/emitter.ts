// What an export rule writes with: an emitter of ONNX nodes and constants, and attribute builders.

import type { DType, Node } from '@chainrule/core';
import { AttrType, DataType, type AttributeMsg } from './proto.js';

/**
 * What an export rule gets: ways to add ONNX nodes and constant inputs.
 *
 * @example
 * const rule: ExportRule = (e, [x], node) => e.node('Mul', [x, e.scalar(2, node.dtype)])
 */
export interface Emitter {
  /** Adds a node and returns the name of its (single) output. */
  node(opType: string, inputs: readonly string[], attributes?: readonly AttributeMsg[]): string;
  /** Adds a node with several outputs and returns their names. */
  nodeOutputs(opType: string, inputs: readonly string[], attributes: readonly AttributeMsg[], outputs: number): string[];
  /** A 1-D int64 constant (shapes, axes, pads), as an initializer name. */
  int64s(values: readonly number[]): string;
  /** A scalar constant of a dtype, as an initializer name. */
  scalar(value: number, dtype: DType): string;
  /** Whether axis 0 is a batch axis of any size (reshapes then copy it rather than fix it). */
  readonly batchAxis: boolean;
}

/** An export rule: the ONNX nodes that compute one chainrule node, given its input names. */
export type ExportRule = (e: Emitter, inputs: readonly string[], node: Node, inputNodes: readonly Node[]) => string;

/**
 * Builders of ONNX attributes for export rules.
 *
 * @example
 * e.node('Softmax', [x], [attr.int('axis', -1)])
 */
export const attr = {
  int: (name: string, i: number): AttributeMsg => ({ name, type: AttrType.INT, i }),
  ints: (name: string, ints: readonly number[]): AttributeMsg => ({ name, type: AttrType.INTS, ints: [...ints] }),
  float: (name: string, f: number): AttributeMsg => ({ name, type: AttrType.FLOAT, f }),
  string: (name: string, s: string): AttributeMsg => ({ name, type: AttrType.STRING, s: new TextEncoder().encode(s) }),
};

/**
 * ONNX data type code of a dtype.
 *
 * @example
 * onnxType('float64') // 11 (DOUBLE)
 */
export const onnxType = (dtype: DType): number => (dtype === 'float64' ? DataType.DOUBLE : DataType.FLOAT);

