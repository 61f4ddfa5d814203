// docs/ops.md in code: a tour of the standard op library, every op differentiable.
// Run with `pnpm example ops`.

import {
  tensor, grad, sum, mean, max, relu, tanh, softmax, transpose, reshape, concat, gather, take, splitTensor, pad,
  matmul, conv2d, maxPool2d, softmaxCrossEntropy, where, greater, standardOps, normal, key, type Tensor,
} from 'chainrule';

const x = tensor([[1, -2, 3], [-4, 5, -6]]);
console.log('relu', relu(x));
console.log('sum over axis 1', sum(x, { axis: 1 }), 'mean', mean(x).item(), 'max over axis 0', max(x, { axis: 0 }));
console.log('softmax of each row', softmax(x, { axis: -1 }));
console.log('transpose', transpose(x, { perm: [1, 0] }));
console.log('reshape to [3, 2]', reshape(x, { shape: [3, 2] }));
console.log('concat on axis 0', concat([x, x], { axis: 0 }).shape, 'pad', pad(x, { paddings: [[0, 0], [1, 1]] }).shape);
console.log('gather rows 1, 0', gather(x, tensor([1, 0]), { axis: 0 }), 'take is the same op:', take === gather);
console.log('splitTensor into 3 columns', splitTensor(x, { numOrSizes: 3, axis: 1 }).map((t) => t.shape));
console.log('where x > 0', where(greater(x, 0), x, 0));

// Convolution (NHWC input, HWIO filter) and pooling.
const image = normal(key(0), [1, 6, 6, 1]);
const filter = normal(key(1), [3, 3, 1, 4]);
const features = maxPool2d(conv2d(image, filter, { padding: 'same' }), { windowShape: 2 });
console.log('conv2d + maxPool2d', image.shape, '→', features.shape);

// Every op has a VJP built from ops: gradients of a small classifier's loss.
const logits = (w: Tensor) => matmul(tanh(x), w);
const labels = tensor([2, 0]);
const dw = grad((w: Tensor) => mean(softmaxCrossEntropy(logits(w), labels)))(normal(key(2), [3, 3]));
console.log('gradient of the loss w.r.t. w', dw);
console.log(standardOps.length, 'ops in the standard registry');
