// Backends: tables of kernels that write into a given output buffer, and the choice of which one runs.

import { ChainruleError } from './errors.js';
import { allocate, type Aval, type FloatArray, type Tensor } from './tensor.js';
import { sizeOf } from './shape.js';

/** Shapes and dtypes of a kernel call: one per input, and the output's. */
export interface KernelAvals {
  readonly inputs: readonly Aval[];
  readonly output: Aval;
}

/**
 * A kernel: reads its inputs' row-major data and writes every element of `out` (the
 * output's size and dtype, possibly not zeroed). It never writes into an input.
 *
 * @example
 * const negKernel: Kernel = ([x], out) => { for (let i = 0; i < out.length; i++) out[i] = -x[i] }
 */
export type Kernel<A = any> = (inputs: readonly FloatArray[], out: FloatArray, attrs: A, avals: KernelAvals) => void;

/**
 * Where kernels run: a name and a table from op names to kernels. An op the table lacks
 * runs its plugin's reference `forward`.
 *
 * @example
 * const mine: Backend = { name: 'mine', kernels: { 'core.neg': ([x], out) => { for (let i = 0; i < out.length; i++) out[i] = -x[i] } } }
 * withBackend(mine, () => neg(tensor([1, 2]))) // [-1, -2]
 */
export interface Backend {
  readonly name: string;
  readonly kernels: Readonly<Record<string, Kernel>>;
}

/**
 * The reference backend: plain JavaScript. It has no table of its own, so every op runs the
 * kernel its plugin declares for `js` (`kernels.js`), else its reference `forward`.
 *
 * @example
 * jit(f, { backend: jsBackend })
 */
export const jsBackend: Backend = Object.freeze({ name: 'js', kernels: Object.freeze({}) });

/** What {@link runKernel} needs of an op: its name, reference kernel and per-backend kernels. */
export interface KernelSource<A> {
  readonly name: string;
  readonly forward: (inputs: readonly Tensor[], attrs: A, output: Aval) => FloatArray;
  readonly kernels?: Readonly<Record<string, Kernel<A>>>;
}

/**
 * The kernel that runs an op on a backend: the plugin's own kernel for that backend, else the
 * backend's, else undefined (the reference `forward` runs).
 *
 * @example
 * kernelFor(add, jsBackend) // undefined: add runs its reference forward on js
 */
export const kernelFor = <A>(op: KernelSource<A>, backend: Backend): Kernel<A> | undefined =>
  op.kernels?.[backend.name] ?? backend.kernels[op.name];

/**
 * Runs one op on concrete inputs on a backend and returns the output's data: a backend kernel
 * writing into a fresh buffer when there is one, else the reference `forward`.
 *
 * @example
 * runKernel(add, [tensor([1]), tensor([2])], {}, { shape: [1], dtype: 'float32' }, jsBackend) // Float32Array [3]
 */
export const runKernel = <A>(op: KernelSource<A>, inputs: readonly Tensor[], attrs: A, output: Aval, backend: Backend): FloatArray => {
  const kernel = kernelFor(op, backend);
  if (kernel === undefined) return op.forward(inputs, attrs, output);
  const out = allocate(output.dtype, sizeOf(output.shape));
  const data = new Array<FloatArray>(inputs.length);
  for (let i = 0; i < inputs.length; i++) data[i] = inputs[i].data;
  kernel(data, out, attrs, { inputs, output });
  return out;
};

// The process default. One slot, set by the caller that knows which backends exist (the
// umbrella package, the CLI, a test set-up); core alone knows only the reference backend.
let active: Backend = jsBackend;

/**
 * The backend that eager op calls, `evaluate` and `jit` (without a `backend` option) use now.
 *
 * @example
 * getBackend().name // 'js' unless a faster backend was installed
 */
export const getBackend = (): Backend => active;

/**
 * Makes a backend the process default; returns the previous one.
 *
 * @example
 * const previous = setBackend(jsBackend)
 */
export const setBackend = (backend: Backend): Backend => {
  checkBackend(backend);
  const previous = active;
  active = backend;
  return previous;
};

/**
 * Runs `f` with `backend` as the default and restores the previous default afterwards.
 *
 * @example
 * withBackend(jsBackend, () => add(tensor([1]), tensor([2])))
 */
export const withBackend = <T>(backend: Backend, f: () => T): T => {
  const previous = setBackend(backend);
  try {
    return f();
  } finally {
    active = previous;
  }
};

const checkBackend = (b: Backend): void => {
  if (typeof b !== 'object' || b === null || typeof b.name !== 'string' || typeof b.kernels !== 'object' || b.kernels === null) {
    throw new ChainruleError('BadArgument', `a backend is an object { name, kernels }, got ${b === null ? 'null' : typeof b}`);
  }
};

/**
 * Picks a backend by name among the known ones; an unknown name is an error listing them.
 *
 * @example
 * resolveBackend('js', [jsBackend]) // jsBackend
 */
export const resolveBackend = (name: string, known: readonly Backend[]): Backend => {
  const found = known.find((b) => b.name === name);
  if (found === undefined) {
    throw new ChainruleError('BadArgument', `unknown backend ${JSON.stringify(name)}; known backends: ${known.map((b) => b.name).join(', ')}`);
  }
  return found;
};

/**
 * The backend a process should use: the one `CHAINRULE_BACKEND` names if set, else the first
 * available (list the fastest first).
 *
 * @example
 * setBackend(chooseBackend([jsBackend])) // js; CHAINRULE_BACKEND=nope throws, naming 'js'
 */
export const chooseBackend = (available: readonly Backend[], env: string | undefined = envBackend()): Backend =>
  env !== undefined && env !== '' ? resolveBackend(env, available) : available[0] ?? jsBackend;

const envBackend = (): string | undefined =>
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.CHAINRULE_BACKEND;
