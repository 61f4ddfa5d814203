// Public API of @chainrule/train (browser-safe): the RxJS trainer, operators, datasets, metrics, checkpoint codecs.

export { train, type TrainConfig } from './train.js';
export {
  TrainError,
  type TrainEvent, type StepEvent, type EpochEvent, type DoneEvent, type TrainState, type History, type EpochSummary,
  type Control, type TrainErrorCode,
} from './events.js';
export { macrotaskScheduler } from './scheduler.js';
export { ofType } from './operators/of-type.js';
export { smoothLoss, type SmoothedStepEvent, type SmoothedTrainEvent } from './operators/smooth-loss.js';
export { sampleEvery } from './operators/sample-every.js';
export { throttleSteps } from './operators/throttle-steps.js';
export { earlyStopping, type EarlyStoppingOptions, type Monitor } from './operators/early-stopping.js';
export {
  dataset, subset, take, shuffle, trainTestSplit, validationSplit, validationCount, runKeys, epochOrder, batches, batchAt, batchCount, gatherRows,
  type Dataset, type DatasetOptions, type SplitOptions, type ValidationSplitOptions, type Batch, type BatchOptions,
} from './dataset.js';
export { xor, spirals, moons, circles, type SpiralsOptions, type MoonsOptions, type CirclesOptions } from './synthetic.js';
export { mnistFromRaw, mnistSplit, MNIST_PIXELS, type MnistDigitFile, type MnistSplitOptions } from './mnist.js';
export { meanSoftmaxCrossEntropy, meanSquaredError, lossFunction, type LossFn, type LossName } from './loss.js';
export { accuracy, confusionMatrix, predictClasses, trueClasses, evaluate, type Metrics, type ConfusionMatrix, type EvaluateOptions } from './metrics.js';
export {
  CHECKPOINT_FORMAT, CHECKPOINT_VERSION, makeCheckpoint, encodeCheckpoint, serializeCheckpoint, decodeCheckpoint, checkpointError, checkpointChecksum,
  type Checkpoint, type CheckpointJson, type CheckpointConfig, type CheckpointError, type MakeCheckpointOptions,
} from './checkpoint.js';
export { crc32 } from './checksum.js';
export { treeCodec, historyCodec, metricsCodec, numberOrNull, eventToJson, type TreeJson, type EventJsonOptions } from './json.js';
