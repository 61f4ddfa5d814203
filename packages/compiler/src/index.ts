// Public API of @chainrule/compiler: the passes, fusion, the memory plan and the compiler executor.

export { dce } from './dce.js';
export { cse, attrsKey, identityNumbers } from './cse.js';
export { fold, constantFolding, type FoldOptions } from './fold.js';
export { simplify } from './simplify.js';
export {
  elementwiseFusion, fusionGroups, elementwiseProgram, isFusable, readsInPlace, fused,
  type Arg, type FusedStep, type FusedKernel, type ElementwiseProgram, type FusionOptions,
} from './fuse.js';
export { matmulEpilogues, matmulEpilogue, epilogueKernel, type MatmulEpilogueAttrs } from './epilogue.js';
export { planMemory, valueBytes, type MemoryPlan, type PlanRules, type Storage } from './plan.js';
export { defaultPasses, passesFor, runPasses, type Pass, type PassRun } from './passes.js';
export { compile, compiler, type Compiled, type CompilerOptions } from './executor.js';
export { rewrite, graphBuilder, freeze, useCounts, constantValue, type GraphBuilder } from './rewrite.js';
export { describeGraph } from './describe.js';
export { shareLogSoftmax, crossEntropyFromLogSoftmax } from './softmax.js';
export { schedule } from './schedule.js';
