// Public API of @chainrule/onnx: export chainrule graphs and nn models to ONNX, import ONNX models as chainrule functions.

export { exportGraph, exportModel, OPSET, type ExportOptions, type ExportModelOptions, type ExportError } from './export.js';
export { exportRules } from './export-rules.js';
export { attr, onnxType, type Emitter, type ExportRule } from './emitter.js';
export { MAX_ELEMENTS } from './tensor-proto.js';
export { encodeModelProto, decodeModelProto, type ModelMsg } from './proto.js';
export { importOnnx, type ImportOptions, type OnnxModel, type OnnxInput, type ImportError } from './import.js';
export { importRules, type ImportRule, type In, type Static, type AttrMap, type AttrKind, type AttrValue } from './import-rules.js';
