import { describe, expect, it } from 'vitest';
import { abstract, add, exp, neg, reshape, trace, type Graph, type Node } from '@chainrule/core';
import { planMemory, type PlanRules, type Storage } from './plan.js';

const rules = (inPlace: boolean): PlanRules => ({
  writesInto: (node) => node.op.name !== 'core.reshape',
  inPlaceInputs: (node) => (inPlace ? node.inputs.map((_, k) => k) : []),
  aliases: (node) => node.op.name === 'core.reshape',
});
const kinds = (storage: readonly Storage[]) => storage.map((s) => s.kind);
const offsets = (storage: readonly Storage[]) => storage.map((s) => (s.kind === 'arena' ? s.offset : -1));
const chain = (): Graph => trace((x) => neg(neg(neg(neg(x)))), abstract([8]));

describe('planMemory', () => {
  it('reuses a buffer once its value is dead (no in-place)', () => {
    const plan = planMemory(chain(), rules(false));
    expect(kinds(plan.storage)).toEqual(['feed', 'arena', 'arena', 'arena', 'output']);
    // %1 and %2 overlap in time; %3 starts when %1 is dead and takes its buffer.
    expect(offsets(plan.storage)).toEqual([-1, 0, 8, 0, -1]);
    expect(plan.arena.float32).toBe(16);
    expect(plan.arenaBytes).toBe(64);
    expect(plan.inPlace).toBe(0);
    expect(plan.totalBytes).toBe(4 * 32);
    expect(plan.peakBytes).toBe(2 * 32); // two values of 32 bytes alive at once, at most
  });

  it('writes in place where the last reader is the writer', () => {
    const plan = planMemory(chain(), rules(true));
    expect(offsets(plan.storage)).toEqual([-1, 0, 0, 0, -1]);
    expect(plan.storage.filter((s) => s.kind === 'arena' && s.inPlace)).toHaveLength(2);
    expect(plan.inPlace).toBe(2);
    expect(plan.arena.float32).toBe(8);
    expect(plan.peakBytes).toBe(2 * 32); // %3 in the arena, %4 the fresh output
  });

  it('does not overwrite a value that is read later', () => {
    // a = exp(x); b = neg(a); c = add(a, b): a is still needed after b.
    const g = trace((x) => {
      const a = exp(x);
      return neg(add(a, neg(a)));
    }, abstract([4]));
    const plan = planMemory(g, rules(true));
    const [, a, b, c] = offsets(plan.storage);
    expect(a).not.toBe(b);
    expect(c === a || c === b).toBe(true); // add is a's and b's last reader: it may take either
  });

  it('keeps an aliased buffer alive while its alias is read, and never plans what the caller receives', () => {
    const g = trace((x) => {
      const a = exp(x);
      const r = reshape(a, { shape: [2, 2] });
      const b = neg(neg(x));
      return [add(reshape(b, { shape: [2, 2] }), r), reshape(neg(a), { shape: [4] })];
    }, abstract([4]));
    const plan = planMemory(g, rules(false));
    const byName = (name: string): Node[] => g.nodes.filter((n) => n.op.name === name);
    const [a] = byName('core.exp');
    const s = plan.storage[a.id];
    expect(s.kind).toBe('arena');
    const negs = byName('core.neg');
    // Nothing reuses exp's buffer while its reshape still has a reader (the add).
    const addId = byName('core.add')[0].id;
    for (const m of negs) {
      const t = plan.storage[m.id];
      if (t.kind === 'arena' && m.id < addId && s.kind === 'arena') expect(t.offset).not.toBe(s.offset);
    }
    // The last neg is returned through a reshape: it writes a fresh buffer, not the arena.
    expect(plan.storage[negs.at(-1)!.id].kind).toBe('output');
    expect(plan.storage[g.outputs[1]].kind).toBe('alias');
  });
});
