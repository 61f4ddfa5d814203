// docs/getting-started.md in code: one import, a small network trained by the RxJS trainer, tensors printed.
// Run with `pnpm example getting-started`.

import { lastValueFrom, tap } from 'rxjs';
import { mlp, sgd, train, xor, ofType, predictClasses, tensor, softmax } from 'chainrule';

const model = mlp({ sizes: [2, 8, 2], activation: 'tanh' });
const done = await lastValueFrom(
  train({ model, data: xor(), optimizer: sgd({ learningRate: 0.3, momentum: 0.9 }), epochs: 200, batchSize: 4 }).pipe(
    tap((e) => e.type === 'epoch' && e.epoch % 50 === 0 && console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}`)),
    ofType('done'),
  ),
);
const inputs = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const logits = model.apply(done.params, inputs);
console.log('inputs', inputs);
console.log('probabilities', softmax(logits, { axis: -1 }));
console.log('xor predicted:', Array.from(predictClasses(logits)).join(' '));
