// The ONNX protobuf schema (schema/onnx.proto3, Apache-2.0) loaded with protobufjs, and the message shapes this package reads and writes.

import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { left, right, type Either } from 'fp-ts/lib/Either.js';

/** ONNX `TensorProto.DataType` values this package meets. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;

/** ONNX `AttributeProto.AttributeType` values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** An int64 as protobufjs decodes it: a number, or a Long-like pair of 32-bit halves. */
export type Int64 = number | { readonly low: number; readonly high: number; readonly unsigned?: boolean };

/** The fields of `onnx.TensorProto` this package uses (snake_case, as in the schema). */
export interface TensorMsg {
  readonly name?: string;
  readonly dims?: readonly Int64[];
  readonly data_type?: number;
  readonly float_data?: readonly number[];
  readonly double_data?: readonly number[];
  readonly int32_data?: readonly number[];
  readonly int64_data?: readonly Int64[];
  readonly raw_data?: Uint8Array;
  readonly data_location?: number;
  readonly external_data?: readonly unknown[];
  readonly segment?: unknown;
}

/** The fields of `onnx.AttributeProto` this package uses. */
export interface AttributeMsg {
  readonly name?: string;
  readonly type?: number;
  readonly f?: number;
  readonly i?: Int64;
  readonly s?: Uint8Array;
  readonly t?: TensorMsg;
  readonly g?: unknown;
  readonly floats?: readonly number[];
  readonly ints?: readonly Int64[];
  readonly strings?: readonly Uint8Array[];
  readonly ref_attr_name?: string;
}

/** The fields of `onnx.NodeProto` this package uses. */
export interface NodeMsg {
  readonly input?: readonly string[];
  readonly output?: readonly string[];
  readonly name?: string;
  readonly op_type?: string;
  readonly domain?: string;
  readonly attribute?: readonly AttributeMsg[];
}

/** One dimension of a `TensorShapeProto`: a number or a symbolic name. */
export interface DimMsg {
  readonly dim_value?: Int64;
  readonly dim_param?: string;
}

/** The fields of `onnx.ValueInfoProto` this package uses. */
export interface ValueInfoMsg {
  readonly name?: string;
  readonly type?: { readonly tensor_type?: { readonly elem_type?: number; readonly shape?: { readonly dim?: readonly DimMsg[] } } };
}

/** The fields of `onnx.GraphProto` this package uses. */
export interface GraphMsg {
  readonly name?: string;
  readonly node?: readonly NodeMsg[];
  readonly initializer?: readonly TensorMsg[];
  readonly sparse_initializer?: readonly unknown[];
  readonly input?: readonly ValueInfoMsg[];
  readonly output?: readonly ValueInfoMsg[];
  readonly value_info?: readonly ValueInfoMsg[];
}

/** The fields of `onnx.ModelProto` this package uses. */
export interface ModelMsg {
  readonly ir_version?: Int64;
  readonly opset_import?: readonly { readonly domain?: string; readonly version?: Int64 }[];
  readonly producer_name?: string;
  readonly producer_version?: string;
  readonly graph?: GraphMsg;
  readonly functions?: readonly unknown[];
  readonly metadata_props?: readonly { readonly key?: string; readonly value?: string }[];
}

const schemaText = readFileSync(new URL('../schema/onnx.proto3', import.meta.url), 'utf8');
const root = protobuf.parse(schemaText, { keepCase: true }).root;
const modelType = root.lookupType('onnx.ModelProto');

/**
 * Serialises a model message to ONNX protobuf bytes.
 *
 * @example
 * encodeModelProto({ ir_version: 8, opset_import: [{ domain: '', version: 17 }], graph: { name: 'g' } })
 */
export const encodeModelProto = (model: ModelMsg): Uint8Array => {
  const msg = modelType.fromObject(model as Record<string, unknown>);
  // protobufjs gives a Node Buffer (often a view into a shared pool, and whose slice() is
  // another view): copy into a plain Uint8Array that the caller owns.
  return new Uint8Array(modelType.encode(msg).finish());
};

/**
 * Parses ONNX protobuf bytes into a model message, or a Left saying why the bytes are not
 * one (truncated, wrong wire type, nesting past protobufjs' recursion limit). Nothing here
 * checks the model's meaning: that is {@link importOnnx}'s job.
 *
 * @example
 * decodeModelProto(bytes) // right({ ir_version: …, graph: { node: […] } })
 */
export const decodeModelProto = (bytes: Uint8Array): Either<string, ModelMsg> => {
  try {
    const msg = modelType.decode(bytes);
    // Repeated fields come back as arrays, bytes as Uint8Array, int64 as Long-like objects.
    return right(modelType.toObject(msg, { arrays: true, enums: Number }) as ModelMsg);
  } catch (e) {
    return left(`not an ONNX model: ${(e as Error).message}`);
  }
};

/**
 * The value of a decoded int64 as a number, or undefined when it is not a safe integer.
 *
 * @example
 * int64Value({ low: 5, high: 0 }) // 5
 */
export const int64Value = (v: Int64 | undefined): number | undefined => {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v !== 'object' || v === null || typeof v.low !== 'number' || typeof v.high !== 'number') return undefined;
  const value = v.unsigned === true ? (v.high >>> 0) * 2 ** 32 + (v.low >>> 0) : v.high * 2 ** 32 + (v.low >>> 0);
  return Number.isSafeInteger(value) ? value : undefined;
};

/**
 * The value of a decoded int64 held as data (indices, slice bounds), clamped to the safe
 * integers: exporters write INT64_MAX for "to the end", which no shape can reach anyway.
 *
 * @example
 * int64Clamped({ low: -1, high: 0x7fffffff }) // Number.MAX_SAFE_INTEGER
 */
export const int64Clamped = (v: Int64 | undefined): number | undefined => {
  if (typeof v === 'object' && v !== null && typeof v.low === 'number' && typeof v.high === 'number') {
    const approx = v.unsigned === true ? (v.high >>> 0) * 2 ** 32 + (v.low >>> 0) : v.high * 2 ** 32 + (v.low >>> 0);
    return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, approx));
  }
  return typeof v === 'number' && Number.isFinite(v) ? Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, Math.trunc(v))) : undefined;
};
