// Public API of @chainrule/optim: pure optimizers, learning-rate schedules and gradient transformations.

export {
  applyUpdates, chain, identity, scalar,
  type GradientTransformation, type Update, type EmptyState, type Schedule, type ScalarOrSchedule,
} from './transform.js';
export {
  constantSchedule, linearSchedule, piecewiseConstantSchedule, stepDecay, exponentialDecay, cosineDecay,
  warmupCosineDecay, joinSchedules, scheduleValue,
  type LinearScheduleOptions, type PiecewiseConstantOptions, type StepDecayOptions, type ExponentialDecayOptions,
  type CosineDecayOptions, type WarmupCosineDecayOptions,
} from './schedules.js';
export { scaleByLearningRate, currentLearningRate, setLearningRate, isLearningRateState, type LearningRateState } from './learning-rate.js';
export {
  scale, addDecayedWeights, clipByValue, clipByGlobalNorm, globalNorm, sgdMomentum, scaleByAdam, scaleByRmsprop,
  type SgdMomentumOptions, type SgdMomentumState, type ScaleByAdamOptions, type AdamState, type ScaleByRmspropOptions, type RmspropState,
} from './gradient-transforms.js';
export { sgd, adam, adamw, rmsprop, type SgdOptions, type AdamOptions, type RmspropOptions, type OptimizerState } from './optimizers.js';
export { optimizerFromConfig, scheduleFromConfig, type OptimizerConfig, type ScheduleConfig } from './config.js';
