// Public API of @chainrule/bench: the benchmark cases, the runner and the report format.

export { median, timeInterleaved, type Contender, type Timing, type TimingOptions } from './stats.js';
export { MLP, CHAIN, CNN, MATMUL_SIZES, mlpData, squareMatrix, chainData, cnnData, type MlpData } from './problems.js';
export { chainruleMatmul, chainruleMlp, chainruleChain, chainruleCnn, type MlpParams, type MlpStepper, type ChainMode, type CnnStepper } from './chainrule.js';
export { useTfBackend, tfMatmul, tfMlp, tfChain, tfVersion, type TfBackend, type Disposable } from './tfjs.js';
export { jaxMatmul, jaxMlp, loadJax } from './jaxjs.js';
export { runBenchmarks, CASES, CHAINRULE, TF_PEERS, PEERS, LIBRARIES, COMPARED, type Peer, type Library, type Row, type Stat, type CaseName, type RunOptions } from './run.js';
export { formatTable, formatVerdict, makeReport, type BenchReport } from './report.js';
