// Public API of @chainrule/cli: the command runner and the pieces the commands are built from.

export { run } from './cli.js';
export { processIo, type Io, type OutStream } from './io.js';
export { decodeFlags, flagName, intFlag, numberFlag, sizesFlag, choiceFlag, type NumberBounds } from './flags.js';
export { PRESETS, CNN_PRESET, DATASETS, OPTIMIZERS, SCHEDULES, ACTIVATIONS, MODELS, loadSplit, datasetShape, buildNetwork, makeOptimizer, type Preset, type DataConfig, type OptimizerConfig, type DatasetName, type OptimizerName, type ScheduleName, type Split } from './setup.js';
export { runConfigCodec, decodeRunConfig, type RunConfig } from './run-config.js';
export { plainReporter, jsonReporter, progressReporter, epochLine, summaryLine, percent, type Reporter, type TrainSummary } from './report.js';
export { EXIT, trainCommand, planTraining, resumePlan, trainFlagsCodec, type TrainFlags, type TrainPlan } from './commands/train.js';
export { evalCommand, evalFlagsCodec, type EvalFlags } from './commands/evaluate.js';
export { predictCommand, predictFlagsCodec, parseExamples, type PredictFlags } from './commands/predict.js';
export { inspectCommand, inspectFlagsCodec, graphText, type InspectFlags } from './commands/inspect.js';
export { benchCommand, benchEntry } from './commands/bench.js';
export { openCheckpoint, type OpenedCheckpoint } from './checkpoint-file.js';
export { estimateMemory, memoryProblem, availableMemory, bytesText, type MemoryEstimate, type MemoryPart } from './memory.js';
export { openModelFile, openOnnx, isOnnxPath, RUN_METADATA_KEY, type OpenedModel } from './model-file.js';
export { exportCommand, exportFlagsCodec, type ExportFlags } from './commands/export.js';
