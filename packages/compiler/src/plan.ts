// The memory plan: liveness intervals of the values a graph computes → buffers reused in one arena per dtype.

import { constant, input, sizeOf, type Aval, type DType, type Graph, type Node } from '@chainrule/core';

/**
 * Where a node's value lives during a call: a caller's feed, a graph constant, the same buffer
 * as another value (`alias`, e.g. a reshape), a planned slice of the dtype's arena, a fresh
 * buffer per call (`output`: the caller owns it), or whatever the op's reference kernel
 * returns (`heap`).
 */
export type Storage =
  | { readonly kind: 'feed'; readonly index: number }
  | { readonly kind: 'constant' }
  | { readonly kind: 'alias'; readonly of: number }
  | { readonly kind: 'arena'; readonly offset: number; readonly inPlace: boolean }
  | { readonly kind: 'output' }
  | { readonly kind: 'heap' };

/** What the planner needs to know of each node's kernel. */
export interface PlanRules {
  /** Whether the node's kernel writes into a given buffer (else its reference forward allocates). */
  readonly writesInto: (node: Node) => boolean;
  /** Input positions whose buffer the output may overwrite (each read at the output's own index). */
  readonly inPlaceInputs: (node: Node) => readonly number[];
  /** Whether the node's output is its input's buffer (reshape-like ops). */
  readonly aliases: (node: Node) => boolean;
}

/** The plan: one storage per node, the arena sizes, and figures. */
export interface MemoryPlan {
  readonly storage: readonly Storage[];
  /** Elements of each dtype's arena. */
  readonly arena: Readonly<Record<DType, number>>;
  /** Bytes of all arenas together. */
  readonly arenaBytes: number;
  /** Most bytes of intermediate values and outputs alive at once during a call (feeds and constants excluded). */
  readonly peakBytes: number;
  /** Bytes the values would take with no reuse at all (every value its own buffer). */
  readonly totalBytes: number;
  /** How many nodes overwrite one of their inputs. */
  readonly inPlace: number;
  /** For each node, the last node reading it directly (−1: none); graph outputs are read at the end (nodes.length). */
  readonly lastUse: Int32Array;
}

/**
 * The bytes of a value of this shape and dtype.
 *
 * @example
 * valueBytes({ shape: [2, 3], dtype: 'float32' }) // 24
 */
export const valueBytes = (x: Aval): number => sizeOf(x.shape) * (x.dtype === 'float64' ? 8 : 4);

/** First-fit free list over one arena, in elements; adjacent free blocks merge. */
const freeList = () => {
  const free: { offset: number; size: number }[] = [];
  let top = 0;
  return {
    get top() {
      return top;
    },
    take(size: number): number {
      for (let k = 0; k < free.length; k++) {
        const f = free[k];
        if (f.size < size) continue;
        const at = f.offset;
        if (f.size === size) free.splice(k, 1);
        else free[k] = { offset: f.offset + size, size: f.size - size };
        return at;
      }
      // Grow the arena, reusing a free block that ends at the top.
      const last = free.at(-1);
      if (last !== undefined && last.offset + last.size === top) {
        free.pop();
        top = last.offset + size;
        return last.offset;
      }
      top += size;
      return top - size;
    },
    give(offset: number, size: number): void {
      let k = 0;
      while (k < free.length && free[k].offset < offset) k++;
      free.splice(k, 0, { offset, size });
      if (k + 1 < free.length && offset + size === free[k + 1].offset) {
        free[k] = { offset, size: size + free[k + 1].size };
        free.splice(k + 1, 1);
      }
      if (k > 0 && free[k - 1].offset + free[k - 1].size === offset) {
        free[k - 1] = { offset: free[k - 1].offset, size: free[k - 1].size + free[k].size };
        free.splice(k, 1);
      }
    },
  };
};

/**
 * Plans a graph's memory. Each value's live interval runs from its node to its last reader
 * (aliases extend their source's interval); values whose kernels write into a buffer get a
 * slice of their dtype's arena, reused once the interval ends. A node whose last-read input
 * is read at the output's own index writes over that input in place. Values the caller
 * receives (outputs, and what they alias) are never in the arena: their kernels write into a
 * fresh buffer per call, so nothing the caller holds changes when the function runs again.
 *
 * @example
 * const plan = planMemory(graph, rules)
 * plan.arenaBytes, plan.peakBytes
 */
export const planMemory = (graph: Graph, rules: PlanRules): MemoryPlan => {
  const nodes = graph.nodes;
  const n = nodes.length;
  const storage = new Array<Storage>(n);
  const root = new Int32Array(n);
  const feedIndex = new Map(graph.inputs.map((id, k) => [id, k]));
  const returned = new Uint8Array(n);
  for (const node of nodes) {
    const i = node.id;
    root[i] = i;
    if (node.op === input) storage[i] = { kind: 'feed', index: feedIndex.get(i) ?? -1 };
    else if (node.op === constant) storage[i] = { kind: 'constant' };
    else if (rules.aliases(node)) {
      root[i] = root[node.inputs[0]];
      storage[i] = { kind: 'alias', of: node.inputs[0] };
    } else storage[i] = { kind: 'heap' };
  }
  for (const o of graph.outputs) returned[root[o]] = 1;
  const lastUse = new Int32Array(n).fill(-1);
  for (const node of nodes) for (const j of node.inputs) lastUse[j] = node.id;
  for (const o of graph.outputs) lastUse[o] = n;
  // A root lives as long as its last alias is read.
  const rootEnd = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) rootEnd[root[i]] = Math.max(rootEnd[root[i]], lastUse[i], i);

  const arenas = { float32: freeList(), float64: freeList() };
  const taken = new Uint8Array(n); // an arena block another node took over in place
  const releaseAt: number[][] = nodes.map(() => []);
  const releaseBytes = new Float64Array(n + 1);
  let live = 0, peak = 0, total = 0, inPlace = 0;
  for (const node of nodes) {
    const i = node.id;
    const size = sizeOf(node.shape);
    const bytes = valueBytes(node);
    if (storage[i].kind === 'heap') {
      let from = -1;
      if (returned[i]) {
        if (rules.writesInto(node)) storage[i] = { kind: 'output' };
      } else if (rules.writesInto(node)) {
        const allowed = rules.inPlaceInputs(node);
        for (const k of allowed) {
          const r = root[node.inputs[k]];
          const s = storage[r];
          if (s.kind !== 'arena' || taken[r] || nodes[r].dtype !== node.dtype || sizeOf(nodes[r].shape) !== size || rootEnd[r] !== i) continue;
          // Every read of that buffer by this node must be at the output's own index.
          if (!node.inputs.every((j, q) => root[j] !== r || allowed.includes(q))) continue;
          from = r;
          break;
        }
        if (from === -1) storage[i] = { kind: 'arena', offset: arenas[node.dtype].take(size), inPlace: false };
        else {
          storage[i] = { kind: 'arena', offset: (storage[from] as { offset: number }).offset, inPlace: true };
          taken[from] = 1;
          inPlace++;
        }
      }
      const end = Math.min(rootEnd[i], n);
      total += bytes;
      if (from === -1) live += bytes;
      else releaseBytes[i] -= bytes; // the overwritten input's bytes stay live, now as this value
      releaseBytes[end] += bytes;
      if (storage[i].kind === 'arena') releaseAt[end].push(i);
    }
    peak = Math.max(peak, live);
    // Values whose interval ends here give their bytes, and their arena blocks, back.
    live -= releaseBytes[i];
    for (const r of releaseAt[i]) if (!taken[r]) arenas[nodes[r].dtype].give((storage[r] as { offset: number }).offset, sizeOf(nodes[r].shape));
  }
  const arena = { float32: arenas.float32.top, float64: arenas.float64.top };
  return Object.freeze({
    storage: Object.freeze(storage),
    arena: Object.freeze(arena),
    arenaBytes: arena.float32 * 4 + arena.float64 * 8,
    peakBytes: peak,
    totalBytes: total,
    inPlace,
    lastUse,
  });
};
