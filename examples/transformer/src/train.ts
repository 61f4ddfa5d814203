// Trains a small causal transformer on digit-string reversal: a jitted loss-and-gradient step, Adam, loss and accuracy per epoch, greedy samples.

import {
  adam, applyUpdates, argmax, dense, div, embedding, jit, key, layerNorm, mul, positionalEmbedding, sequential, softmaxCrossEntropy, sum, tensor,
  timeDistributed, transformerBlock, valueAndGrad, type Model, type Params, type Tensor,
} from 'chainrule';
import { reversalBatch, separator, stepKey, vocabSize } from './task.js';

/** Options of {@link trainReversal}; every field has a default that trains in seconds. */
export interface ReversalOptions {
  readonly seed?: number;
  /** Digits per string (default 4). */
  readonly length?: number;
  /** Width of the model (default 32). */
  readonly dim?: number;
  readonly heads?: number;
  readonly blocks?: number;
  readonly epochs?: number;
  readonly stepsPerEpoch?: number;
  readonly batch?: number;
  readonly learningRate?: number;
  /** Called after each epoch, e.g. to print it. */
  readonly onEpoch?: (epoch: EpochReport) => void;
}

/** What one epoch reports: the mean training loss and the accuracy on a fixed held-out batch. */
export interface EpochReport {
  readonly epoch: number;
  /** Mean masked cross-entropy of the epoch's steps (nats per answer digit). */
  readonly loss: number;
  /** Fraction of answer digits right on the held-out batch, each predicted from the true prefix. */
  readonly accuracy: number;
  /** Fraction of held-out strings reversed exactly by greedy decoding. */
  readonly exact: number;
}

/** A held-out string, the model's greedy answer and whether it is right. */
export interface Sample {
  readonly input: string;
  readonly output: string;
  readonly correct: boolean;
}

/** The result of {@link trainReversal}. */
export interface ReversalRun {
  readonly model: Model;
  readonly params: Params;
  readonly history: readonly EpochReport[];
  readonly samples: readonly Sample[];
}

/**
 * The model: token embedding + learned positions → causal transformer blocks → layer norm →
 * per-position logits over the vocabulary.
 *
 * @example
 * reversalModel({ length: 4, dim: 32, heads: 2, blocks: 2 }).outputShape // [8, 11]
 */
export const reversalModel = (o: { readonly length: number; readonly dim: number; readonly heads: number; readonly blocks: number }): Model =>
  sequential({
    inputShape: [2 * o.length],
    layers: [
      embedding(vocabSize, o.dim),
      positionalEmbedding(),
      ...Array.from({ length: o.blocks }, () => transformerBlock({ heads: o.heads, mlpDim: 4 * o.dim, causal: true })),
      layerNorm(),
      timeDistributed(dense(vocabSize)),
    ],
  });

/** Masked mean cross-entropy: the answer positions only. */
const maskedLoss = (model: Model) => (params: Params, inputs: Tensor, labels: Tensor, mask: Tensor): Tensor => {
  const perToken = softmaxCrossEntropy(model.apply(params, inputs), labels); // [batch, 2L]
  return div(sum(mul(perToken, mask)), mul(sum(mask), inputs.shape[0]));
};

/**
 * Greedy decoding: feeds `d₁ … d_L =` and appends the most likely next token L times. The
 * causal mask means the positions not yet written (zeros) cannot change what comes before.
 *
 * @example
 * greedyReverse(model, params, [[1, 2, 3, 4]]) // [[4, 3, 2, 1]] once trained
 */
export const greedyReverse = (model: Model, params: Params, digits: readonly (readonly number[])[]): number[][] => {
  const length = digits[0].length;
  const seqs = digits.map((d) => [...d, separator, ...new Array<number>(length - 1).fill(0)]);
  const out = digits.map(() => [] as number[]);
  for (let t = 0; t < length; t++) {
    const logits = model.apply(params, tensor(seqs)); // [n, 2L, vocab]
    const next = argmax(logits, { axis: -1 }).data; // [n, 2L]
    seqs.forEach((s, i) => {
      const token = next[i * 2 * length + length + t];
      out[i].push(token);
      if (t + 1 < length) s[length + 1 + t] = token;
    });
  }
  return out;
};

/**
 * Trains the reversal transformer and reports each epoch. Deterministic for a seed: the
 * params, the batches and the held-out set all come from it.
 *
 * @example
 * const run = trainReversal({ epochs: 3, onEpoch: (e) => console.log(e) })
 * run.samples[0] // { input: '3141', output: '1413', correct: true }
 */
export const trainReversal = (options: ReversalOptions = {}): ReversalRun => {
  const { seed = 0, length = 4, dim = 32, heads = 2, blocks = 1, epochs = 4, stepsPerEpoch = 50, batch = 32, learningRate = 3e-3 } = options;
  const model = reversalModel({ length, dim, heads, blocks });
  const root = key(seed);
  let params = model.init(stepKey(root, 0));
  const opt = adam({ learningRate });
  let optState = opt.init(params);
  const step = jit(valueAndGrad(maskedLoss(model)));
  const heldOut = reversalBatch(stepKey(root, 1), 64, length);
  const history: EpochReport[] = [];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let total = 0;
    for (let s = 0; s < stepsPerEpoch; s++) {
      const b = reversalBatch(stepKey(root, 2 + (epoch - 1) * stepsPerEpoch + s), batch, length);
      const [loss, grads] = step(params, b.inputs, b.labels, b.mask);
      total += (loss as Tensor).item();
      const { updates, state } = opt.update(grads, optState, params);
      params = applyUpdates(params, updates);
      optState = state;
    }
    const report = { epoch, loss: total / stepsPerEpoch, accuracy: answerAccuracy(model, params, heldOut), exact: exactMatch(model, params, heldOut.digits) };
    history.push(report);
    options.onEpoch?.(report);
  }
  const shown = heldOut.digits.slice(0, 4);
  const samples = greedyReverse(model, params, shown).map((o, i) => ({
    input: shown[i].join(''),
    output: o.join(''),
    correct: o.join('') === [...shown[i]].reverse().join(''),
  }));
  return { model, params, history, samples };
};

/** Fraction of answer tokens whose argmax is the label, predicted from the true prefix. */
const answerAccuracy = (model: Model, params: Params, b: ReturnType<typeof reversalBatch>): number => {
  const pred = argmax(model.apply(params, b.inputs), { axis: -1 }).data;
  let right = 0, count = 0;
  for (let i = 0; i < pred.length; i++) {
    if (b.mask.data[i % b.mask.size] === 0) continue;
    count++;
    if (pred[i] === b.labels.data[i]) right++;
  }
  return right / count;
};

const exactMatch = (model: Model, params: Params, digits: readonly (readonly number[])[]): number => {
  const outs = greedyReverse(model, params, digits);
  return outs.filter((o, i) => o.every((d, j) => d === digits[i][digits[i].length - 1 - j])).length / digits.length;
};
