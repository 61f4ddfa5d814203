// The umbrella re-exports every runtime export of the seven packages, and resolves each name clash as its header says.

import { describe, it, expect } from 'vitest';
import * as core from '@chainrule/core';
import * as backendWasm from '@chainrule/backend-wasm';
import * as ops from '@chainrule/ops';
import * as nn from '@chainrule/nn';
import * as optim from '@chainrule/optim';
import * as train from '@chainrule/train';
import * as gradcheck from '@chainrule/gradcheck';
import * as trainNode from '@chainrule/train/node';
import * as chainrule from './index.js';
import * as chainruleNode from './node.js';

const packages = { core, 'backend-wasm': backendWasm, ops, nn, optim, train, gradcheck } as Record<string, Record<string, unknown>>;
// Exports that lost their name to another package's, and where they live instead.
const renamed: Record<string, Record<string, string>> = {
  ops: { split: 'splitTensor' },
  train: { evaluate: 'evaluateModel', take: 'takeExamples' },
};
const viaLayers: Record<string, readonly string[]> = { nn: ['flatten', 'conv2d', 'maxPool2d', 'avgPool2d', 'dropout'] };

describe('chainrule', () => {
  const all = chainrule as Record<string, unknown>;
  for (const [pkg, mod] of Object.entries(packages)) {
    it(`re-exports every export of @chainrule/${pkg}`, () => {
      const lost = Object.entries(mod).filter(([name, value]) => {
        if (viaLayers[pkg]?.includes(name)) return (chainrule.layers as Record<string, unknown>)[name] !== value;
        return all[renamed[pkg]?.[name] ?? name] !== value;
      });
      expect(lost.map(([name]) => name)).toEqual([]);
    });
  }

  it('keeps the PRNG split, the graph evaluate, the pytree flatten and the ops where names clash', () => {
    expect(chainrule.split).toBe(core.split);
    expect(chainrule.evaluate).toBe(core.evaluate);
    expect(chainrule.flatten).toBe(core.flatten);
    expect(chainrule.take).toBe(ops.take);
    expect(chainrule.conv2d).toBe(ops.conv2d);
    expect(chainrule.dropout).toBe(ops.dropout);
    expect(chainrule.split(chainrule.key(0))).toHaveLength(2);
    expect(chainrule.splitTensor(chainrule.tensor([1, 2, 3, 4]), { numOrSizes: 2 }).map((t) => t.shape)).toEqual([[2], [2]]);
  });

  it('re-exports @chainrule/train/node as chainrule/node', () => {
    expect(Object.keys(chainruleNode).sort()).toEqual(Object.keys(trainNode).sort());
    expect(chainruleNode.loadMnist).toBe(trainNode.loadMnist);
  });
});
