// Mutation testing of the gradient kit: generic mutations of every standard op's rules, one at
// a time; each must be caught ("killed") by the conformance kit on the op's declared cases.
// Usage: pnpm mutate [--ops core.add,ops.relu] [--runs 6]. Prints every survivor and the score.
import { parseArgs } from 'node:util';
import { defineOp, neg, mul, shapesEqual } from '@chainrule/core';
import { standardRegistry } from '@chainrule/ops';
import { checkOpPlugin } from '@chainrule/gradcheck';

const { values } = parseArgs({ options: { ops: { type: 'string' }, runs: { type: 'string' } } });
const runs = Number(values.runs ?? 6);
const only = values.ops === undefined ? undefined : new Set(values.ops.split(','));

/** A copy of an op with some rules replaced. */
const variant = (op, patch) => {
  const { kind, ...rest } = Object.fromEntries(Object.entries(op));
  return defineOp({ ...rest, kind, name: op.name, attrs: op.attrs, arity: op.arity, infer: op.infer, forward: op.forward, vjp: op.vjp, ...patch });
};
/** A rule that changes one cotangent: the first (or last) that is not null, so an index input's null never hides the mutation. */
const onOne = (pick, f) => (op) => (args) => {
  const cts = op.vjp(args);
  const live = cts.flatMap((g, k) => (g === null ? [] : [k]));
  const k = pick === 'first' ? live[0] : live[live.length - 1];
  return cts.map((g, j) => (j === k ? f(g) : g));
};

// Each mutation: a name, and either undefined (not applicable to this op) or the mutant's rules.
const mutations = [
  ['negate a cotangent', (op) => ({ vjp: onOne('first', neg)(op) })],
  ['scale a cotangent by 2', (op) => ({ vjp: onOne('last', (g) => mul(g, 2))(op) })],
  // Swapping needs two cotangents of one shape: broadcasting binaries on their same-shape cases
  // (add's two cotangents are equal, so swapping them changes nothing: it is left out).
  ['swap the two cotangents', (op) => (op.kind === 'broadcast' && op.arity === 2 && op.name !== 'core.add' ? { vjp: (args) => { const [a, b] = op.vjp(args); return a !== null && b !== null && shapesEqual(a.shape, b.shape) ? [b, a] : [a, b]; } } : undefined)],
  ['drop an unbroadcast', (op) => (op.kind === 'broadcast' ? { vjp: (args) => op.vjp(args).map((g) => (g === null ? null : args.cotangent)) } : undefined)],
  // Only elementwise rules read their input's values; movement and pooling rules read shapes only.
  // The rule reads x where it meant y and y where it meant x (rules may be written with either).
  ['mix up the input and the output', (op) => (op.arity === 1 && op.kind === 'elementwise' ? {
    vjp: (args) => (shapesEqual(args.output.shape, args.inputs[0].shape) && args.output.dtype === args.inputs[0].dtype ? op.vjp({ ...args, inputs: [args.output], output: args.inputs[0] }) : op.vjp(args)),
  } : undefined)],
  ['negate the tangent', (op) => (op.jvp === undefined ? undefined : { jvp: (args) => { const t = op.jvp(args); return t === null ? null : neg(t); } })],
];

// Mutants that compute the same gradients as the op (no check can kill them), with why.
const EQUIVALENT = new Map([
  ['core.neg: mix up the input and the output', 'its derivative −1 reads neither'],
  ['core.cast: mix up the input and the output', 'with equal dtypes the rule casts to the same dtype'],
  ['ops.relu: mix up the input and the output', '[relu(x) > 0] = [x > 0]'],
  ['ops.leakyRelu: mix up the input and the output', 'leakyRelu keeps the sign: [y > 0] = [x > 0]'],
]);

let killed = 0, total = 0, equivalent = 0;
const survivors = [];
for (const op of standardRegistry().list()) {
  if (op.arity === 0 || op.differentiable === false || (only !== undefined && !only.has(op.name))) continue;
  // The control: the copy without a mutation must pass, or a kill would prove nothing.
  const control = checkOpPlugin(variant(op, {}), { numRuns: runs, order: op.smooth === false ? 1 : 2 });
  if (control._tag === 'Left') {
    console.log(`control failed (the unmutated copy does not pass): ${op.name}: ${control.left.message.split('\n')[0]}`);
    process.exitCode = 1;
    continue;
  }
  for (const [name, make] of mutations) {
    const patch = make(op);
    if (patch === undefined) continue;
    total++;
    let caught;
    try {
      caught = checkOpPlugin(variant(op, patch), { numRuns: runs, order: op.smooth === false ? 1 : 2 })._tag === 'Left';
    } catch {
      caught = true; // the mutant broke the kit's own call: caught
    }
    const id = `${op.name}: ${name}`;
    if (caught) killed++;
    else if (EQUIVALENT.has(id)) equivalent++;
    else survivors.push(id);
  }
}
for (const s of survivors) console.log(`survived: ${s}`);
for (const [id, why] of EQUIVALENT) if (only === undefined || only.has(id.split(':')[0])) console.log(`equivalent (cannot be killed): ${id} — ${why}`);
const killable = total - equivalent;
console.log(`mutation score: ${killed} of ${killable} killable mutants killed (${((100 * killed) / Math.max(killable, 1)).toFixed(1)} %); ${equivalent} equivalent`);
if (survivors.length > 0) process.exitCode = 1;
