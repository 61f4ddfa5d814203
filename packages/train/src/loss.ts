// Batch losses the trainer knows by name: the mean softmax cross-entropy and the mean squared error.

import { ChainruleError, mul, oneHot, softmaxCrossEntropy, sub, sum, type Tensor } from '@chainrule/core';

/** A loss: logits and labels of one batch to a scalar, built from ops (it is differentiated). */
export type LossFn = (logits: Tensor, labels: Tensor) => Tensor;

/** The name of a built-in loss. */
export type LossName = 'softmaxCrossEntropy' | 'meanSquaredError';

/**
 * Mean softmax cross-entropy over the batch; labels are class indices or one-hot rows.
 *
 * @example
 * meanSoftmaxCrossEntropy(model.apply(params, x), y)
 */
export const meanSoftmaxCrossEntropy: LossFn = (logits, labels) => mul(sum(softmaxCrossEntropy(logits, labels)), 1 / logits.shape[0]);

/**
 * Mean over the batch of the squared error summed over outputs; class-index labels are
 * one-hot encoded first.
 *
 * @example
 * meanSquaredError(tensor([[1, 0]]), tensor([0])) // 0
 */
export const meanSquaredError: LossFn = (logits, labels) => {
  const target = labels.shape.length === logits.shape.length ? labels : oneHot(labels, { depth: logits.shape[logits.shape.length - 1] });
  const d = sub(logits, target);
  return mul(sum(mul(d, d)), 1 / logits.shape[0]);
};

/**
 * The loss function for a name or a function.
 *
 * @example
 * lossFunction('softmaxCrossEntropy')
 */
export const lossFunction = (loss: LossName | LossFn | undefined): LossFn => {
  if (loss === undefined || loss === 'softmaxCrossEntropy') return meanSoftmaxCrossEntropy;
  if (loss === 'meanSquaredError') return meanSquaredError;
  if (typeof loss === 'function') return loss;
  throw new ChainruleError('BadArgument', `loss: expected 'softmaxCrossEntropy', 'meanSquaredError' or a function, got ${JSON.stringify(loss)}`);
};
