// arb.graph: random op DAGs with fan-out drawn from a registry, each op applied only inside its domain.

import fc from 'fast-check';
import { isLeft } from 'fp-ts/lib/Either.js';
import { ChainruleError, tensor, sizeOf, type Op, type Registry, type Tensor } from '@chainrule/core';
import { needInt, value, valueRange, type ValueRange } from './arb.js';
import { describeTensor } from './flat.js';
import { expandTo } from '@chainrule/core/kernels';

/** Options of `arb.graph`. */
export interface GraphOptions {
  /** Largest number of op nodes (default 12). */
  readonly maxNodes?: number;
  /** Largest number of inputs (default 3). */
  readonly maxInputs?: number;
  /** Largest rank of the inputs' common shape (default 2). */
  readonly maxRank?: number;
  /** Largest dimension of the inputs' common shape (default 3). */
  readonly maxDim?: number;
  /** Keep only ops for which this returns true. */
  readonly filter?: (op: Op<any>) => boolean;
  /** Attrs to call an op with, by name (default `{}`; ops whose attrs do not decode are left out). */
  readonly attrs?: Readonly<Record<string, unknown>>;
  /** Input values are drawn from [−range, range] (default 2). */
  readonly range?: number;
  /** How far every op input stays from its avoided points (default 0.1). */
  readonly margin?: number;
  /** Largest magnitude any node may reach, to keep finite differences accurate (default 1000). */
  readonly maxAbs?: number;
  /** Largest number of elements any node may have (default 64). */
  readonly maxSize?: number;
}

/** One op node of a random graph: its op, its input value ids and the attrs it is called with. */
export interface GraphStep {
  readonly op: Op<any>;
  readonly inputs: readonly number[];
  readonly attrs: unknown;
}

/**
 * A random graph ready to run: `f` maps the input tensors to the sink values (nodes no
 * other node reads); `inputs` are concrete float64 tensors at which every op is in its domain.
 * Value ids count inputs first, then nodes.
 */
export interface RandomGraph {
  readonly f: (...xs: Tensor[]) => Tensor[];
  readonly inputs: readonly Tensor[];
  readonly steps: readonly GraphStep[];
  readonly outputs: readonly number[];
  /** How many times each value is read: a value read twice or more is fan-out. */
  readonly uses: readonly number[];
  readonly description: string;
}

interface Candidate {
  readonly op: Op<any>;
  readonly arity: number;
  readonly attrs: unknown;
  readonly raw: unknown;
}

const candidates = (registry: Registry, o: GraphOptions): Candidate[] => {
  const out: Candidate[] = [];
  const ops = [...registry.list()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const op of ops) {
    if (op.name === 'core.input' || op.name === 'core.constant' || op.differentiable === false) continue;
    if (o.filter !== undefined && !o.filter(op)) continue;
    const arity = op.arity === 'variadic' ? 2 : op.arity;
    if (arity < 1 || arity > 3) continue;
    const raw = o.attrs?.[op.name] ?? {};
    const attrs = op.attrs.decode(raw);
    if (isLeft(attrs)) continue;
    out.push({ op, arity, attrs: attrs.right, raw });
  }
  return out;
};

const inRange = (x: Tensor, r: ValueRange): boolean => {
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (!(v >= r.min && v <= r.max)) return false;
    for (const a of r.avoid) if (Math.abs(v - a) < r.margin) return false;
  }
  return true;
};

const allFinite = (x: Tensor, maxAbs: number): boolean => {
  const d = x.data;
  for (let i = 0; i < d.length; i++) if (!(Math.abs(d[i]) <= maxAbs)) return false;
  return true;
};

/**
 * Whether two inputs of a kinked binary op come within `margin` of each other anywhere
 * (after broadcasting): maximum and minimum have their kink on ties, which per-input domains
 * cannot describe.
 */
const tiesOf = (c: Candidate, ins: readonly Tensor[], margin: number): boolean => {
  const out = c.op.infer(ins, c.attrs);
  if (isLeft(out)) return false;
  const a = expandTo(ins[0], out.right.shape), b = expandTo(ins[1], out.right.shape);
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) < margin) return true;
  return false;
};

/** Applies a candidate to chosen values, or undefined when it does not fit (shapes, domains, magnitudes). */
const tryApply = (c: Candidate, ins: readonly Tensor[], o: Required<Pick<GraphOptions, 'margin' | 'maxAbs' | 'maxSize'>>): Tensor | undefined => {
  if (isLeft(c.op.infer(ins, c.attrs))) return undefined;
  for (let k = 0; k < ins.length; k++) {
    const d = c.op.domains?.[k];
    if (d !== undefined && !inRange(ins[k], { min: d.min ?? -Infinity, max: d.max ?? Infinity, avoid: d.avoid ?? [], margin: o.margin })) return undefined;
  }
  if (c.op.smooth === false && ins.length === 2 && tiesOf(c, ins, o.margin)) return undefined;
  try {
    const y = c.op(...ins, c.raw as object);
    return y.size <= o.maxSize && allFinite(y, o.maxAbs) ? y : undefined;
  } catch {
    return undefined;
  }
};

const describe = (inputs: readonly Tensor[], steps: readonly GraphStep[], outputs: readonly number[]): string => {
  const n = inputs.length;
  const name = (id: number): string => (id < n ? `x${id}` : `n${id}`);
  const lines = inputs.map((x, i) => `x${i} = ${describeTensor(x)}`);
  steps.forEach((s, k) => {
    const attrs = JSON.stringify(s.attrs);
    lines.push(`n${n + k} = ${s.op.name}(${s.inputs.map(name).join(', ')}${attrs === '{}' ? '' : `, ${attrs}`})`);
  });
  lines.push(`outputs: ${outputs.map(name).join(', ')}`);
  return lines.join('\n');
};

/**
 * Random DAGs of up to `maxNodes` ops drawn from the differentiable ops of a registry, with
 * fan-out (a value may feed several nodes) and broadcasting inputs. An op is applied only
 * where it fits: its shapes infer, every input lies inside the op's declared `domains`
 * (away from avoided points by `margin`), and the result is finite and moderate. So `log`
 * only ever sees positive values, e.g. after `exp` or `sigmoid`. Shrinks to fewer nodes,
 * fewer inputs and simpler values.
 *
 * @example
 * fc.assert(fc.property(arb.graph(standardRegistry()), (g) => isRight(checkGrads(g.f, g.inputs))))
 */
export const graph = (registry: Registry, options: GraphOptions = {}): fc.Arbitrary<RandomGraph> => {
  const maxNodes = options.maxNodes ?? 12, maxInputs = options.maxInputs ?? 3;
  const maxRank = options.maxRank ?? 2, maxDim = options.maxDim ?? 3;
  needInt('arb.graph.maxNodes', maxNodes, 1);
  needInt('arb.graph.maxInputs', maxInputs, 1);
  needInt('arb.graph.maxRank', maxRank, 0);
  needInt('arb.graph.maxDim', maxDim, 1);
  const range = options.range ?? 2;
  const limits = { margin: options.margin ?? 0.1, maxAbs: options.maxAbs ?? 1000, maxSize: options.maxSize ?? 64 };
  const cands = candidates(registry, options);
  if (cands.length === 0) throw new ChainruleError('BadArgument', 'arb.graph: the registry has no differentiable op whose attrs decode');
  const pool = maxInputs * maxDim ** maxRank;
  // Mostly the full common shape; sometimes leading axes dropped or axes set to 1 (broadcasting).
  const rarely = <T>(usual: T, rare: fc.Arbitrary<T>): fc.Arbitrary<T> => fc.oneof({ arbitrary: fc.constant(usual), weight: 3 }, { arbitrary: rare, weight: 1 });
  const operand = fc.tuple(rarely(0, fc.nat({ max: maxRank })), fc.array(rarely(false, fc.boolean()), { minLength: maxRank, maxLength: maxRank }));
  // Unbiased choices spread over all ops and earlier values; shrinking still heads to 0.
  const choice = fc.noBias(fc.nat({ max: 1 << 20 }));
  const step = fc.record({ op: choice, a: choice, b: choice, c: choice });
  return fc
    .record({
      rank: fc.noBias(fc.integer({ min: 0, max: maxRank })),
      dims: fc.array(fc.noBias(fc.integer({ min: 1, max: maxDim })), { minLength: maxRank, maxLength: maxRank }),
      inputCount: fc.noBias(fc.integer({ min: 1, max: maxInputs })),
      operands: fc.array(operand, { minLength: maxInputs, maxLength: maxInputs }),
      values: fc.array(value(valueRange({ min: -range, max: range })), { minLength: pool, maxLength: pool }),
      count: fc.noBias(fc.integer({ min: 1, max: maxNodes })),
      steps: fc.array(step, { minLength: maxNodes, maxLength: maxNodes }),
    })
    .map(({ rank, dims, inputCount, operands: allOperands, values, count, steps: allChoices }) => {
      const operands = allOperands.slice(0, inputCount);
      const choices = allChoices.slice(0, count);
      const common = dims.slice(0, rank);
      let used = 0;
      const inputs = operands.map(([drop, ones]) => {
        const d = Math.min(drop, common.length);
        const s = common.slice(d).map((n, i) => (ones[i + d] ? 1 : n));
        const size = sizeOf(s);
        const vals = values.slice(used, used + size);
        used += size;
        return tensor(vals, { shape: s, dtype: 'float64' });
      });
      const vals: Tensor[] = [...inputs];
      const steps: GraphStep[] = [];
      for (const ch of choices) {
        for (let t = 0; t < cands.length; t++) {
          const c = cands[(ch.op + t) % cands.length];
          // Counting back from the newest value makes shrunk choices (0) build chains.
          const ids = [ch.a, ch.b, ch.c].slice(0, c.arity).map((k) => vals.length - 1 - (k % vals.length));
          const y = tryApply(c, ids.map((i) => vals[i]), limits);
          if (y === undefined) continue;
          vals.push(y);
          steps.push({ op: c.op, inputs: ids, attrs: c.raw });
          break;
        }
      }
      const n = inputs.length;
      const uses = new Array<number>(vals.length).fill(0);
      for (const s of steps) for (const i of s.inputs) uses[i]++;
      const sinks = steps.map((_, k) => n + k).filter((id) => uses[id] === 0);
      const outputs = sinks.length > 0 ? sinks : [0];
      const f = (...xs: Tensor[]): Tensor[] => {
        const v: Tensor[] = [...xs];
        for (const s of steps) v.push(s.op(...s.inputs.map((i) => v[i]), s.attrs as object));
        return outputs.map((i) => v[i]);
      };
      const description = describe(inputs, steps, outputs);
      return { f, inputs, steps, outputs, uses, description, toString: () => description, [fc.toStringMethod]: () => description };
    });
};
