// Tests of the reporters: the progress bar a terminal gets, and the lines of plain output.

import { describe, expect, it } from 'vitest';
import type { EpochEvent, StepEvent } from '@chainrule/train';
import { counted, plainReporter, progressReporter, thinned, type TrainSummary } from './report.js';

const history = { loss: [], accuracy: [], learningRate: [], epochs: [] };
const step = (batch: number, loss: number): StepEvent => ({
  type: 'step', epoch: 1, step: batch, batch, stepsPerEpoch: 3, totalSteps: 6, loss, accuracy: 0.5, learningRate: 0.1, ms: 2, skipped: false, params: [],
});
const epoch: EpochEvent = {
  type: 'epoch', epoch: 1, step: 3, loss: 0.25, metrics: { accuracy: 0.75 },
  validation: { loss: 0.5, accuracy: 0.625, confusion: { classes: 0, counts: new Int32Array(0) } },
  ms: 1500, state: { params: [], optState: [], step: 3, history },
};
const summary: TrainSummary = { dataset: 'xor', testExamples: 4, testAccuracy: 1, testLoss: 0.01, epochs: 2, steps: 6, seconds: 1.25, stopped: false };

/** A fake output stream that keeps what is written; a terminal when `tty`. */
const stream = (tty: boolean) => {
  const s = { text: '', isTTY: tty, columns: 120, write: (chunk: string) => ((s.text += chunk), true) };
  return s;
};

describe('progressReporter', () => {
  it('on a terminal draws a bar with epoch, step, loss and accuracy, then replaces it by the epoch line', () => {
    const out = stream(true);
    const r = progressReporter(out, 2);
    r.event(step(1, 0.6931));
    expect(out.text).toMatch(/epoch 1\/2 \|[^|]*\| step 1\/3 \| loss 0\.6931 \| acc 50\.0% \| 2\.0 ms\/step/);
    r.event(step(2, 0.5));
    r.event(step(3, 0.4));
    r.event(epoch);
    // stopping the bar draws its last state, then the epoch's summary line follows on its own line
    const lastBar = out.text.lastIndexOf('step 3/3 | loss 0.4000');
    const line = out.text.indexOf('epoch 1/2  loss 0.2500  acc 75.0%  val loss 0.5000  val acc 62.5%  1.5 s\n');
    expect(lastBar).toBeGreaterThan(0);
    expect(line).toBeGreaterThan(lastBar);
    r.finish(summary);
    expect(out.text.endsWith('test accuracy 100.0% (loss 0.0100) on 4 xor examples, 2 epochs, 6 steps, 1.3 s\n')).toBe(true);
  });
});

describe('plainReporter', () => {
  it('writes one line per epoch and the summary, notes to the error stream, nothing per step', () => {
    const out = stream(false), err = stream(false);
    const r = plainReporter(out, err, 2);
    r.event(step(1, 0.7));
    r.event(epoch);
    r.note('stopping');
    r.finish({ ...summary, stopped: true, checkpoint: 'run.json' });
    expect(out.text).toBe(
      'epoch 1/2  loss 0.2500  acc 75.0%  val loss 0.5000  val acc 62.5%  1.5 s\n' +
        'stopped early; test accuracy 100.0% (loss 0.0100) on 4 xor examples, 2 epochs, 6 steps, 1.3 s\ncheckpoint: run.json\n',
    );
    expect(err.text).toBe('stopping\n');
  });
});

describe('counted', () => {
  it('says 1 epoch, 0 epochs and 2 epochs', () => {
    expect([0, 1, 2].map((n) => counted(n, 'epoch'))).toEqual(['0 epochs', '1 epoch', '2 epochs']);
  });
  it('is used by the summary line', () => {
    const out = stream(false);
    plainReporter(out, stream(false), 1).finish({ ...summary, testExamples: 1, epochs: 1, steps: 1 });
    expect(out.text).toBe('test accuracy 100.0% (loss 0.0100) on 1 xor example, 1 epoch, 1 step, 1.3 s\n');
  });
});

describe('thinned', () => {
  const epochs = (r: ReturnType<typeof plainReporter>, n: number) => {
    for (let e = 1; e <= n; e++) r.event({ ...epoch, epoch: e });
  };
  it('with logEvery passes every n-th epoch and the last one', () => {
    const out = stream(false);
    epochs(thinned(plainReporter(out, stream(false), 7), { logEvery: 3, epochs: 7 }), 7);
    expect(out.text.split('\n').filter(Boolean).map((l) => l.split('  ')[0])).toEqual(['epoch 3/7', 'epoch 6/7', 'epoch 7/7']);
  });
  it('with quiet passes no epoch, but notes and the summary', () => {
    const out = stream(false), err = stream(false);
    const r = thinned(plainReporter(out, err, 3), { quiet: true, epochs: 3 });
    epochs(r, 3);
    r.note('checkpoint saved');
    r.finish(summary);
    expect(out.text).toBe('test accuracy 100.0% (loss 0.0100) on 4 xor examples, 2 epochs, 6 steps, 1.3 s\n');
    expect(err.text).toBe('checkpoint saved\n');
  });
});
