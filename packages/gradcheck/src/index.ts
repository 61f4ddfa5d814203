// Public API of @chainrule/gradcheck: finite-difference checks, fast-check arbitraries, the op plugin conformance kit.

export {
  checkGrads, assertGrads,
  type CheckGradsOptions, type GradCheckReport, type GradCheckFailure, type FailureKind, type CheckResult,
  type Comparison, type Where, type Position, type Mode, type Method,
} from './check-grads.js';
export { type ShapeOptions, type BroadcastShapesOptions, type MatmulShapesOptions, type TensorOptions, type ValueRange, valueRange, keepAway, regions, regionsHit } from './arb.js';
export { type GraphOptions, type GraphStep, type RandomGraph } from './arb-graph.js';
export { arb } from './arbitraries.js';
export {
  checkOpPlugin, assertOpPlugin, declaredRuns,
  type CheckOpPluginOptions, type OpCase, type InputSpec, type OpSample, type OpCheckReport, type OpCaseReport, type OpCheckFailure,
} from './conformance.js';
export { checkBackend, type CheckBackendOptions, type BackendCheckReport, type BackendOpReport, type BackendMismatch } from './check-backend.js';
