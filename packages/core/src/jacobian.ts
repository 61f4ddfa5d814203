// Jacobians and Hessians over pytrees: jacfwd (batched forward mode), jacrev (batched reverse mode), hessian.

import { ChainruleError } from './errors.js';
import { flatten, unflatten } from './pytree.js';
import { eye, zeros, type Tensor } from './tensor.js';
import { jvp, vjp, toTensor } from './transforms.js';
import { vmap } from './vmap.js';
import { moveAxis, reshape } from './ops/shape.js';

/** Options of {@link jacfwd}, {@link jacrev} and {@link hessian}. */
export interface JacobianOptions {
  /** Which argument(s) to differentiate with respect to (default 0). */
  readonly argnums?: number | readonly number[];
}

const argnumsOf = (options: JacobianOptions, n: number, where: string): number[] => {
  const a = options.argnums ?? 0;
  const nums = typeof a === 'number' ? [a] : [...a];
  for (const k of nums) if (!Number.isInteger(k) || k < 0 || k >= n) throw new ChainruleError('BadArgument', `${where}: argnums ${k} is out of range for ${n} arguments`);
  return nums;
};

/** The identity over a leaf's elements, one basis tensor (of the leaf's shape) per row: `[n, ...shape]`. */
const basisOf = (x: Tensor): Tensor => reshape(eye(x.size, x.size, x.dtype), { shape: [x.size, ...x.shape] });

/**
 * Assembles Jacobian blocks into JAX's structure: the output's pytree, each leaf holding the
 * differentiated argument's pytree (an array of them for several argnums), each leaf of that
 * the block of shape `[...output leaf shape, ...input leaf shape]`.
 */
const assemble = (out: unknown, args: readonly unknown[], nums: readonly number[], multi: boolean, block: (o: number, a: number, i: number) => Tensor): unknown => {
  const [outLeaves, outDef] = flatten(out);
  return unflatten(outDef, outLeaves.map((_, o) => {
    const perArg = nums.map((a) => {
      const [leaves, def] = flatten(args[a]);
      return unflatten(def, leaves.map((_l, i) => block(o, a, i)));
    });
    return multi ? perArg : perArg[0];
  }));
};

/**
 * The Jacobian by forward mode: one batched `jvp` per input leaf, with the identity as the
 * batch of tangents. Cheapest when inputs are smaller than outputs. Result structure as JAX's:
 * the output's pytree of (the argument's pytree of) blocks `[...out shape, ...in shape]`.
 *
 * @example
 * jacfwd((x) => mul(x, x))(tensor([1, 2])) // [[2, 0], [0, 4]]
 */
export const jacfwd =
  <F extends (...args: any[]) => any>(f: F, options: JacobianOptions = {}) =>
  (...args: Parameters<F>): any => {
    const nums = argnumsOf(options, args.length, 'jacfwd');
    const [rawLeaves, inDef] = flatten(args);
    const leaves = rawLeaves.map((x) => toTensor(x, 'jacfwd'));
    const primals = unflatten<unknown[]>(inDef, leaves);
    const out = f(...primals);
    // Leaf offsets of each argument in the flat list.
    const starts: number[] = [];
    let k = 0;
    for (const a of args) {
      starts.push(k);
      k += flatten(a)[0].length;
    }
    const columns = new Map<number, Tensor[]>();
    for (const a of nums) {
      for (let i = 0; i < flatten(args[a])[0].length; i++) {
        const at = starts[a] + i, x = leaves[at];
        const tangentOut = (t: Tensor): Tensor[] => {
          const tangents = unflatten<unknown[]>(inDef, leaves.map((l, j) => (j === at ? t : zeros(l.shape, l.dtype))));
          return flatten(jvp(f, primals, tangents)[1])[0].map((y) => toTensor(y, 'jacfwd'));
        };
        // Each output leaf comes back as [n, ...out shape]: the input's elements lead.
        columns.set(at, vmap(tangentOut)(basisOf(x)));
      }
    }
    return assemble(out, args, nums, typeof options.argnums === 'object', (o, a, i) => {
      const col = columns.get(starts[a] + i)![o], x = leaves[starts[a] + i];
      const outShape = col.shape.slice(1);
      return reshape(moveAxis(col, { source: 0, destination: -1 }), { shape: [...outShape, ...x.shape] });
    });
  };

/**
 * The Jacobian by reverse mode: one batched pullback per output leaf, with the identity as the
 * batch of cotangents. Cheapest when outputs are smaller than inputs. Same structure as
 * {@link jacfwd}.
 *
 * @example
 * jacrev((p) => ({ y: mul(p.w, p.b) }))({ w: tensor([1, 2]), b: tensor([3, 4]) }) // { y: { w: [[3, 0], [0, 4]], b: [[1, 0], [0, 2]] } }
 */
export const jacrev =
  <F extends (...args: any[]) => any>(f: F, options: JacobianOptions = {}) =>
  (...args: Parameters<F>): any => {
    const nums = argnumsOf(options, args.length, 'jacrev');
    const [out, pullback] = vjp(f, ...args);
    const outLeaves = flatten(out)[0].map((y) => toTensor(y, 'jacrev'));
    const outDef = flatten(out)[1];
    const rows = outLeaves.map((y, o) => {
      const back = (c: Tensor): unknown[] => pullback(unflatten(outDef, outLeaves.map((l, j) => (j === o ? c : zeros(l.shape, l.dtype)))));
      // One cotangent tree per argument, each leaf [n, ...in shape]: the output's elements lead.
      return vmap(back)(basisOf(y)) as unknown[];
    });
    return assemble(out, args, nums, typeof options.argnums === 'object', (o, a, i) => {
      const r = flatten(rows[o][a])[0][i] as Tensor;
      return reshape(r, { shape: [...outLeaves[o].shape, ...r.shape.slice(1)] });
    });
  };

/**
 * The Hessian: `jacfwd(jacrev(f))`, forward over reverse, as in JAX. For a scalar `f` of a
 * pytree argument, the blocks are `[...shape of leaf i, ...shape of leaf j]`. For a product
 * with a vector alone, a Hessian-vector product `jvp(grad(f), [x], [v])` costs one forward
 * over one backward pass and never forms the matrix.
 *
 * @example
 * hessian((x) => sum(mul(x, mul(x, x))))(tensor([1, 2])) // [[6, 0], [0, 12]]
 * const hvp = (x, v) => jvp(grad(f), [x], [v])[1]
 */
export const hessian = <F extends (...args: any[]) => any>(f: F, options: JacobianOptions = {}): ((...args: Parameters<F>) => any) =>
  jacfwd(jacrev(f, options), options);

