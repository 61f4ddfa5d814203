// A plugin's op exports through a rule the caller passes, and a custom-domain ONNX op imports through one.

import { describe, it, expect } from 'vitest';
import * as t from 'io-ts';
import { abstract, defineOp, evaluate, inferSame, key, mul, sigmoid, trace, uniform, allocate, type Tensor } from '@chainrule/core';
import { exportGraph, importOnnx, type ExportRule, type ImportRule } from '../src/index.js';
import { buildModel } from './build.js';
import { runOrt, expectClose } from './ort.js';

// swish(x) = x·σ(x), as a third-party plugin would define it.
const swish = defineOp({
  name: 'myorg.swish',
  attrs: t.type({}),
  arity: 1,
  infer: inferSame,
  forward: ([x], _, out) => {
    const o = allocate(out.dtype, x.size);
    for (let i = 0; i < o.length; i++) o[i] = x.data[i] / (1 + Math.exp(-x.data[i]));
    return o;
  },
  vjp: ({ inputs: [x], cotangent }) => [mul(cotangent, sigmoid(x))],
});

describe('rules for plugin ops', () => {
  const g = trace((x: Tensor) => swish(x), abstract([2, 3]));
  const x = uniform(key(1), [2, 3], { min: -3, max: 3 });

  it('export without a rule names the op; with one, onnxruntime agrees', async () => {
    const plain = exportGraph(g);
    expect(plain._tag === 'Left' && plain.left.ops).toEqual(['myorg.swish']);
    const rule: ExportRule = (e, [v]) => e.node('Mul', [v, e.node('Sigmoid', [v])]);
    const bytes = exportGraph(g, { rules: { 'myorg.swish': rule } });
    if (bytes._tag === 'Left') throw new Error(bytes.left.message);
    expectClose((await runOrt(bytes.right, { input_0: x })).output_0.data, evaluate(g, [x])[0].data, 1e-5, 'swish');
  });

  it('import of a custom-domain op uses a rule given by domain::op_type', () => {
    const bytes = buildModel({ inputs: [{ name: 'x', shape: [2, 3] }], outputs: ['y'], nodes: [{ op: 'Swish', inputs: ['x'], output: 'y', domain: 'org.example' }] });
    expect(importOnnx(bytes)._tag).toBe('Left');
    const rule: ImportRule = { inputs: [1, 1], apply: ([v]) => swish(v!.tensor()) };
    const m = importOnnx(bytes, { rules: { 'org.example::Swish': rule } });
    if (m._tag === 'Left') throw new Error(m.left.message);
    expectClose(m.right.run(x)[0].data, evaluate(g, [x])[0].data, 0, 'swish');
  });
});
