// Public API of chainrule, the umbrella package: everything of core, backend-wasm, ops, nn, optim, train and gradcheck from one import.
//
// Where two packages export the same name, one keeps it and the other is renamed here:
//   split     core's PRNG key split           (ops' tensor split: splitTensor)
//   evaluate  core's evaluate(graph, feeds)   (train's evaluate(params, model, data): evaluateModel)
//   take      ops' take, an alias of gather  (train's take(dataset, n): takeExamples)
//   flatten   core's pytree flatten           (nn's flatten layer: layers.flatten)
//   conv2d, maxPool2d, avgPool2d, dropout  the ops  (nn's layers of those names: layers.conv2d, …, layers.dropout)
//   TensorOptions  core's tensor() options    (gradcheck's arb.tensor options: ArbTensorOptions)
// Every other export of the seven packages is re-exported under its own name; ops already
// re-exports core's ops (add, mul, matmul, …), which are the same objects.

export * from '@chainrule/core';
export * from '@chainrule/backend-wasm';
export * from '@chainrule/ops';
export * from '@chainrule/nn';
export * from '@chainrule/optim';
export * from '@chainrule/train';
export * from '@chainrule/gradcheck';

export { split, evaluate, flatten, type TensorOptions } from '@chainrule/core';
export { take, conv2d, maxPool2d, avgPool2d, dropout } from '@chainrule/ops';
export { split as splitTensor } from '@chainrule/ops';
export { evaluate as evaluateModel, take as takeExamples } from '@chainrule/train';
export { type TensorOptions as ArbTensorOptions } from '@chainrule/gradcheck';
