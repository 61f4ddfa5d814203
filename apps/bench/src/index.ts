// Public API of @chainrule/bench: the benchmark cases, the runner and the report format.

export { median, timeInterleaved, type Contender, type Timing, type TimingOptions } from './stats.js';
export { MLP, CHAIN, MATMUL_SIZES, mlpData, squareMatrix, chainData, type MlpData } from './problems.js';
export { chainruleMatmul, chainruleMlp, chainruleChain, type MlpParams, type MlpStepper, type ChainMode } from './chainrule.js';
export { useTfBackend, tfMatmul, tfMlp, tfChain, tfVersion, type TfBackend, type Disposable } from './tfjs.js';
export { runBenchmarks, CASES, PEERS, type Peer, type Row, type Stat, type CaseName, type RunOptions } from './run.js';
export { formatTable, formatVerdict, makeReport, type BenchReport } from './report.js';
