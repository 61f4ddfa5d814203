// Pytrees: nested arrays and records of tensors, flattened to a list of leaves and back.

import { ChainruleError } from './errors.js';
import { Tensor } from './tensor.js';

/** A nested structure of tensors: a tensor, an array or a plain record of pytrees. */
export type PyTree = Tensor | number | null | undefined | readonly PyTree[] | { readonly [key: string]: PyTree };

/** The structure of a pytree without its leaves. Non-tensor values (strings, flags) are kept as they are. */
export type TreeDef =
  | { readonly kind: 'leaf' }
  | { readonly kind: 'static'; readonly value: unknown }
  | { readonly kind: 'array'; readonly children: readonly TreeDef[] }
  | { readonly kind: 'record'; readonly keys: readonly string[]; readonly children: readonly TreeDef[] };

const isPlainRecord = (x: unknown): x is Record<string, unknown> => {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
};

/**
 * Splits a pytree into its leaves (tensors and numbers, in a fixed order: arrays by index,
 * records by sorted key) and its structure.
 *
 * @example
 * const [leaves, def] = flatten({ w: tensor([1]), b: [tensor(0)] })
 * leaves.length // 2
 */
export const flatten = (tree: unknown): [unknown[], TreeDef] => {
  const leaves: unknown[] = [];
  // Iterative post-order build: deep trees do not overflow the stack.
  type Frame = { value: unknown; out: TreeDef[] | undefined; done: boolean; children: TreeDef[]; keys: string[] | undefined };
  const result: TreeDef[] = [];
  const stack: Frame[] = [{ value: tree, out: result, done: false, children: [], keys: undefined }];
  while (stack.length) {
    const f = stack[stack.length - 1];
    if (f.done) {
      stack.pop();
      const def: TreeDef = f.keys === undefined ? { kind: 'array', children: f.children } : { kind: 'record', keys: f.keys, children: f.children };
      f.out!.push(def);
      continue;
    }
    const v = f.value;
    if (v instanceof Tensor || typeof v === 'number') {
      stack.pop();
      leaves.push(v);
      f.out!.push({ kind: 'leaf' });
    } else if (Array.isArray(v)) {
      f.done = true;
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], out: f.children, done: false, children: [], keys: undefined });
    } else if (isPlainRecord(v)) {
      f.done = true;
      f.keys = Object.keys(v).sort();
      for (let i = f.keys.length - 1; i >= 0; i--) stack.push({ value: v[f.keys[i]], out: f.children, done: false, children: [], keys: undefined });
    } else if (typeof v === 'function' || typeof v === 'symbol' || (typeof v === 'object' && v !== null && !(v instanceof Date))) {
      throw new ChainruleError('BadArgument', `pytree: unsupported value of type ${v?.constructor?.name ?? typeof v}; use tensors, arrays and plain objects`);
    } else {
      stack.pop();
      f.out!.push({ kind: 'static', value: v });
    }
  }
  return [leaves, result[0]];
};

/**
 * Rebuilds a pytree from a structure and leaves (the inverse of {@link flatten}).
 *
 * @example
 * const [leaves, def] = flatten({ w: tensor([1]) })
 * unflatten(def, leaves.map((x) => mul(x, 2)))
 */
export const unflatten = <T = unknown>(def: TreeDef, leaves: readonly unknown[]): T => {
  let k = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case 'leaf':
        return leaves[k++];
      case 'static':
        return d.value;
      case 'array':
        return d.children.map(build);
      case 'record': {
        const out: Record<string, unknown> = {};
        for (let i = 0; i < d.keys.length; i++) out[d.keys[i]] = build(d.children[i]);
        return out;
      }
    }
  };
  const out = build(def);
  if (k !== leaves.length) throw new ChainruleError('BadArgument', `unflatten: structure takes ${k} leaves, got ${leaves.length}`);
  return out as T;
};

/**
 * Applies a function to every tensor leaf of one or more pytrees of the same structure.
 *
 * @example
 * treeMap((p, g) => sub(p, mul(g, 0.1)), params, grads)
 */
export const treeMap = <T>(fn: (...leaves: Tensor[]) => Tensor, tree: T, ...rest: readonly unknown[]): T => {
  const [leaves, def] = flatten(tree);
  const others = rest.map((r) => {
    const [l, d] = flatten(r);
    if (treeKey(d) !== treeKey(def)) throw new ChainruleError('BadArgument', 'treeMap: pytrees have different structures');
    return l;
  });
  return unflatten<T>(def, leaves.map((leaf, i) => fn(leaf as Tensor, ...others.map((o) => o[i] as Tensor))));
};

/**
 * The tensor leaves of a pytree.
 *
 * @example
 * treeLeaves({ a: tensor(1), b: [tensor(2)] }).length // 2
 */
export const treeLeaves = (tree: unknown): Tensor[] => flatten(tree)[0].filter((x): x is Tensor => x instanceof Tensor);

/**
 * The path of every leaf of a structure, in {@link flatten} order: `root[0]`, `root.w`, …
 * (static values have no path). Used to name parameters and to say where a check failed.
 *
 * @example
 * treePaths(flatten({ w: tensor([1]), b: [tensor(0)] })[1], 'params') // ['params.b[0]', 'params.w']
 */
export const treePaths = (def: TreeDef, root: string): string[] => {
  const out: string[] = [];
  const stack: [TreeDef, string][] = [[def, root]];
  while (stack.length > 0) {
    const [d, path] = stack.pop()!;
    if (d.kind === 'leaf') out.push(path);
    else if (d.kind === 'array') for (let i = d.children.length - 1; i >= 0; i--) stack.push([d.children[i], `${path}[${i}]`]);
    else if (d.kind === 'record') for (let i = d.keys.length - 1; i >= 0; i--) stack.push([d.children[i], `${path}.${d.keys[i]}`]);
  }
  return out;
};

/**
 * A string that is equal for equal structures: used as a cache key.
 *
 * @example
 * treeKey(flatten([tensor(1)])[1]) // '[L]'
 */
export const treeKey = (def: TreeDef): string => {
  switch (def.kind) {
    case 'leaf':
      return 'L';
    case 'static':
      return `S${JSON.stringify(def.value) ?? 'u'}`;
    case 'array':
      return `[${def.children.map(treeKey).join(',')}]`;
    case 'record':
      return `{${def.keys.map((k, i) => `${JSON.stringify(k)}:${treeKey(def.children[i])}`).join(',')}}`;
  }
};
