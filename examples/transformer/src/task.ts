// The sequence task: reverse a string of digits. Examples are drawn from a seed, so every run sees the same data.

import { foldIn, tensor, uniformArray, type PRNGKey, type Tensor } from 'chainrule';

/** Tokens 0–9 are digits; token 10 is '=', the separator between a string and its reverse. */
export const separator = 10;

/** Size of the vocabulary: ten digits and the separator. */
export const vocabSize = 11;

/**
 * A batch of the reversal task for strings of `length` digits. Each example is the sequence
 * `d₁ … d_L = d_L … d₁`; the model reads its first 2L tokens (everything but the last) and
 * at position t predicts token t + 1, so `labels` is the sequence shifted by one and `mask`
 * is 1 at the L positions whose next token is part of the reversed string, 0 elsewhere
 * (the digits of the question are random, nothing to learn).
 *
 * @example
 * const { inputs, labels, mask } = reversalBatch(key(0), 32, 4) // inputs, labels: [32, 8]; mask: [8]
 */
export const reversalBatch = (k: PRNGKey, batch: number, length: number): { inputs: Tensor; labels: Tensor; mask: Tensor; digits: number[][] } => {
  const u = uniformArray(k, batch * length);
  const digits = Array.from({ length: batch }, (_, b) => Array.from({ length }, (_, i) => Math.floor(u[b * length + i] * 10)));
  const sequences = digits.map((d) => [...d, separator, ...[...d].reverse()]);
  const inputs = tensor(sequences.map((s) => s.slice(0, 2 * length)));
  const labels = tensor(sequences.map((s) => s.slice(1)));
  const mask = tensor(Array.from({ length: 2 * length }, (_, t) => (t >= length ? 1 : 0)));
  return { inputs, labels, mask, digits };
};

/**
 * The key of batch `step` of a run seeded by `k`: each step draws fresh strings.
 *
 * @example
 * reversalBatch(stepKey(key(0), 17), 32, 4)
 */
export const stepKey = (k: PRNGKey, step: number): PRNGKey => foldIn(k, step);
