// docs/nn.md in code: layers and models as (init, apply) pairs, their JSON specs, the CNN.
// Run with `pnpm example nn`.

import { key, normal, mlp, cnn, sequential, dense, activation, layers, buildModel, countParams, paramNames } from 'chainrule';

const model = mlp({ sizes: [784, 128, 10], activation: 'sigmoid' }); // the seed's network
const params = model.init(key(0));
console.log('mlp 784 → 128 → 10:', countParams(params), 'parameters:', paramNames(params).join(', '));
const logits = model.apply(params, normal(key(1), [32, 784]));
console.log('a batch of 32 examples →', logits.shape);

// A model describes itself as JSON, and rebuilds from it.
const spec = JSON.stringify(model.spec);
const again = buildModel(JSON.parse(spec));
console.log('spec:', spec.length, 'characters; rebuilt:', again._tag);
const bad = buildModel({ ...model.spec, layers: [{ ...model.spec.layers[0], units: -1 }] });
console.log('a bad spec:', bad._tag === 'Left' ? bad.left : 'accepted?');

// Layers compose with sequential; the nn layers of the op names live under `layers`.
const small = sequential({ inputShape: [28, 28, 1], layers: [layers.conv2d(4, 3), activation('relu'), layers.maxPool2d(2), layers.flatten(), dense(10)] });
console.log('sequential:', small.inputShape, '→', small.outputShape, countParams(small.init(key(2))), 'parameters');

// cnn() defaults to 8 and 16 filters; the CLI's --model cnn uses 16 and 32.
for (const net of [cnn(), cnn({ filters: [16, 32] })]) {
  console.log('cnn', net.spec.layers.filter((l) => l.type === 'conv2d').map((l) => ('filters' in l ? l.filters : 0)).join(' and '), 'filters:', countParams(net.init(key(3))), 'parameters');
}
