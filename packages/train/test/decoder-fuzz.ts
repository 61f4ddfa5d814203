// Fuzzing of every decoder that takes outside data (graph, checkpoint, model spec, tensor JSON,
// optimizer config): hostile variants of valid documents, classified as Left, accepted (and
// checked valid by an independent oracle), crash, hang, accepted-invalid or over-long message.

import fc from 'fast-check';
import {
  MAX_ELEMENTS, Tensor, abstract, decodeGraph, encodeGraph, evaluate, grad, key, matmul, oneHot, sigmoid, softmaxCrossEntropy,
  sum, tensor, tensorFromJson, trace, treeLeaves, zeros, ChainruleError, broadcastTo, formatErrors, preview, type Graph,
} from '@chainrule/core';
import { pad, transpose, standardRegistry } from '@chainrule/ops';
import { buildModel, cnn, mlp, type Model } from '@chainrule/nn';
import { optimizerFromConfig, sgd } from '@chainrule/optim';
import { checkpointChecksum, decodeCheckpoint, encodeCheckpoint, makeCheckpoint, type Checkpoint } from '../src/checkpoint.js';

/** How one decoding ended. */
export type Outcome = 'left' | 'accepted' | 'crash' | 'hang' | 'acceptedInvalid' | 'longMessage';

/** Counts of outcomes for one decoder, and a few examples of every outcome that must not happen. */
export interface FuzzReport {
  readonly decoder: string;
  readonly counts: Record<Outcome, number>;
  readonly failures: readonly string[];
}

/** A decoding that takes longer than this counts as a hang (only reported, never asserted in tests). */
export const HANG_MS = 2000;

/** The longest Left message accepted: error text quotes previews, never whole values. */
const MAX_MESSAGE = 2000;

type Result = { readonly _tag: 'Left'; readonly left: unknown } | { readonly _tag: 'Right'; readonly right: unknown };

interface Decoder {
  readonly name: string;
  readonly seeds: readonly unknown[];
  readonly decode: (input: unknown) => Result;
  /** Why an accepted value is not valid, or undefined: checks written apart from the decoder. */
  readonly invalid: (value: unknown) => string | undefined;
  /** Makes a mutated document self-consistent again where the format seals itself (a checksum), so the checks behind the seal are reached. */
  readonly reseal?: (doc: unknown) => unknown;
}

// ------------------------------------------------------------------------------------------
// Oracles: independent checks of what a decoder accepted.

const isDim = (d: unknown): boolean => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0 && d <= MAX_ELEMENTS;
const elements = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const shapeInvalid = (shape: unknown): string | undefined =>
  !Array.isArray(shape) || !shape.every(isDim) ? `bad shape ${JSON.stringify(shape)}` : elements(shape) > MAX_ELEMENTS ? 'shape over the ceiling' : undefined;

/** Whether a value holds an object with an unexpected prototype or a prototype key. */
const prototypeProblem = (root: unknown): string | undefined => {
  const allowed = new Set<unknown>([Object.prototype, Array.prototype, null, Tensor.prototype]);
  const stack = [root];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || seen.has(v) || ArrayBuffer.isView(v)) continue;
    seen.add(v);
    if (!allowed.has(Object.getPrototypeOf(v))) return 'an object with a foreign prototype';
    for (const k of Object.keys(v)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') return `a '${k}' key`;
      stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return undefined;
};

/** Runs `f`; a thrown error other than a ChainruleError means the accepted value was not valid. */
const runsCleanly = (what: string, f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof ChainruleError ? undefined : `${what} threw ${String(e).slice(0, 200)}`;
  }
};

const graphInvalid = (value: unknown): string | undefined => {
  const g = value as Graph;
  const inputs = new Set(g.inputs);
  if (inputs.size !== g.inputs.length) return 'an input listed twice';
  let total = 0;
  for (let i = 0; i < g.nodes.length; i++) {
    const n = g.nodes[i];
    if (n.id !== i) return `node ${i} has id ${n.id}`;
    if (n.inputs.some((j) => !(j < i))) return `node ${i} reads a later node`;
    if ((n.op.name === 'core.input') !== inputs.has(i)) return `node ${i}: core.input nodes and inputs disagree`;
    const s = shapeInvalid(n.shape);
    if (s !== undefined) return `node ${i}: ${s}`;
    total += elements(n.shape);
    const p = prototypeProblem(n.attrs);
    if (p !== undefined) return `node ${i} attrs hold ${p}`;
  }
  if (total > MAX_ELEMENTS) return 'nodes over the ceiling together';
  if (g.outputs.some((o) => !(o >= 0 && o < g.nodes.length))) return 'an output out of range';
  // A valid graph runs on zero feeds (only small ones: the fuzz must stay fast).
  if (total > 1e6) return undefined;
  const feeds = g.inputs.map((i) => zeros(g.nodes[i].shape, g.nodes[i].dtype));
  return runsCleanly('evaluate', () => evaluate(g, feeds));
};

const modelInvalid = (m: Model): string | undefined => {
  const s = shapeInvalid(m.inputShape) ?? shapeInvalid(m.outputShape);
  if (s !== undefined) return s;
  const round = buildModel(JSON.parse(JSON.stringify(m.spec)));
  if (round._tag === 'Left') return `its own spec does not rebuild: ${round.left}`;
  const params = treeLeaves(m.paramShapes()) as unknown as { shape: number[] }[];
  if (params.reduce((a, p) => a + elements(p.shape), 0) > 1e6 || elements(m.inputShape) > 1e5) return undefined;
  return runsCleanly('init and apply', () => m.apply(m.init(key(0)), zeros([1, ...m.inputShape], m.dtype)));
};

const checkpointInvalid = (value: unknown): string | undefined => {
  const c = value as Checkpoint;
  const p = prototypeProblem(c.state.params) ?? prototypeProblem(c.state.optState) ?? prototypeProblem(c.config);
  if (p !== undefined) return `it holds ${p}`;
  for (const leaf of treeLeaves(c.state.params)) {
    if (leaf instanceof Tensor && shapeInvalid(leaf.shape) !== undefined) return 'a param with a bad shape';
  }
  for (const k of ['loss', 'accuracy', 'learningRate'] as const) if (c.state.history[k].length !== c.state.step) return `history.${k} length is not step`;
  const again = decodeCheckpoint(JSON.parse(JSON.stringify(encodeCheckpoint(c))));
  if (again._tag === 'Left') return `its own encoding does not decode: ${again.left.message}`;
  return modelInvalid(c.model) ?? runsCleanly('apply to the params', () => c.model.apply(c.state.params, zeros([1, ...c.model.inputShape], c.model.dtype)));
};

const tensorInvalid = (value: unknown): string | undefined => {
  const x = value as Tensor;
  const s = shapeInvalid(x.shape);
  if (s !== undefined) return s;
  if (x.data.length !== elements(x.shape) || x.size !== x.data.length) return 'data length is not the shape size';
  if ((x.dtype === 'float64') !== x.data instanceof Float64Array) return 'dtype and data disagree';
  const again = tensorFromJson.decode(JSON.parse(JSON.stringify(tensorFromJson.encode(x))));
  if (again._tag === 'Left' || JSON.stringify(tensorFromJson.encode(again.right)) !== JSON.stringify(tensorFromJson.encode(x))) return 'does not round-trip';
  return undefined;
};

const optimizerInvalid = (value: unknown): string | undefined => {
  const opt = value as ReturnType<typeof sgd>;
  const params = { w: tensor([1, -2], { dtype: 'float64' }) };
  // An accepted config must give an optimizer that runs: any throw here is a config that should have been refused.
  try {
    const state = opt.init(params);
    const { updates } = opt.update({ w: tensor([0.5, 0.25], { dtype: 'float64' }) }, state, params);
    const u = (updates as { w?: unknown }).w;
    return u instanceof Tensor && u.shape.length === 1 && u.shape[0] === 2 ? undefined : 'updates do not have the params structure';
  } catch (e) {
    return `init/update threw ${String(e).slice(0, 200)}`;
  }
};

// ------------------------------------------------------------------------------------------
// Seeds: valid documents of each kind.

const graphSeeds = (): unknown[] => {
  const f32 = (s: number[]) => abstract(s);
  const loss = (w: Tensor, x: Tensor, y: Tensor) => sum(softmaxCrossEntropy(matmul(x, w), y));
  const graphs = [
    trace(loss, f32([3, 2]), f32([4, 3]), f32([4])),
    trace(grad(loss), f32([3, 2]), f32([4, 3]), f32([4])),
    trace((x: Tensor) => sum(pad(sigmoid(x), { paddings: [[1, 2], [0, 1]] }), { axis: 0 }), f32([2, 3])),
    trace((x: Tensor) => oneHot(x, { depth: 4 }), f32([3])),
    trace((x: Tensor) => transpose(broadcastTo(x, { shape: [2, 4, 3] }), { perm: [2, 0, 1] }), f32([4, 3])),
  ];
  return graphs.map((g) => JSON.parse(JSON.stringify(encodeGraph(g))));
};

const checkpointSeeds = (): unknown[] => {
  const model = mlp({ sizes: [2, 4, 2] });
  const params = model.init(key(1));
  const opt = sgd({ learningRate: 0.1, momentum: 0.9 });
  const history = { loss: [0.5], accuracy: [0.5], learningRate: [0.1], epochs: [{ epoch: 0, step: 1, loss: 0.5, accuracy: 0.5 }] };
  const c = makeCheckpoint({
    model,
    config: { seed: 0, batchSize: 2, epochs: 1, optimizer: { name: 'sgd', learningRate: 0.1 } },
    state: { params, optState: opt.init(params), step: 1, history },
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  return [JSON.parse(JSON.stringify(encodeCheckpoint(c)))];
};

const resealCheckpoint = (doc: unknown): unknown => {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return doc;
  try {
    return { ...doc, checksum: checkpointChecksum(doc as Record<string, unknown>) };
  } catch {
    return doc; // cyclic or too deep to stringify: left as it is
  }
};

const modelSeeds = (): unknown[] => [mlp({ sizes: [3, 5, 2] }).spec, cnn({ inputShape: [8, 8, 1], filters: [2], hidden: [4], classes: 3 }).spec].map((s) => JSON.parse(JSON.stringify(s)));

const tensorSeeds = (): unknown[] => [
  tensorFromJson.encode(tensor([[1, 2, 3], [4, 5, 6]])),
  tensorFromJson.encode(tensor([NaN, Infinity, -0.5], { dtype: 'float64' })),
  tensorFromJson.encode(tensor(3)),
].map((s) => JSON.parse(JSON.stringify(s)));

const optimizerSeeds = (): unknown[] => [
  { name: 'sgd', learningRate: 0.1, momentum: 0.9, nesterov: true },
  { name: 'adam', learningRate: { kind: 'warmupCosineDecay', initValue: 0, peakValue: 1e-3, warmupSteps: 10, decaySteps: 100 }, clipGlobalNorm: 1 },
  { name: 'adamw', learningRate: 1e-3, weightDecay: 0.01, clipValue: 0.5 },
  { name: 'rmsprop', learningRate: { kind: 'piecewiseConstant', initValue: 0.1, boundariesAndScales: { 10: 0.5 } } },
  { name: 'sgd', learningRate: { kind: 'stepDecay', initValue: 1, stepSize: 2, gamma: 0.5 } },
];

/** The five decoders, with their seeds and oracles. */
export const decoders = (): readonly Decoder[] => {
  const registry = standardRegistry();
  return [
    { name: 'graph', seeds: graphSeeds(), decode: (u) => decodeGraph(u, registry), invalid: graphInvalid },
    { name: 'checkpoint', seeds: checkpointSeeds(), decode: decodeCheckpoint, invalid: checkpointInvalid, reseal: resealCheckpoint },
    { name: 'model spec', seeds: modelSeeds(), decode: buildModel, invalid: (m) => modelInvalid(m as Model) },
    {
      name: 'tensor JSON',
      seeds: tensorSeeds(),
      // The codec's errors are rendered as a user sees them: through formatErrors.
      decode: (u) => {
        const r = tensorFromJson.decode(u);
        return r._tag === 'Left' ? { _tag: 'Left', left: { message: formatErrors(r.left) } } : r;
      },
      invalid: tensorInvalid,
    },
    { name: 'optimizer config', seeds: optimizerSeeds(), decode: (u) => optimizerFromConfig(u), invalid: optimizerInvalid },
  ];
};

// ------------------------------------------------------------------------------------------
// Hostile inputs: mutations of the seeds, mangled text, arbitrary JSON.

const nested = (depth: number, leaf: unknown = 0): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
};

const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    -1, 0, 1, 2, 1.5, -0, 1e300, -1e300, 2 ** 53 + 2, 1e9, 1e10, 2 ** 28, 2 ** 28 + 1, NaN, Infinity, -Infinity, '', 'x', null, true,
    [], {}, [0, 1e9], [[0, 1e9]], [[1e9, 0], [0, 1]], [1e5, 1e5], [1e5, 1e5, 3], [-1], [2, -1], [0, 1e12], 'float16', 'core.input', 'ops.pad',
  ).map((v) => (typeof v === 'object' && v !== null ? JSON.parse(JSON.stringify(v)) : v)), // a fresh copy: mutations edit what they insert
  fc.integer({ min: -10, max: 1_000_000 }),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: 60, max: 20_000 }).map((d) => nested(d)),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom('__proto__', 'constructor', 'prototype').map((k) => JSON.parse(`{"${k}":{"polluted":1}}`)),
  fc.jsonValue({ maxDepth: 3 }),
  fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }),
);

type Mutation = { readonly pick: number; readonly kind: 'replace' | 'delete' | 'addKey' | 'bump' | 'wrap' | 'cycle'; readonly value: unknown; readonly key: string; readonly factor: number };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom<Mutation['kind']>('replace', 'replace', 'bump', 'delete', 'addKey', 'wrap', 'cycle'),
  value: nasty,
  key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'axes', 'keepdims', 'depth', 'shape', 'value'),
  factor: fc.constantFrom(-1, 0, 2, 1e3, 1e9, 0.5, 1 + 2 ** -20),
});

/** Every (container, key) slot of a value, found iteratively; each container once, so cycles end. */
const slots = (root: unknown): { parent: Record<string, unknown> | unknown[]; key: string | number }[] => {
  const out: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const stack = [root];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const v = stack.pop();
    if (seen.has(v)) continue;
    seen.add(v);
    if (Array.isArray(v)) v.forEach((c, i) => (out.push({ parent: v, key: i }), stack.push(c)));
    else if (typeof v === 'object' && v !== null) for (const k of Object.keys(v)) out.push({ parent: v as Record<string, unknown>, key: k }), stack.push((v as Record<string, unknown>)[k]);
  }
  return out;
};

const setOwn = (o: object, k: string | number, v: unknown): void => {
  // defineProperty makes an own '__proto__' key, as JSON.parse does, instead of setting the prototype.
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
};

const mutate = (seed: unknown, mutations: readonly Mutation[]): unknown => {
  const doc = { root: structuredClone(seed) } as Record<string, unknown>;
  for (const m of mutations) {
    const all = slots(doc);
    if (all.length === 0) break;
    const { parent, key: k } = all[m.pick % all.length];
    const current = (parent as Record<string | number, unknown>)[k];
    switch (m.kind) {
      case 'replace':
        setOwn(parent, k, m.value);
        break;
      case 'bump':
        setOwn(parent, k, typeof current === 'number' ? current * m.factor : m.value);
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(k as number, 1);
        else delete parent[k as string];
        break;
      case 'addKey':
        if (typeof current === 'object' && current !== null && !Array.isArray(current)) setOwn(current, m.key, m.value);
        else setOwn(parent, k, m.value);
        break;
      case 'wrap':
        setOwn(parent, k, [current]);
        break;
      case 'cycle':
        // In-memory input may be cyclic: the slot now holds its own container.
        setOwn(parent, k, parent);
        break;
    }
  }
  return doc.root;
};

const mangledText = (seeds: readonly unknown[]): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom(...seeds), fc.nat(), fc.constantFrom('truncate', 'flip', 'insert'), fc.string({ minLength: 1, maxLength: 3 })).map(([seed, at, how, s]) => {
    const text = JSON.stringify(seed);
    const i = at % (text.length + 1);
    return how === 'truncate' ? text.slice(0, i) : how === 'flip' ? text.slice(0, i) + s + text.slice(i + s.length) : text.slice(0, i) + s + text.slice(i);
  });

/** Hostile inputs for a decoder: mostly mutated seeds (half of them sealed again, if the format seals itself), some mangled text, some arbitrary values. */
export const hostileInputs = (seeds: readonly unknown[], reseal?: (doc: unknown) => unknown): fc.Arbitrary<unknown> =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean()).map(([s, ms, seal]) => {
        const doc = mutate(s, ms);
        return seal && reseal !== undefined ? reseal(doc) : doc;
      }),
    },
    { weight: 2, arbitrary: mangledText(seeds) },
    { weight: 1, arbitrary: nasty },
  );

// ------------------------------------------------------------------------------------------
// The run.

const polluted = (): boolean => Object.getOwnPropertyNames(Object.prototype).some((k) => k === 'polluted') || ({} as { polluted?: unknown }).polluted !== undefined;

/** Decodes one input and classifies the outcome (with a note for the outcomes that must not happen). */
export const classify = (d: Decoder, input: unknown): { outcome: Outcome; note?: string } => {
  const t0 = performance.now();
  let r: Result;
  try {
    r = d.decode(input);
  } catch (e) {
    return { outcome: 'crash', note: String(e).slice(0, 200) };
  }
  const ms = performance.now() - t0;
  if (polluted()) return { outcome: 'acceptedInvalid', note: 'Object.prototype was polluted' };
  if (ms > HANG_MS) return { outcome: 'hang', note: `${Math.round(ms)} ms` };
  if (r._tag === 'Left') {
    const message = (r.left as { message?: unknown }).message ?? r.left;
    if (typeof message !== 'string') return { outcome: 'crash', note: 'a Left without a message' };
    return message.length > MAX_MESSAGE ? { outcome: 'longMessage', note: `${message.length} characters: ${message.slice(0, 100)}` } : { outcome: 'left' };
  }
  const why = d.invalid(r.right);
  return why === undefined ? { outcome: 'accepted' } : { outcome: 'acceptedInvalid', note: why };
};

/**
 * Runs `runs` hostile inputs through every decoder and counts the outcomes.
 *
 * @example
 * fuzzDecoders(10_000, 1).forEach((r) => console.log(r.decoder, r.counts))
 */
export const fuzzDecoders = (runs: number, seed: number, only?: string): FuzzReport[] =>
  decoders()
    .filter((d) => only === undefined || d.name === only)
    .map((d) => {
      const counts: Record<Outcome, number> = { left: 0, accepted: 0, crash: 0, hang: 0, acceptedInvalid: 0, longMessage: 0 };
      const failures: string[] = [];
      // A property that always holds: fast-check generates the inputs one at a time, from the seed.
      fc.assert(
        fc.property(hostileInputs(d.seeds, d.reseal), (input) => {
          const { outcome, note } = classify(d, input);
          counts[outcome]++;
          if (note !== undefined && failures.length < 5) failures.push(`${outcome}: ${note} for ${preview(input, 300)}`);
        }),
        { numRuns: runs, seed },
      );
      // The seeds themselves must be accepted: a fuzz of a decoder that refuses everything proves nothing.
      for (const s of d.seeds) if (classify(d, s).outcome !== 'accepted') failures.push(`a valid seed was not accepted: ${JSON.stringify(s).slice(0, 200)}`);
      return { decoder: d.name, counts, failures };
    });
