// `chainrule train` (and the bare `chainrule`): trains a network, reports progress, saves checkpoints, handles Ctrl-C.

import * as t from 'io-ts';
import { isLeft, left, right, type Either } from 'fp-ts/lib/Either.js';
import { Subject, lastValueFrom, tap } from 'rxjs';
import { getBackend } from '@chainrule/core';
import { evaluate, makeCheckpoint, ofType, train, validationCount, type Checkpoint, type Control, type TrainState } from '@chainrule/train';
import { checkCheckpointPath, loadCheckpoint, saveCheckpoint } from '@chainrule/train/node';
import type { ActivationName, Model } from '@chainrule/nn';
import { choiceFlag, flagName, intFlag, numberFlag, sizesFlag } from '../flags.js';
import type { Io } from '../io.js';
import { availableMemory, estimateMemory, memoryProblem } from '../memory.js';
import { counted, jsonReporter, plainReporter, progressReporter, thinned, type Reporter } from '../report.js';
import { decodeRunConfig, type RunConfig } from '../run-config.js';
import {
  ACTIVATIONS, CNN_PRESET, DATASETS, MODELS, OPTIMIZERS, PRESETS, SCHEDULES, buildNetwork, datasetShape, loadSplit, makeOptimizer,
  type OptimizerName, type Split,
} from '../setup.js';
import { errorText } from '@chainrule/core';

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/**
 * io-ts codec of `train`'s flags as commander hands them over (text); every flag optional,
 * defaults come from the dataset's preset.
 *
 * @example
 * decodeFlags(trainFlagsCodec, { epochs: '0' }) // left("--epochs: expected an integer ≥ 1, got '0'")
 */
export const trainFlagsCodec = t.partial({
  dataset: choiceFlag(DATASETS),
  trainSize: intFlag(1),
  testSize: intFlag(1),
  valFraction: numberFlag({ above: 0, below: 1 }),
  model: choiceFlag(MODELS),
  hidden: sizesFlag,
  activation: choiceFlag(ACTIVATIONS),
  optimizer: choiceFlag(OPTIMIZERS),
  lr: numberFlag({ above: 0 }),
  momentum: numberFlag({ min: 0, below: 1 }),
  nesterov: t.boolean,
  weightDecay: numberFlag({ min: 0 }),
  schedule: choiceFlag(SCHEDULES),
  epochs: intFlag(1),
  batchSize: intFlag(1),
  seed: intFlag(0, 2 ** 31 - 1),
  dataSeed: intFlag(0, 2 ** 31 - 1),
  out: t.string,
  resume: t.string,
  json: t.boolean,
  debugNans: t.boolean,
  quiet: t.boolean,
  logEvery: intFlag(1),
});

/** The decoded flags of `train`. */
export type TrainFlags = t.TypeOf<typeof trainFlagsCodec>;

/** A training fully specified: the run config plus the network's shape. */
export interface TrainPlan {
  readonly run: RunConfig;
  readonly model: { readonly model: (typeof MODELS)[number]; readonly hidden: readonly number[]; readonly activation: ActivationName };
}

const defaultRate = (name: OptimizerName, presetRate: number): number => (name === 'sgd' ? presetRate : 0.001);

/**
 * Fills in a plan from flags and the dataset's preset, checking the combinations no single
 * flag can: the CNN needs MNIST's images, the batch must fit the training set, Nesterov needs
 * momentum.
 *
 * @example
 * planTraining({}) // right: the seed's network on MNIST 8,000 / 2,000
 * planTraining({ model: 'cnn', dataset: 'xor' }) // left('--model cnn needs --dataset mnist …')
 */
export const planTraining = (f: TrainFlags): Either<string, TrainPlan> => {
  const dataset = f.dataset ?? 'mnist';
  const preset = PRESETS[dataset];
  const model = f.model ?? 'mlp';
  if (model === 'cnn' && dataset !== 'mnist') return left(`--model cnn needs --dataset mnist (28×28 images), got --dataset ${dataset}`);
  const cnn = model === 'cnn';
  const optimizer = f.optimizer ?? 'sgd';
  const momentum = f.momentum ?? (optimizer === 'sgd' ? preset.momentum : 0);
  if (f.momentum !== undefined && (optimizer === 'adam' || optimizer === 'adamw')) return left(`--momentum: not used by --optimizer ${optimizer}`);
  if (f.nesterov === true && (optimizer !== 'sgd' || momentum === 0)) return left('--nesterov: needs --optimizer sgd with a --momentum above 0');
  const trainSize = dataset === 'xor' ? 4 : (f.trainSize ?? preset.trainSize);
  const testSize = dataset === 'xor' ? 4 : (f.testSize ?? preset.testSize);
  if (dataset === 'xor' && (f.trainSize !== undefined || f.testSize !== undefined)) return left('--train-size/--test-size: xor has exactly its 4 points');
  if (dataset === 'mnist' && trainSize + testSize > 10000) return left(`--train-size + --test-size: MNIST has 10000 digits, asked for ${trainSize + testSize}`);
  const valFraction = f.valFraction;
  if (valFraction !== undefined && (dataset === 'xor' || trainSize < 2)) return left(`--val-fraction: ${dataset === 'xor' ? 'xor has only its 4 points, all needed for training' : 'needs --train-size 2 or more'}`);
  // the examples trained on: the training set without the validation ones
  const fit = valFraction === undefined ? trainSize : trainSize - validationCount(trainSize, valFraction);
  const batchSize = f.batchSize ?? Math.min(preset.batchSize, fit);
  if (batchSize > fit) {
    return left(`--batch-size: ${batchSize} is larger than the training set (${counted(fit, 'example')}${valFraction === undefined ? '' : ` after --val-fraction ${valFraction}`})`);
  }
  return right({
    run: {
      seed: f.seed ?? 0,
      batchSize,
      epochs: f.epochs ?? (cnn ? CNN_PRESET.epochs : preset.epochs),
      data: { dataset, trainSize, testSize, seed: f.dataSeed ?? 0, image: cnn, ...(valFraction === undefined ? {} : { valFraction }) },
      optimizer: {
        name: optimizer,
        learningRate: f.lr ?? defaultRate(optimizer, cnn ? CNN_PRESET.learningRate : preset.learningRate),
        momentum,
        nesterov: f.nesterov === true,
        ...(f.weightDecay === undefined ? {} : { weightDecay: f.weightDecay }),
        schedule: f.schedule ?? (cnn ? CNN_PRESET.schedule : 'constant'),
      },
    },
    model: { model, hidden: f.hidden ?? preset.hidden, activation: f.activation ?? preset.activation },
  });
};

// Flags that describe the run; a resumed run takes them from its checkpoint instead.
const FIXED_WHEN_RESUMING = ['dataset', 'trainSize', 'testSize', 'valFraction', 'model', 'hidden', 'activation', 'optimizer', 'lr', 'momentum', 'nesterov', 'weightDecay', 'schedule', 'batchSize', 'seed', 'dataSeed'] as const;

/**
 * The plan of a resumed run: the checkpoint's settings, with `--epochs` as the new total.
 *
 * @example
 * resumePlan({ epochs: 10 }, checkpoint) // right({ run: { ...checkpoint's, epochs: 10 }, … })
 */
export const resumePlan = (f: TrainFlags, c: Checkpoint): Either<string, RunConfig> => {
  const given = FIXED_WHEN_RESUMING.filter((k) => f[k] !== undefined);
  if (given.length > 0) {
    return left(`--resume: the run's settings come from the checkpoint; drop ${given.map(flagName).join(', ')}`);
  }
  const run = decodeRunConfig(c.config);
  if (isLeft(run)) return left(`--resume: the checkpoint's ${run.left}`);
  const epochs = f.epochs ?? run.right.epochs;
  const done = c.state.history.epochs.length;
  if (epochs <= done) return left(`--epochs: the checkpoint has already trained ${counted(done, 'epoch')}; ask for more than that`);
  return right({ ...run.right, epochs });
};


/** Minimum time between two epoch checkpoints; the final one is always written. */
const CHECKPOINT_INTERVAL_MS = 2000;

/**
 * Writes checkpoints to one file, one at a time and atomically (the previous file stays
 * whole until the new one replaces it). Epoch checkpoints closer together than
 * CHECKPOINT_INTERVAL_MS are skipped, except the latest one waiting; `final` always writes.
 * `written` is the last checkpoint whose save returned and `saving` the one being saved
 * now (the file holds it once its rename is done), so nothing names a file that was not written.
 */
const checkpointWriter = (path: string, note: (message: string) => void) => {
  let pending: Checkpoint | undefined;
  let written: Checkpoint | undefined;
  let saving: Checkpoint | undefined;
  let lastWrite = -Infinity;
  let writing: Promise<void> = Promise.resolve();
  let busy = false;
  const drain = async (): Promise<void> => {
    busy = true;
    while (pending !== undefined) {
      const c = pending;
      pending = undefined;
      lastWrite = performance.now();
      saving = c;
      const r = await saveCheckpoint(path, c);
      saving = undefined;
      if (isLeft(r)) note(`warning: checkpoint not saved to ${path}: ${r.left.message}`);
      else written = c;
    }
    busy = false;
  };
  return {
    save: (c: Checkpoint, final: boolean): void => {
      if (!final && performance.now() - lastWrite < CHECKPOINT_INTERVAL_MS && !busy) return;
      pending = c;
      if (!busy) writing = drain();
    },
    flush: (): Promise<void> => writing,
    written: (): Checkpoint | undefined => written,
    saving: (): Checkpoint | undefined => saving,
  };
};

const epochAndStep = (c: Checkpoint): string => `epoch ${c.state.history.epochs.length} (step ${c.state.step})`;

/**
 * What the checkpoint file holds, for a message, or undefined when nothing reached it:
 * `<path> holds the checkpoint of epoch 3 (step 750)`; while a save runs, the file holds the
 * previous checkpoint or, once the save's rename is done, the new one.
 */
const holds = (path: string, written: Checkpoint | undefined, saving: Checkpoint | undefined): string | undefined => {
  if (saving === undefined) return written === undefined ? undefined : `${path} holds the checkpoint of ${epochAndStep(written)}`;
  return written === undefined
    ? `${path} holds the checkpoint of ${epochAndStep(saving)} if its save got through, else nothing`
    : `${path} holds the checkpoint of ${epochAndStep(written)}, or of ${epochAndStep(saving)} if its save got through`;
};

/**
 * Runs `chainrule train` with decoded flags and returns the exit code. Before training it
 * checks that `--out` can be written and that the run fits in memory (exit 2 otherwise).
 * Saves a checkpoint after every epoch and at the end when `--out` is given (atomically: the
 * previous file stays intact until the new one is complete), and names the file only once
 * it holds a checkpoint of this run. The first Ctrl-C stops the run after the current step
 * and saves; a second one quits at once (exit 130). A closed stdout (`| head`) stops the run
 * the same way, quietly.
 *
 * @example
 * const code = await trainCommand({ dataset: 'xor', epochs: 100 }, processIo())
 */
export const trainCommand = async (flags: TrainFlags, io: Io): Promise<number> => {
  const started = performance.now();
  const fail = (message: string, code: number = EXIT.failed): number => {
    io.stderr.write(`chainrule train: ${message}\n`);
    return code;
  };
  if (flags.json === true && (flags.quiet === true || flags.logEvery !== undefined)) {
    return fail(`${flags.quiet === true ? '--quiet' : '--log-every'}: not with --json, which prints every event`, EXIT.usage);
  }
  const out = flags.out;
  if (out !== undefined) {
    const writable = await checkCheckpointPath(out);
    if (isLeft(writable)) return fail(`--out: ${writable.left.message}`, EXIT.usage);
  }
  let resumed: Checkpoint | undefined;
  let run: RunConfig;
  let network: TrainPlan['model'] | undefined;
  if (flags.resume !== undefined) {
    const loaded = await loadCheckpoint(flags.resume);
    if (isLeft(loaded)) return fail(`--resume: ${loaded.left.message}`);
    resumed = loaded.right;
    const plan = resumePlan(flags, resumed);
    if (isLeft(plan)) return fail(plan.left, EXIT.usage);
    run = plan.right;
  } else {
    const plan = planTraining(flags);
    if (isLeft(plan)) return fail(plan.left, EXIT.usage);
    ({ run, model: network } = plan.right);
  }
  const shape = datasetShape(run.data);
  const model: Model = resumed?.model ?? buildNetwork(network!, shape.featureShape, shape.classes);
  const tooBig = memoryProblem(estimateMemory(run, model, { checkpoint: out !== undefined }), availableMemory());
  if (tooBig !== undefined) return fail(tooBig, EXIT.usage);
  let split: Split;
  try {
    split = await loadSplit(run.data);
  } catch (e) {
    return fail(`cannot load the ${run.data.dataset} dataset: ${errorText(e)}`);
  }
  const reporter: Reporter = flags.json === true
    ? jsonReporter(io.stdout, io.stderr)
    : thinned(io.interactive && flags.quiet !== true ? progressReporter(io.stdout, run.epochs) : plainReporter(io.stdout, io.stderr, run.epochs), {
      quiet: flags.quiet, logEvery: flags.logEvery, epochs: run.epochs,
    });

  const saver = out === undefined ? undefined : checkpointWriter(out, (m) => reporter.note(m));
  const save = (state: TrainState, final: boolean): Checkpoint | undefined => {
    if (saver === undefined) return undefined;
    const c = makeCheckpoint({ model, config: { ...run }, state });
    saver.save(c, final);
    return c;
  };
  const written = (): string | undefined => (saver === undefined ? undefined : holds(out!, saver.written(), saver.saving()));

  const control$ = new Subject<Control>();
  let interrupted = false;
  const interrupts = io.interrupts.subscribe(() => {
    if (!interrupted) {
      interrupted = true;
      reporter.note('stopping after this step (Ctrl-C again to quit at once)…');
      control$.next({ type: 'stop' });
    } else {
      const where = written();
      reporter.note(out === undefined ? 'quit.' : where === undefined ? `quit; no checkpoint was written to ${out}.` : `quit; ${where}.`);
      io.exit(EXIT.interrupted);
    }
  });
  // Nobody reads any more (`| head`): stop as after a Ctrl-C, saving, without a word.
  const closed = io.stdoutClosed?.subscribe(() => control$.next({ type: 'stop' }));

  try {
    const done = await lastValueFrom(
      train({
        model,
        data: split.train,
        ...(split.validation === undefined ? {} : { validation: split.validation }),
        optimizer: makeOptimizer(run.optimizer, run.epochs * Math.floor(split.train.size / run.batchSize)),
        epochs: run.epochs,
        batchSize: run.batchSize,
        seed: run.seed,
        backend: getBackend(),
        ...(resumed === undefined ? {} : { resume: resumed.state }),
        ...(flags.debugNans === true ? { debugNans: true } : {}),
        control$,
      }).pipe(
        tap((e) => {
          reporter.event(e);
          if (e.type === 'epoch') save(e.state, false);
        }),
        ofType('done'),
      ),
    );
    const final = save(done, true);
    await saver?.flush();
    const savedFinal = final !== undefined && saver?.written() === final;
    const metrics = evaluate(done.params, model, split.test);
    reporter.finish({
      dataset: run.data.dataset,
      testExamples: split.test.size,
      testAccuracy: metrics.accuracy,
      testLoss: metrics.loss,
      epochs: done.epoch,
      steps: done.step,
      seconds: (performance.now() - started) / 1000,
      stopped: done.stopped,
      ...(savedFinal ? { checkpoint: out } : {}),
    });
    if (final !== undefined && !savedFinal) {
      const where = written();
      return fail(`the final checkpoint could not be written to ${out}${where === undefined ? '' : `; ${where}`}`);
    }
    return interrupted ? EXIT.interrupted : EXIT.ok;
  } catch (e) {
    await saver?.flush();
    const where = written();
    return fail(`training failed: ${errorText(e)}${where === undefined ? '' : ` (${where})`}`);
  } finally {
    interrupts.unsubscribe();
    closed?.unsubscribe();
  }
};
