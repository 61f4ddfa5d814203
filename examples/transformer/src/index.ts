// Public API of the transformer example: the reversal task and its training run.

export { reversalBatch, stepKey, separator, vocabSize } from './task.js';
export { trainReversal, reversalModel, greedyReverse, type ReversalOptions, type ReversalRun, type EpochReport, type Sample } from './train.js';
