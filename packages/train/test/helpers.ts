// Shared test helpers: an executor that counts traces and runs, and small ready-made configs.

import { interpreter, type Executor } from '@chainrule/core';
import { mlp } from '@chainrule/nn';
import { sgd } from '@chainrule/optim';
import { xor, type Dataset } from '../src/index.js';
import type { TrainConfig } from '../src/train.js';

/** Counts how often the trainer's jitted step is compiled (once per trace) and run (once per step). */
export interface Counter {
  compiles: number;
  runs: number;
}

/** An interpreter that counts compiles and runs, and can be told to throw on run number `failOnRun`. */
export const countingExecutor = (failOnRun?: number): { executor: Executor; counter: Counter } => {
  const counter: Counter = { compiles: 0, runs: 0 };
  const executor: Executor = {
    name: 'counting',
    compile: (graph) => {
      counter.compiles++;
      const run = interpreter.compile(graph);
      return (feeds) => {
        counter.runs++;
        if (counter.runs === failOnRun) throw new Error(`kernel exploded on run ${counter.runs}`);
        return run(feeds);
      };
    },
  };
  return { executor, counter };
};

/** The xor problem in batches of 2: 2 steps per epoch. */
export const xorConfig = (overrides: Partial<TrainConfig> = {}): TrainConfig => ({
  model: mlp({ sizes: [2, 4, 2], activation: 'sigmoid' }),
  data: xor() as Dataset,
  optimizer: sgd({ learningRate: 0.5 }),
  epochs: 2,
  batchSize: 2,
  seed: 0,
  ...overrides,
});
