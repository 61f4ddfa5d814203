// The importer fuzzed with malformed protobufs: byte-level and field-level mutations of real models.
// It never throws, every model it accepts stays under the element ceiling and runs or fails with a ChainruleError.
// `pnpm fuzz:onnx` runs 5,000 cases (ONNX_FUZZ_CASES and ONNX_FUZZ_SEED override); the suite runs 300.

import { describe, it, expect } from 'vitest';
import { ChainruleError, abstract, key, sizeOf, tensor, trace, uniform, uniformArray, matmul, add, type Tensor } from '@chainrule/core';
import * as ops from '@chainrule/ops';
import { mlp, cnn } from '@chainrule/nn';
import { exportGraph, exportModel, importOnnx } from '../src/index.js';
import { decodeModelProto, encodeModelProto, type ModelMsg } from '../src/proto.js';
import { buildModel, attr } from './build.js';

const CASES = Number(process.env.ONNX_FUZZ_CASES ?? 300);
const SEED = Number(process.env.ONNX_FUZZ_SEED ?? 20261201);
const CEILING = 1 << 16;

const right = <A>(e: { _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: A }): A => {
  if (e._tag === 'Left') throw new Error(String(e.left));
  return e.right;
};

const corpus: Uint8Array[] = (() => {
  const m = mlp({ sizes: [4, 6, 3], activation: 'relu' });
  const c = cnn({ inputShape: [6, 6, 1], filters: [2], hidden: [], classes: 3 });
  const w = tensor([[1, 2], [3, 4], [5, 6]]);
  const g = trace((x: Tensor) => ops.softmax(add(matmul(x, w), ops.gather(w, tensor([1]), { axis: 0 }))), abstract([2, 3]));
  const s = trace((x: Tensor) => ops.pad(ops.slice(ops.transpose(x), { begin: [1, 0] }), { paddings: [[0, 1], [1, 0]] }), abstract([3, 4]));
  return [
    right(exportModel(m, m.init(key(1)), { batch: 2 })),
    right(exportModel(c, c.init(key(2)))),
    right(exportGraph(g)),
    right(exportGraph(s)),
    buildModel({
      inputs: [{ name: 'x', shape: ['N', 2, 4, 4] }],
      outputs: ['y'],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w', 'b'], output: 'c', attrs: [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1])] },
        { op: 'BatchNormalization', inputs: ['c', 's', 'b', 'b', 's'], output: 'n' },
        { op: 'Shape', inputs: ['n'], output: 'sh' },
        { op: 'Constant', inputs: [], output: 'zero', attrs: [attr.int('value_int', 0)] },
        { op: 'Gather', inputs: ['sh', 'zero'], output: 'batch' },
        { op: 'Constant', inputs: [], output: 'axes', attrs: [attr.ints('value_ints', [0])] },
        { op: 'Unsqueeze', inputs: ['batch', 'axes'], output: 'b1' },
        { op: 'Constant', inputs: [], output: 'rest', attrs: [attr.ints('value_ints', [-1])] },
        { op: 'Concat', inputs: ['b1', 'rest'], output: 'shape', attrs: [attr.int('axis', 0)] },
        { op: 'Reshape', inputs: ['n', 'shape'], output: 'y' },
      ],
      initializers: { w: tensor(Array.from({ length: 36 }, (_, i) => i / 36), { shape: [2, 2, 3, 3] }), b: tensor([0.1, 0.2]), s: tensor([1, 2]) },
    }),
  ];
})();

/** A seeded stream of uniforms in [0, 1), drawn in blocks. */
const randomStream = (seed: number): (() => number) => {
  let block = uniformArray(key(seed), 256), at = 0, round = 0;
  return () => {
    if (at === block.length) {
      block = uniformArray(key(seed * 7919 + ++round), 256);
      at = 0;
    }
    return block[at++];
  };
};

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, n: number): number => Math.floor(r() * n);
/** A random element of a possibly empty or missing list (a detached object when there is none). */
const anyOf = (r: Rand, xs: any[] | undefined): any => (xs !== undefined && xs.length > 0 ? pick(r, xs) : {});

const byteMutations: ((b: Uint8Array, r: Rand) => Uint8Array)[] = [
  (b, r) => { const c = b.slice(); c[int(r, c.length)] ^= 1 << int(r, 8); return c; },
  (b, r) => { const c = b.slice(); for (let k = 0; k < 1 + int(r, 8); k++) c[int(r, c.length)] = int(r, 256); return c; },
  (b, r) => b.slice(0, int(r, b.length)),
  (b, r) => { const i = int(r, b.length), n = int(r, 64); return new Uint8Array([...b.slice(0, i), ...b.slice(i + n)]); },
  (b, r) => { const i = int(r, b.length); return new Uint8Array([...b.slice(0, i), ...Array.from({ length: 1 + int(r, 16) }, () => int(r, 256)), ...b.slice(i)]); },
  (b, r) => { const i = int(r, b.length), j = int(r, b.length); return new Uint8Array([...b.slice(0, i), ...b.slice(j, j + int(r, 200)), ...b.slice(i)]); },
  // A length prefix made huge: a varint of 0xff bytes where a field starts.
  (b, r) => { const c = b.slice(); const i = int(r, c.length - 5); for (let k = 1; k < 5; k++) c[i + k] = 0xff; return c; },
];

const HUGE = [2 ** 31, 2 ** 40, -1, -(2 ** 31), 0, 1, 2 ** 16 + 1, Number.MAX_SAFE_INTEGER];
const OPS = ['Conv', 'Gemm', 'MatMul', 'Reshape', 'Slice', 'Pad', 'Gather', 'Expand', 'Concat', 'MaxPool', 'Softmax', 'Transpose', 'Squeeze', 'LSTM', 'Loop', 'If', ''];

/** One field-level mutation of a decoded model (re-encoded afterwards); typed loosely, as the mutations write fields of the wrong type on purpose. */
const messageMutations: ((m: any, r: Rand) => void)[] = [
  (m, r) => { const t = anyOf(r, m.graph?.initializer); t.dims = Array.from({ length: int(r, 4) }, () => pick(r, HUGE)); },
  (m, r) => { const t = anyOf(r, m.graph?.initializer); t.data_type = int(r, 20); },
  (m, r) => { const t = anyOf(r, m.graph?.initializer); if (t.raw_data) t.raw_data = t.raw_data.slice(0, int(r, t.raw_data.length)); },
  (m, r) => { const t = anyOf(r, m.graph?.initializer); t.float_data = Array.from({ length: int(r, 5) }, () => r()); },
  (m, r) => { const n = anyOf(r, m.graph?.node); n.op_type = pick(r, OPS); },
  (m, r) => { const n = anyOf(r, m.graph?.node); if (n.input?.length) n.input[int(r, n.input.length)] = pick(r, ['', 'nope', ...(m.graph.node.flatMap((x: any) => x.output ?? []))]); },
  (m, r) => { const n = anyOf(r, m.graph?.node); const a = anyOf(r, n.attribute); a.i = pick(r, HUGE); a.ints = Array.from({ length: int(r, 6) }, () => pick(r, HUGE)); a.type = int(r, 12); },
  (m, r) => { const n = anyOf(r, m.graph?.node); (n.attribute ??= []).push({ name: pick(r, ['axis', 'perm', 'pads', 'kernel_shape', 'strides', 'group', 'bogus']), type: 7, ints: [pick(r, HUGE), int(r, 5)] }); },
  (m, r) => { if (m.graph?.node?.length) m.graph.node.splice(int(r, m.graph.node.length), 1); },
  (m, r) => { if (m.graph?.node?.length) m.graph.node.push({ ...pick(r, m.graph.node) }); },
  (m, r) => { if (m.graph?.node?.length) m.graph.node.reverse(); },
  (m, r) => { const d = m.graph?.input?.[0]?.type?.tensor_type?.shape?.dim; if (d?.length) d[int(r, d.length)] = pick(r, [{ dim_value: pick(r, HUGE) }, { dim_param: 'B' }, {}]); },
  (m, r) => { if (m.graph?.input?.[0]?.type?.tensor_type) m.graph.input[0].type.tensor_type.elem_type = int(r, 14); },
  (m, r) => { m.opset_import = [{ domain: '', version: pick(r, [1, 12, 13, 18, 21, 22, 2 ** 40]) }]; },
  (m, r) => { const i = m.graph?.initializer; if (i?.length) i[int(r, i.length)].name = pick(r, ['__proto__', 'constructor', 'x', 'input', i[0].name]); },
  (m, r) => { const o = m.graph?.output; if (o?.length) o[int(r, o.length)].name = pick(r, ['missing', '', o[0].name]); },
];

/** One malformed variant of a corpus model. */
const mutant = (r: Rand): Uint8Array => {
  const base = pick(r, corpus);
  if (r() < 0.5) {
    let b = base;
    for (let k = 0; k < 1 + int(r, 3); k++) b = pick(r, byteMutations)(b, r);
    return b;
  }
  const m = decodeModelProto(base);
  if (m._tag === 'Left') throw new Error(m.left);
  const msg = structuredClone(m.right) as ModelMsg;
  for (let k = 0; k < 1 + int(r, 3); k++) pick(r, messageMutations)(msg, r);
  try {
    return encodeModelProto(msg);
  } catch {
    return base.slice(0, int(r, base.length)); // a mutation protobufjs refuses to encode: fall back to a truncation
  }
};

const fuzz = (cases: number, seed: number): { accepted: number; refused: number } => {
  const r = randomStream(seed);
  let accepted = 0, refused = 0;
  for (let c = 0; c < cases; c++) {
    const bytes = mutant(r);
    let result: ReturnType<typeof importOnnx>;
    try {
      result = importOnnx(bytes, { maxElements: CEILING });
    } catch (e) {
      throw new Error(`case ${c} (seed ${seed}): importOnnx threw ${(e as Error).stack}`);
    }
    if (result._tag === 'Left') {
      expect(result.left.problems.length).toBeGreaterThan(0);
      refused++;
      continue;
    }
    accepted++;
    const model = result.right;
    for (const p of Object.values(model.params)) expect(p.size).toBeLessThanOrEqual(CEILING);
    for (const n of model.graph.nodes) expect(sizeOf(n.shape)).toBeLessThanOrEqual(CEILING);
    const xs = model.graph.inputs.map((id, k) => uniform(key(k), model.graph.nodes[id].shape, { dtype: model.graph.nodes[id].dtype }));
    try {
      model.run(...xs);
    } catch (e) {
      if (!(e instanceof ChainruleError)) throw new Error(`case ${c} (seed ${seed}): run threw ${(e as Error).stack}`);
    }
  }
  return { accepted, refused };
};

describe('importer fuzz', () => {
  it('every corpus model imports', () => {
    for (const b of corpus) {
      const r = importOnnx(b, { maxElements: CEILING });
      expect(r._tag === 'Left' ? r.left.message : 'imported').toBe('imported');
    }
  });

  it(`${CASES} malformed models: no throw, bounded allocation`, () => {
    const { accepted, refused } = fuzz(CASES, SEED);
    // Both outcomes occur: the mutations are neither all fatal nor all harmless.
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(CASES / 2);
    console.log(`onnx fuzz: ${CASES} cases, ${accepted} imported, ${refused} refused`);
  }, 600_000);
});
