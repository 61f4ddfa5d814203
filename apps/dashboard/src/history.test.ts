// Tests of the run history: CSV and JSON text written out by hand, and the runs chart's series.

import { describe, expect, it } from 'vitest';
import { compareSeries, historyCsv, historyJson, newRun, type RunRecord } from './history.js';
import type { RunConfig } from './protocol.js';

const config: RunConfig = {
  dataset: 'spirals', hiddenSizes: [16, 16], activation: 'tanh', learningRate: 0.1, momentum: 0.9, batchSize: 16, epochs: 2, seed: 0,
  stepsPerTick: 1, delayMs: 0, startPaused: false, debugNans: false, mnistUrl: 'http://x/mnist.bin',
};

const record = (): RunRecord => {
  const r = newRun(1, config);
  r.steps.push({ step: 1, epoch: 1, loss: 1.1, smoothed: 1.1, learningRate: 0.1, accuracy: 0.25 });
  r.steps.push({ step: 2, epoch: 1, loss: 0.9, smoothed: 1.09, learningRate: 0.1, accuracy: 0.5 });
  r.epochs.push({ epoch: 1, step: 2, loss: 1, accuracy: 0.375, validationAccuracy: 0.5, validationLoss: NaN });
  r.steps.push({ step: 3, epoch: 2, loss: NaN, smoothed: 1.09, learningRate: 0.05, accuracy: NaN });
  return r;
};

describe('history', () => {
  it('labels a run by what tells runs apart and drops the asset URL', () => {
    const r = newRun(4, config);
    expect(r.label).toBe('run 4 · spirals 16-16 tanh · lr 0.1');
    expect('mnistUrl' in r.config).toBe(false);
  });

  it('writes steps and epochs as CSV rows in the order they happened', () => {
    expect(historyCsv([record()])).toBe(
      [
        'run,label,kind,step,epoch,loss,smoothed,learning_rate,accuracy,validation_accuracy,validation_loss',
        '1,run 1 · spirals 16-16 tanh · lr 0.1,step,1,1,1.1,1.1,0.1,0.25,,',
        '1,run 1 · spirals 16-16 tanh · lr 0.1,step,2,1,0.9,1.09,0.1,0.5,,',
        '1,run 1 · spirals 16-16 tanh · lr 0.1,epoch,2,1,1,,,0.375,0.5,',
        '1,run 1 · spirals 16-16 tanh · lr 0.1,step,3,2,,1.09,0.05,,,',
        '',
      ].join('\n'),
    );
  });

  it('quotes a label that holds a comma', () => {
    const r = { ...record(), label: 'a, "b"' };
    expect(historyCsv([r]).split('\n')[1].startsWith('1,"a, ""b""",step')).toBe(true);
  });

  it('writes JSON with nulls for non-finite numbers', () => {
    const parsed = JSON.parse(historyJson([record()]));
    expect(parsed.format).toBe('chainrule-dashboard-history');
    expect(parsed.runs[0].steps[2].loss).toBeNull();
    expect(parsed.runs[0].epochs[0].validationLoss).toBeNull();
    expect(parsed.runs[0].config.hiddenSizes).toEqual([16, 16]);
  });

  it('lines runs up by step, thinned to a stride, with nulls past the end of a shorter run', () => {
    const long = newRun(1, config), short = newRun(2, config);
    for (let s = 1; s <= 10; s++) long.steps.push({ step: s, epoch: 1, loss: s, smoothed: s, learningRate: 0.1, accuracy: 0 });
    for (let s = 1; s <= 5; s++) short.steps.push({ step: s, epoch: 1, loss: s, smoothed: -s, learningRate: 0.1, accuracy: 0 });
    const { xs, ys } = compareSeries([long, short], 4);
    expect(xs).toEqual([3, 6, 9, 10]);
    expect(ys).toEqual([[3, 6, 9, 10], [-3, null, null, null]]);
  });
});
