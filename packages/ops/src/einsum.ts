// einsum: Einstein summation over up to three operands, lowered to transpose, reshape, matmul and sum (so it differentiates, batches and compiles like them).

import { ChainruleError, matmul, reshape, sum, type Tensor } from '@chainrule/core';
import { transpose } from './shape.js';

interface Term {
  readonly x: Tensor;
  readonly letters: string;
}

const fail = (subscripts: string, message: string, shapes: readonly (readonly number[])[]): never => {
  throw new ChainruleError('BadAttrs', `einsum '${subscripts}': ${message}`, { op: 'ops.einsum', shapes });
};

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Sums out the letters of t that are not in `keep`. */
const sumOut = (t: Term, keep: ReadonlySet<string>): Term => {
  const axes = [...t.letters].flatMap((c, i) => (keep.has(c) ? [] : [i]));
  if (axes.length === 0) return t;
  return { x: sum(t.x, { axis: axes }), letters: [...t.letters].filter((c) => keep.has(c)).join('') };
};

/** Puts t's axes in the order of `letters` (a permutation of its own). */
const arrange = (t: Term, letters: string): Tensor => {
  if (t.letters === letters) return t.x;
  return transpose(t.x, { perm: [...letters].map((c) => t.letters.indexOf(c)) });
};

/** One contraction of two terms into the letters in `keep`: a batched matmul. */
const contract = (a: Term, b: Term, keep: ReadonlySet<string>, size: ReadonlyMap<string, number>): Term => {
  const inB = new Set(b.letters), inA = new Set(a.letters);
  const batch = [...a.letters].filter((c) => inB.has(c) && keep.has(c)).join('');
  const summed = [...a.letters].filter((c) => inB.has(c) && !keep.has(c)).join('');
  const freeA = [...a.letters].filter((c) => !inB.has(c)).join('');
  const freeB = [...b.letters].filter((c) => !inA.has(c)).join('');
  const dims = (s: string) => [...s].map((c) => size.get(c)!);
  const left = reshape(arrange(a, batch + freeA + summed), { shape: [product(dims(batch)), product(dims(freeA)), product(dims(summed))] });
  const right = reshape(arrange(b, batch + summed + freeB), { shape: [product(dims(batch)), product(dims(summed)), product(dims(freeB))] });
  const out = matmul(left, right);
  return { x: reshape(out, { shape: [...dims(batch), ...dims(freeA), ...dims(freeB)] }), letters: batch + freeA + freeB };
};

/**
 * Einstein summation, as NumPy's and JAX's einsum: `subscripts` names each operand's axes
 * with letters (`'ij,jk->ik'`); letters shared between operands are multiplied along, and
 * letters missing from the output are summed. Without `->` the output is the letters that
 * appear once, in alphabetical order. One to three operands; a letter may not repeat within
 * one operand (no diagonals). Lowered to transpose, reshape, matmul and sum, so gradients of
 * any order, `jit` and the backends' matmul kernels all apply.
 *
 * @example
 * einsum('ij,jk->ik', a, b)        // matmul(a, b)
 * einsum('bij,bjk->bik', a, b)     // batched matmul
 * einsum('i,i->', u, v)            // dot product
 * einsum('ij->ji', a)              // transpose
 * einsum('ij,jk,kl->il', a, b, c)  // a chain, contracted left to right
 */
export const einsum = (subscripts: string, ...operands: Tensor[]): Tensor => {
  const shapes = operands.map((x) => x.shape);
  if (typeof subscripts !== 'string') return fail(String(subscripts), 'subscripts must be a string', shapes);
  const spec = subscripts.replace(/\s+/g, '');
  const [lhs, rhs, ...extra] = spec.split('->');
  if (extra.length > 0) fail(subscripts, "more than one '->'", shapes);
  const inputs = lhs.split(',');
  if (operands.length < 1 || operands.length > 3) fail(subscripts, `takes one to three operands, got ${operands.length}`, shapes);
  if (inputs.length !== operands.length) fail(subscripts, `names ${inputs.length} operands but ${operands.length} were given`, shapes);
  const size = new Map<string, number>();
  const count = new Map<string, number>();
  inputs.forEach((letters, k) => {
    if (!/^[a-zA-Z]*$/.test(letters)) fail(subscripts, `operand ${k} ('${letters}') may use only the letters a–z and A–Z`, shapes);
    if (letters.length !== operands[k].shape.length) fail(subscripts, `operand ${k} has rank ${operands[k].shape.length} but '${letters}' names ${letters.length} axes`, shapes);
    if (new Set(letters).size !== letters.length) fail(subscripts, `operand ${k} ('${letters}') repeats a letter; diagonals are not supported`, shapes);
    [...letters].forEach((c, d) => {
      const n = operands[k].shape[d];
      const known = size.get(c);
      if (known !== undefined && known !== n) fail(subscripts, `'${c}' is ${known} in one operand and ${n} in operand ${k}`, shapes);
      size.set(c, n);
      count.set(c, (count.get(c) ?? 0) + 1);
    });
  });
  const output = rhs ?? [...count].filter(([, n]) => n === 1).map(([c]) => c).sort().join('');
  if (!/^[a-zA-Z]*$/.test(output)) fail(subscripts, `the output ('${output}') may use only the letters a–z and A–Z`, shapes);
  if (new Set(output).size !== output.length) fail(subscripts, `the output ('${output}') repeats a letter`, shapes);
  for (const c of output) if (!size.has(c)) fail(subscripts, `the output's '${c}' is in no operand`, shapes);

  const terms: Term[] = operands.map((x, k) => ({ x, letters: inputs[k] }));
  // Letters later operands or the output still need, after operand k.
  const neededAfter = (k: number): Set<string> => new Set([...output, ...inputs.slice(k + 1).join('')]);
  let acc = sumOut(terms[0], new Set([...output, ...inputs.slice(1).join('')]));
  for (let k = 1; k < terms.length; k++) {
    const keep = neededAfter(k);
    const b = sumOut(terms[k], new Set([...keep, ...acc.letters]));
    const a = sumOut(acc, new Set([...keep, ...b.letters]));
    acc = contract(a, b, keep, size);
  }
  acc = sumOut(acc, new Set(output));
  return arrange(acc, output);
};
