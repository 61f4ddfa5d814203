// Common-subexpression elimination: one node for each (op, inputs, attrs) computed twice.

import type { Graph } from '@chainrule/core';
import { rewrite } from './rewrite.js';

/**
 * A text key for attrs: plain data (numbers, strings, booleans, arrays, plain records) by
 * value, anything else (a tensor, an op, a typed array) by identity, so two attrs share a key
 * only when they are interchangeable.
 *
 * @example
 * attrsKey({ axis: [0], keepDims: true }, identityNumbers()) // '{"axis":[0],"keepDims":true}'
 */
export const attrsKey = (attrs: unknown, identity: (o: object) => number): string => {
  const id = (o: object): string => `#${identity(o)}`;
  const walk = (v: unknown): string => {
    if (v === undefined) return 'u';
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
    if (Array.isArray(v)) return `[${v.map(walk).join(',')}]`;
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const o = v as Record<string, unknown>;
      return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${walk(o[k])}`).join(',')}}`;
    }
    return typeof v === 'object' || typeof v === 'function' ? id(v as object) : String(v);
  };
  return walk(attrs);
};

/**
 * Numbers objects by identity, 0, 1, 2, … in the order first seen.
 *
 * @example
 * const id = identityNumbers(); id(a) // 0; id(b) // 1; id(a) // 0
 */
export const identityNumbers = (): ((o: object) => number) => {
  const ids = new WeakMap<object, number>();
  let next = 0;
  return (o) => {
    let k = ids.get(o);
    if (k === undefined) ids.set(o, (k = next++));
    return k;
  };
};

/**
 * Merges nodes that apply the same op to the same inputs with equal attrs, keeping the first.
 * Nodes without inputs — graph inputs, parameters, constants — are never merged, however
 * alike they look: two equal constants are still two values (merging them by structure is how
 * a gradient ends up on the wrong one).
 *
 * @example
 * cse(trace((x) => add(exp(x), exp(x)), abstract([2]))) // one exp, read twice by add
 */
export const cse = (graph: Graph): Graph => {
  const seen = new Map<string, number>();
  const identity = identityNumbers();
  return rewrite(graph, (node, ins, b) => {
    if (ins.length === 0) return b.copy(node, ins);
    const key = `${identity(node.op)}(${ins.join(',')})${attrsKey(node.attrs, identity)}`;
    const found = seen.get(key);
    if (found !== undefined) return found;
    const id = b.copy(node, ins);
    seen.set(key, id);
    return id;
  });
};
