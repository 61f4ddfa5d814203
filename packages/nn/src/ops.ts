// The ops nn's layers are made of, gathered in one place: core's basics and @chainrule/ops' activations, convolution and pooling.

export { add, matmul, reshape, sigmoid, softmax, logSoftmax } from '@chainrule/core';
export { relu, tanh, leakyRelu, elu, gelu, silu, softplus, conv2d, maxPool2d, avgPool2d } from '@chainrule/ops';
