// Runs the reversal example and prints loss and accuracy per epoch, then a few samples: `pnpm --filter @chainrule/example-transformer start`.

import { trainReversal } from './train.js';

const started = Date.now();
const run = trainReversal({
  length: 6,
  epochs: 6,
  stepsPerEpoch: 20,
  onEpoch: (e) =>
    console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}  digit accuracy ${(100 * e.accuracy).toFixed(1)} %  exact ${(100 * e.exact).toFixed(1)} %`),
});
for (const s of run.samples) console.log(`${s.input} → ${s.output} ${s.correct ? '✓' : '✗'}`);
console.log(`${((Date.now() - started) / 1000).toFixed(1)} s`);
