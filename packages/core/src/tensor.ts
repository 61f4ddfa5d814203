// The immutable Tensor value, its dtypes, and constructors from arrays and ranges.

import { ChainruleError, preview } from './errors.js';
import { type Shape, sizeOf, shapeText } from './shape.js';
import { MAX_DEPTH, MAX_ELEMENTS, checkShape } from './limits.js';
import type { Trace } from './trace.js';
import { formatTensor } from './format.js';

// Node's util.inspect.custom, reached through the global symbol registry so browsers never load node:util.
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/** Element types. float32 is the default; float64 exists so gradient checks are exact enough. */
export type DType = 'float32' | 'float64';

/** The typed array behind a tensor. */
export type FloatArray = Float32Array | Float64Array;

/** Shape and dtype of a value without its data: what tracing knows about a tensor. */
export interface Aval {
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * Allocates a zeroed typed array for a dtype; more than MAX_ELEMENTS elements throw `TooLarge`.
 *
 * @example
 * allocate('float64', 3) // Float64Array [0, 0, 0]
 */
export const allocate = (dtype: DType, n: number): FloatArray => {
  // The last line of defence of the element ceiling: no buffer past it, whoever asks.
  if (!(n <= MAX_ELEMENTS)) throw new ChainruleError(n > MAX_ELEMENTS ? 'TooLarge' : 'BadArgument', `allocate: cannot allocate ${n} elements (the limit is ${MAX_ELEMENTS}, MAX_ELEMENTS)`);
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
};

/**
 * An immutable n-dimensional array. A concrete tensor holds row-major `data`; while tracing,
 * ops receive symbolic tensors (tracers) that know only their shape and dtype. No op ever
 * writes into a tensor's data, and nothing else should.
 *
 * @example
 * const x = tensor([[1, 2], [3, 4]])
 * x.shape // [2, 2]
 * x.dtype // 'float32'
 * x.data  // Float32Array [1, 2, 3, 4]
 */
export class Tensor implements Aval {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly size: number;
  /** @internal the data of a concrete tensor */
  readonly _data: FloatArray | undefined;
  /** @internal the trace a tracer belongs to */
  readonly _trace: Trace | undefined;
  /** @internal the node id of a tracer in its trace */
  readonly _id: number;

  /** @internal use {@link tensor} or the other constructors */
  constructor(dtype: DType, shape: Shape, data: FloatArray | undefined, trace?: Trace, id = -1) {
    this.dtype = dtype;
    // Shapes made by tracing are frozen already; only outside arrays need a defensive copy.
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
    this.size = sizeOf(shape);
    if (data !== undefined && data.length !== this.size) {
      throw new ChainruleError('BadRule', `${data.length} values for a tensor of shape ${shapeText(shape)} (a kernel returned the wrong size?)`);
    }
    this._data = data;
    this._trace = trace;
    this._id = id;
  }

  /** Row-major data. Throws on a tracer: its value is not known while tracing. */
  get data(): FloatArray {
    if (this._data === undefined) {
      throw new ChainruleError(
        'ConcreteValueRequired',
        `the data of a traced tensor of shape ${shapeText(this.shape)} is not known while tracing; use ops instead of reading .data inside a transformed function`,
      );
    }
    return this._data;
  }

  /** The rank (number of dimensions). */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether this tensor is symbolic (recorded while tracing) rather than concrete. */
  get isTracer(): boolean {
    return this._trace !== undefined;
  }

  /** The element of a single-element tensor as a number. */
  item(): number {
    if (this.size !== 1) {
      throw new ChainruleError('BadArgument', `item() needs a tensor with one element, got shape ${shapeText(this.shape)}`);
    }
    return this.data[0];
  }

  /**
   * Dtype, shape and values; a tensor of more than 1,000 elements shows the first and last
   * 3 entries of each long axis, with `…` between them (as NumPy does).
   *
   * @example
   * String(tensor([[1, 2], [3, 4]])) // 'Tensor float32[2, 2]\n[[1, 2],\n [3, 4]]'
   */
  toString(): string {
    return formatTensor(this.dtype, this.shape, this._data);
  }

  /** What `console.log` and Node's `util.inspect` show: the same text as {@link toString}. */
  [inspectCustom](): string {
    return this.toString();
  }
}

/** Nested arrays of numbers, as accepted by {@link tensor} and returned by {@link toNested}. */
export type NestedArray = number | readonly NestedArray[];

/** Options for tensor constructors. */
export interface TensorOptions {
  readonly dtype?: DType;
  readonly shape?: Shape;
}

const inferNestedShape = (v: NestedArray): number[] => {
  const shape: number[] = [];
  let cur: NestedArray = v;
  while (Array.isArray(cur)) {
    // A cyclic array ([a] with a[0] === a) would loop for ever: depth is bounded.
    if (shape.length === MAX_DEPTH) throw new ChainruleError('BadArgument', `tensor: nested arrays deeper than ${MAX_DEPTH} levels (or cyclic)`);
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as NestedArray;
  }
  return checkShape('tensor', shape) as number[];
};

const fillFromNested = (v: NestedArray, shape: Shape, out: FloatArray): void => {
  // Iterative walk with an explicit stack: deep nesting never overflows.
  let k = 0;
  const stack: { arr: NestedArray; depth: number; path: string }[] = [{ arr: v, depth: 0, path: '' }];
  while (stack.length) {
    const { arr, depth, path } = stack.pop()!;
    if (depth === shape.length) {
      if (typeof arr !== 'number') throw new ChainruleError('BadArgument', `tensor: expected a number at ${path || 'top'}, got ${Array.isArray(arr) ? 'an array' : preview(arr)}`);
      out[k++] = arr;
      continue;
    }
    if (!Array.isArray(arr) || arr.length !== shape[depth]) {
      throw new ChainruleError('BadArgument', `tensor: ragged nested array at ${path || 'top'}: expected ${depth === 0 ? 'an array' : `length ${shape[depth]}`}, got ${Array.isArray(arr) ? `length ${arr.length}` : preview(arr)}`);
    }
    for (let i = arr.length - 1; i >= 0; i--) stack.push({ arr: arr[i] as NestedArray, depth: depth + 1, path: `${path}[${i}]` });
  }
};

/**
 * Makes a concrete tensor from a number, nested arrays, a typed array or a plain array.
 * With a flat source, `shape` says how to view it (default: 1-D). The data is copied.
 *
 * @example
 * tensor([[1, 2], [3, 4]], { dtype: 'float64' })
 * tensor(new Float32Array(6), { shape: [2, 3] })
 * tensor(3) // a float32 scalar
 */
export const tensor = (values: NestedArray | ArrayLike<number>, options: TensorOptions = {}): Tensor => {
  const dtype = options.dtype ?? (values instanceof Float64Array ? 'float64' : 'float32');
  if (dtype !== 'float32' && dtype !== 'float64') throw new ChainruleError('BadArgument', `tensor: unknown dtype ${preview(dtype)}`);
  const shape = options.shape === undefined ? undefined : checkShape('tensor', options.shape);
  if (typeof values === 'number') {
    const data = allocate(dtype, sizeOf(shape ?? []));
    data.fill(values);
    return new Tensor(dtype, shape ?? [], data);
  }
  if (typeof values !== 'object' || values === null) {
    throw new ChainruleError('BadArgument', `tensor: expected a number, nested arrays of numbers or a typed array, got ${preview(values)}`);
  }
  if (ArrayBuffer.isView(values) || (shape !== undefined && !Array.isArray((values as ArrayLike<unknown>)[0]))) {
    const flat = values as ArrayLike<number>;
    const s = shape ?? checkShape('tensor', [flat.length]);
    if (sizeOf(s) !== flat.length) {
      throw new ChainruleError('BadArgument', `tensor: ${flat.length} values do not fill shape ${shapeText(s)}`);
    }
    if (!ArrayBuffer.isView(flat)) {
      for (let i = 0; i < flat.length; i++) {
        if (typeof flat[i] !== 'number') throw new ChainruleError('BadArgument', `tensor: expected a number at [${i}], got ${preview(flat[i])}`);
      }
    }
    const data = allocate(dtype, flat.length);
    data.set(flat);
    return new Tensor(dtype, s, data);
  }
  const nested = values as NestedArray;
  const inferred = inferNestedShape(nested);
  const data = allocate(dtype, sizeOf(inferred));
  fillFromNested(nested, inferred, data);
  if (shape !== undefined && sizeOf(shape) !== data.length) {
    throw new ChainruleError('BadArgument', `tensor: ${data.length} values do not fill shape ${shapeText(shape)}`);
  }
  return new Tensor(dtype, shape ?? inferred, data);
};

/**
 * Wraps an existing typed array as a tensor without copying. The caller hands the array
 * over: it must not be written afterwards. Kernels use this for their fresh outputs.
 *
 * @example
 * fromData(new Float64Array([1, 2, 3]), [3])
 */
export const fromData = (data: FloatArray, shape: Shape): Tensor => {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) throw new ChainruleError('BadArgument', `fromData: expected a Float32Array or Float64Array, got ${preview(data)}`);
  return new Tensor(data instanceof Float64Array ? 'float64' : 'float32', checkShape('fromData', shape), data);
};

/**
 * A tensor of the given shape filled with one value.
 *
 * @example
 * full([2, 2], 7) // [[7, 7], [7, 7]]
 */
export const full = (shape: Shape, value: number, dtype: DType = 'float32'): Tensor => {
  if (typeof value !== 'number') throw new ChainruleError('BadArgument', `full: value must be a number, got ${preview(value)}`);
  return tensor(value, { shape, dtype });
};

/**
 * A tensor of zeros.
 *
 * @example
 * zeros([3], 'float64')
 */
export const zeros = (shape: Shape, dtype: DType = 'float32'): Tensor => full(shape, 0, dtype);

/**
 * A tensor of ones.
 *
 * @example
 * ones([2, 3])
 */
export const ones = (shape: Shape, dtype: DType = 'float32'): Tensor => full(shape, 1, dtype);

const finite = (where: string, name: string, v: unknown): void => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ChainruleError('BadArgument', `${where}: ${name} must be a finite number, got ${preview(v)}`);
};

/**
 * Evenly spaced values in [start, stop) with a step, like NumPy's arange.
 *
 * @example
 * arange(0, 5) // [0, 1, 2, 3, 4]
 * arange(0, 1, 0.25, 'float64') // [0, 0.25, 0.5, 0.75]
 */
export const arange = (start: number, stop: number, step = 1, dtype: DType = 'float32'): Tensor => {
  if (step === 0 || !Number.isFinite(step)) throw new ChainruleError('BadArgument', `arange: step must be a finite non-zero number, got ${preview(step)}`);
  finite('arange', 'start', start);
  finite('arange', 'stop', stop);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkShape('arange', [n]);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return new Tensor(dtype, [n], data);
};

/**
 * `num` evenly spaced values from start to stop inclusive.
 *
 * @example
 * linspace(0, 1, 5) // [0, 0.25, 0.5, 0.75, 1]
 */
export const linspace = (start: number, stop: number, num: number, dtype: DType = 'float32'): Tensor => {
  finite('linspace', 'start', start);
  finite('linspace', 'stop', stop);
  if (!Number.isInteger(num) || num < 0) throw new ChainruleError('BadArgument', `linspace: num must be a non-negative integer, got ${preview(num)}`);
  checkShape('linspace', [num]);
  const data = allocate(dtype, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = start + i * step;
  if (num > 1) data[num - 1] = stop;
  return new Tensor(dtype, [num], data);
};

/**
 * The n×n identity matrix (or n×m with ones on the diagonal).
 *
 * @example
 * eye(3)
 */
export const eye = (n: number, m: number = n, dtype: DType = 'float32'): Tensor => {
  checkShape('eye', [n, m]);
  const data = allocate(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return new Tensor(dtype, [n, m], data);
};

/**
 * A concrete tensor's values as nested arrays (a number for a scalar).
 *
 * @example
 * toNested(tensor([[1, 2], [3, 4]])) // [[1, 2], [3, 4]]
 */
export const toNested = (t: Tensor): NestedArray => {
  const data = t.data;
  const shape = t.shape;
  if (shape.length === 0) return data[0];
  // Build bottom-up, innermost rows first: no recursion.
  let level: NestedArray[] = Array.from(data);
  for (let d = shape.length - 1; d >= 0; d--) {
    const len = shape[d];
    const next: NestedArray[] = [];
    for (let i = 0; i < level.length; i += len) next.push(level.slice(i, i + len));
    level = next;
    if (len === 0) {
      // An empty dimension: rebuild the outer structure explicitly.
      const outer = sizeOf(shape.slice(0, d));
      level = Array.from({ length: outer }, () => []);
    }
  }
  return level[0] ?? [];
};

/**
 * Whether a value is a {@link Tensor}.
 *
 * @example
 * isTensor(tensor(1)) // true
 */
export const isTensor = (v: unknown): v is Tensor => v instanceof Tensor;
