// Tensors to and from ONNX TensorProto messages, every field checked against the element ceiling.

import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { Tensor, allocate, type DType, shapeText } from '@chainrule/core';
import { DataType, int64Clamped, int64Value, type Int64, type TensorMsg } from './proto.js';

const clampSafe = (v: number): number => Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, v));

/**
 * The largest element count a decoded tensor or an imported graph's value may have
 * (2²⁷, 512 MiB of float32). A model that declares more is refused before anything is
 * allocated.
 *
 * @example
 * importOnnx(bytes, { maxElements: MAX_ELEMENTS }) // the default
 */
export const MAX_ELEMENTS = 2 ** 27;

/** A tensor read from ONNX: float data as a chainrule tensor, integer or bool data as plain numbers. */
export type Decoded =
  | { readonly kind: 'float'; readonly tensor: Tensor }
  | { readonly kind: 'int'; readonly shape: readonly number[]; readonly values: readonly number[] };

const dtypeCode = (dtype: DType): number => (dtype === 'float64' ? DataType.DOUBLE : DataType.FLOAT);

/**
 * A chainrule tensor as a TensorProto (little-endian raw_data).
 *
 * @example
 * tensorProto('w', tensor([1, 2])) // { name: 'w', dims: [2], data_type: 1, raw_data: … }
 */
export const tensorProto = (name: string, t: Tensor): TensorMsg => {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { name, dims: [...t.shape], data_type: dtypeCode(t.dtype), raw_data: bytes.slice() };
};

/**
 * A 1-D int64 TensorProto: the shapes, axes and pads ONNX takes as inputs.
 *
 * @example
 * int64Proto('shape', [2, -1]) // { name: 'shape', dims: [2], data_type: 7, int64_data: [2, -1] }
 */
export const int64Proto = (name: string, values: readonly number[]): TensorMsg => ({ name, dims: [values.length], data_type: DataType.INT64, int64_data: [...values] });

/**
 * The dims of a TensorProto, or a Left when one is not a non-negative safe integer or the
 * element count passes `maxElements`.
 *
 * @example
 * checkedDims([2, 3], 100, 'w') // right({ shape: [2, 3], size: 6 })
 */
export const checkedDims = (dims: readonly Int64[], maxElements: number, where: string): Either<string, { shape: number[]; size: number }> => {
  const shape: number[] = [];
  let size = 1;
  for (let i = 0; i < dims.length; i++) {
    const d = int64Value(dims[i]);
    if (d === undefined || d < 0) return left(`${where}: dims[${i}] is not a non-negative integer`);
    shape.push(d);
    size *= d;
    if (size > maxElements) return left(`${where}: ${shape.join('×')}… elements pass the ceiling of ${maxElements}`);
  }
  return right({ shape, size });
};

const readRaw = (raw: Uint8Array, size: number, width: number, read: (v: DataView, at: number) => number, out: { [i: number]: number }): void => {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let i = 0; i < size; i++) out[i] = read(view, i * width);
};

/**
 * Decodes a TensorProto into a chainrule tensor (FLOAT, DOUBLE) or integer values (INT64,
 * INT32, INT8, UINT8, BOOL), checking the dims, that exactly one data field is set and that
 * its length (raw_data: its byte count) matches the dims. External data is refused.
 *
 * @example
 * decodeTensorProto(tensorProto('w', tensor([1, 2])), MAX_ELEMENTS, 'w') // right({ kind: 'float', tensor })
 */
export const decodeTensorProto = (msg: TensorMsg, maxElements: number, where: string): Either<string, Decoded> => {
  if (msg.data_location === 1 || (msg.external_data?.length ?? 0) > 0) return left(`${where}: external data is not supported (the model must carry its weights)`);
  if (msg.segment !== undefined && msg.segment !== null) return left(`${where}: segmented tensors are not supported`);
  const dims = checkedDims(msg.dims ?? [], maxElements, where);
  if (dims._tag === 'Left') return dims;
  const { shape, size } = dims.right;
  const type = msg.data_type ?? 0;
  const raw = msg.raw_data !== undefined && msg.raw_data.length > 0 ? msg.raw_data : undefined;
  const fields: [string, readonly unknown[] | undefined][] = [
    ['float_data', msg.float_data], ['double_data', msg.double_data], ['int32_data', msg.int32_data], ['int64_data', msg.int64_data],
  ];
  const filled = fields.filter(([, v]) => v !== undefined && v.length > 0);
  if (filled.length + (raw === undefined ? 0 : 1) > 1) return left(`${where}: more than one data field is set`);
  const check = (field: string, n: number, per: number): Either<string, true> =>
    n === size * per ? right(true) : left(`${where}: ${field} holds ${n} ${per === 1 ? 'values' : 'bytes'}, but dims ${shapeText(shape)} need ${size * per}`);
  const given = filled.length === 1 ? filled[0] : undefined;
  switch (type) {
    case DataType.FLOAT:
    case DataType.DOUBLE: {
      const dtype: DType = type === DataType.FLOAT ? 'float32' : 'float64';
      const field = type === DataType.FLOAT ? 'float_data' : 'double_data';
      if (given !== undefined && given[0] !== field) return left(`${where}: a ${dtype} tensor cannot keep its values in ${given[0]}`);
      const width = type === DataType.FLOAT ? 4 : 8;
      if (raw !== undefined) {
        const ok = check('raw_data', raw.length, width);
        if (ok._tag === 'Left') return ok;
        const out = allocate(dtype, size);
        readRaw(raw, size, width, type === DataType.FLOAT ? (v, at) => v.getFloat32(at, true) : (v, at) => v.getFloat64(at, true), out);
        return right({ kind: 'float', tensor: new Tensor(dtype, shape, out) });
      }
      const values = (given?.[1] ?? []) as readonly number[];
      const ok = check(field, values.length, 1);
      if (ok._tag === 'Left') return ok;
      const out = allocate(dtype, size);
      for (let i = 0; i < size; i++) out[i] = values[i];
      return right({ kind: 'float', tensor: new Tensor(dtype, shape, out) });
    }
    case DataType.INT64:
    case DataType.INT32:
    case DataType.INT8:
    case DataType.UINT8:
    case DataType.BOOL: {
      const field = type === DataType.INT64 ? 'int64_data' : 'int32_data';
      if (given !== undefined && given[0] !== field) return left(`${where}: an integer tensor of type ${type} cannot keep its values in ${given[0]}`);
      const values = new Array<number>(size);
      if (raw !== undefined) {
        const width = type === DataType.INT64 ? 8 : type === DataType.INT32 ? 4 : 1;
        const ok = check('raw_data', raw.length, width);
        if (ok._tag === 'Left') return ok;
        const read = width === 8
          ? (v: DataView, at: number) => clampSafe(Number(v.getBigInt64(at, true)))
          : width === 4 ? (v: DataView, at: number) => v.getInt32(at, true)
          : type === DataType.INT8 ? (v: DataView, at: number) => v.getInt8(at) : (v: DataView, at: number) => v.getUint8(at);
        readRaw(raw, size, width, read, values);
      } else {
        const src = (given?.[1] ?? []) as readonly Int64[];
        const ok = check(field, src.length, 1);
        if (ok._tag === 'Left') return ok;
        for (let i = 0; i < size; i++) {
          const v = type === DataType.INT64 ? int64Clamped(src[i]) : (src[i] as number);
          if (v === undefined) return left(`${where}: ${field}[${i}] is not a safe integer`);
          values[i] = v;
        }
      }
      if (values.some((v) => !Number.isSafeInteger(v))) return left(`${where}: a value is not a safe integer`);
      return right({ kind: 'int', shape, values: type === DataType.BOOL ? values.map((v) => (v !== 0 ? 1 : 0)) : values });
    }
    default:
      return left(`${where}: data type ${type} is not supported (FLOAT, DOUBLE, INT64, INT32, INT8, UINT8 and BOOL are)`);
  }
};
