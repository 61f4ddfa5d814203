// docs/training.md in code: the RxJS trainer on two spirals, with smoothing, early stopping and a checkpoint.
// Run with `pnpm example training`. For MNIST, `pnpm main` trains the seed's network on 8,000 digits.

import { lastValueFrom, tap } from 'rxjs';
import {
  train, spirals, trainTestSplit, mlp, sgd, ofType, smoothLoss, earlyStopping, makeCheckpoint,
  serializeCheckpoint, decodeCheckpoint, evaluateModel,
} from 'chainrule';

const { train: data, test } = trainTestSplit(spirals({ perClass: 200, classes: 2, seed: 1 }), { testSize: 80, seed: 1 });
const model = mlp({ sizes: [2, 32, 2], activation: 'sigmoid' });
const config = { model, data, validation: test, optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }), epochs: 150, batchSize: 16, seed: 0 };

const done = await lastValueFrom(
  train(config).pipe(
    smoothLoss(0.1),
    tap((e) => {
      if (e.type === 'step' && e.step % 400 === 0) console.log(`step ${e.step}: smoothed loss ${e.smoothLoss.toFixed(4)}`);
      if (e.type === 'epoch' && e.epoch % 25 === 0) console.log(`epoch ${e.epoch}: test accuracy ${(100 * e.validation!.accuracy).toFixed(1)}%`);
    }),
    earlyStopping({ patience: 20, monitor: 'validation.loss' }),
    ofType('done'),
  ),
);
console.log(`done after ${done.epoch} epochs${done.stopped ? ' (stopped early)' : ''}, test accuracy ${(100 * evaluateModel(done.params, model, test).accuracy).toFixed(1)}%`);

// A checkpoint is versioned JSON; decoding checks it against the model.
const text = serializeCheckpoint(makeCheckpoint({ model, config: { seed: 0, batchSize: 16, epochs: 150 }, state: done }));
const back = decodeCheckpoint(text);
console.log('checkpoint:', (text.length / 1024).toFixed(0), 'KiB,', back._tag === 'Right' ? `decodes, step ${back.right.state.step}` : back.left.message);
