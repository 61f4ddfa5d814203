// The trainer: a cold Observable that runs one jitted training step per scheduler task and reports each as an event.

import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { Tensor, flatten, jit, treeKey, treePaths, valueAndGrad, withBackend, type Backend, type Executor, shapeText, errorText } from '@chainrule/core';
import { bestBackend } from '@chainrule/backend-wasm';
import { checkModelParams, type Model, type Params } from '@chainrule/nn';
import { applyUpdates, currentLearningRate, setLearningRate, type GradientTransformation } from '@chainrule/optim';
import { batchAt, batchCount, epochOrder, runKeys, validationSplit, type Dataset } from './dataset.js';
import { TrainError, type Control, type DoneEvent, type EpochEvent, type EpochSummary, type History, type StepEvent, type TrainEvent, type TrainState } from './events.js';
import { lossFunction, type LossFn, type LossName } from './loss.js';
import { accuracy, evaluate, type Metrics } from './metrics.js';
import { macrotaskScheduler } from './scheduler.js';

/**
 * What to train and how. Only `model`, `data`, `optimizer`, `epochs` and `batchSize` are
 * required.
 *
 * @example
 * const config: TrainConfig = {
 *   model: mlp({ sizes: [784, 128, 10], activation: 'sigmoid' }),
 *   data: train, validationFraction: 0.1, // validate on 10% of train, keep test for the end
 *   optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }),
 *   epochs: 6, batchSize: 32, seed: 0,
 * }
 */
export interface TrainConfig {
  readonly model: Model;
  /** The training examples; the features must have the model's input shape. */
  readonly data: Dataset;
  /**
   * Evaluated after every epoch (loss, accuracy, confusion matrix). Keep it apart from the
   * test set you report: choosing epochs or settings by it fits them to it.
   */
  readonly validation?: Dataset;
  /**
   * Instead of `validation`: hold out this fraction of `data` (in (0, 1)) as the validation
   * set and train on the rest, split by `validationSplit(data, { fraction, seed })` with the
   * run's `seed`. A resumed run must give the same fraction and seed.
   */
  readonly validationFraction?: number;
  /** An optax-style optimizer from @chainrule/optim (sgd, adam, chain(...)). */
  readonly optimizer: GradientTransformation;
  readonly epochs: number;
  /** Rows per batch; every batch has exactly this many (the last partial batch of an epoch is dropped). */
  readonly batchSize: number;
  /** Seeds the initial params and the shuffling (default 0). */
  readonly seed?: number;
  /** Initial params (default `model.init(runKeys(seed).init)`). */
  readonly params?: Params;
  /** Continue a run from its state (a `done` or `epoch` event's state, or `checkpoint.state`). */
  readonly resume?: TrainState;
  /** Default 'softmaxCrossEntropy' (mean over the batch). */
  readonly loss?: LossName | LossFn;
  /** On a NaN or infinite loss, or an update that would make a param NaN or infinite: end with an error (default) or skip the batch. */
  readonly nanPolicy?: 'error' | 'skip';
  /** Pause, resume, stop, set the learning rate. */
  readonly control$?: Observable<Control>;
  /** Where steps run (default {@link macrotaskScheduler}); a TestScheduler in tests. */
  readonly scheduler?: SchedulerLike;
  /** Milliseconds between two steps (default 0). */
  readonly stepDelay?: number;
  /** Examples per forward pass when validating (default 1000). */
  readonly evalBatchSize?: number;
  /** Runs the jitted step (default: core's interpreter). */
  readonly executor?: Executor;
  /**
   * Where the step's and the validation's kernels run (default: `bestBackend()` of
   * @chainrule/backend-wasm when the run starts: wasm where it loads, else js;
   * `CHAINRULE_BACKEND=js|wasm` overrides; pass core's `getBackend()` for the process default).
   */
  readonly backend?: Backend;
  /** Check every op's output, forward and backward, for NaN and infinities (see core's `setDebugNans`): slower, names the op that made the first one. */
  readonly debugNans?: boolean;
}

const isPositiveInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;


/** Freezes the arrays and records of a pytree (tensors are immutable already). */
const freezeTree = <T>(tree: T): T => {
  if (Array.isArray(tree)) {
    tree.forEach(freezeTree);
    return Object.freeze(tree);
  }
  if (typeof tree === 'object' && tree !== null && !(tree instanceof Tensor)) {
    Object.values(tree).forEach(freezeTree);
    return Object.freeze(tree);
  }
  return tree;
};

/** A string describing a pytree's structure, shapes and dtypes: equal for compatible states. */
const treeSignature = (tree: unknown): string => {
  const [leaves, def] = flatten(tree);
  return `${treeKey(def)}|${leaves.map((x) => (x instanceof Tensor ? `${x.dtype}${shapeText(x.shape)}` : typeof x)).join(';')}`;
};

const checkConfig = (config: TrainConfig): void => {
  const bad = (message: string): never => {
    throw new TrainError('BadConfig', message);
  };
  if (typeof config !== 'object' || config === null) bad('config must be an object');
  const { model, data, optimizer, epochs, batchSize } = config;
  if (typeof model?.apply !== 'function' || typeof model?.init !== 'function') bad('model must be a Model from @chainrule/nn');
  if (!(data?.x instanceof Tensor) || !(data?.y instanceof Tensor)) bad('data must be a Dataset');
  if (typeof optimizer?.init !== 'function' || typeof optimizer?.update !== 'function') bad('optimizer must be a gradient transformation ({ init, update })');
  if (!isPositiveInt(epochs)) bad(`epochs must be a positive integer, got ${String(epochs)}`);
  if (!isPositiveInt(batchSize)) bad(`batchSize must be a positive integer, got ${String(batchSize)}`);
  if (config.seed !== undefined && !Number.isInteger(config.seed)) bad(`seed must be an integer, got ${String(config.seed)}`);
  if (config.nanPolicy !== undefined && config.nanPolicy !== 'error' && config.nanPolicy !== 'skip') bad(`nanPolicy must be 'error' or 'skip', got ${JSON.stringify(config.nanPolicy)}`);
  if (config.stepDelay !== undefined && !(Number.isFinite(config.stepDelay) && config.stepDelay >= 0)) bad(`stepDelay must be a number ≥ 0, got ${String(config.stepDelay)}`);
  if (config.evalBatchSize !== undefined && !isPositiveInt(config.evalBatchSize)) bad(`evalBatchSize must be a positive integer, got ${String(config.evalBatchSize)}`);
  if (config.params !== undefined && config.resume !== undefined) bad('give either params or resume, not both');
  const fraction = config.validationFraction;
  if (fraction !== undefined) {
    if (!(typeof fraction === 'number' && fraction > 0 && fraction < 1)) bad(`validationFraction must be a number in (0, 1), got ${String(fraction)}`);
    if (config.validation !== undefined) bad('give either validation or validationFraction, not both');
  }
  for (const [field, ds] of [['data', data], ['validation', config.validation]] as const) {
    if (ds === undefined) continue;
    if (shapeText(ds.featureShape) !== shapeText(model.inputShape)) {
      bad(`${field} (${ds.name}) has examples of shape ${shapeText(ds.featureShape)} but the model takes ${shapeText(model.inputShape)}`);
    }
    const outputs = model.outputShape[model.outputShape.length - 1];
    if (ds.y.shape.length === 1 && ds.numClasses > outputs) bad(`${field} (${ds.name}) has ${ds.numClasses} classes but the model has ${outputs} outputs`);
  }
};

/** The examples trained on and the validation set: `validationFraction` carves the second from `data`. */
const trainingParts = (config: TrainConfig): { readonly data: Dataset; readonly validation: Dataset | undefined } => {
  const { data, batchSize, validationFraction } = config;
  if (validationFraction === undefined) {
    if (batchSize > data.size) throw new TrainError('BadConfig', `batchSize ${batchSize} is larger than the ${data.size} examples of ${data.name}`);
    return { data, validation: config.validation };
  }
  const { train, validation } = validationSplit(data, { fraction: validationFraction, seed: config.seed ?? 0 });
  if (batchSize > train.size) {
    throw new TrainError('BadConfig', `batchSize ${batchSize} is larger than the ${train.size} examples of ${data.name} left after holding out ${validation.size} for validation`);
  }
  return { data: train, validation };
};

interface Start {
  readonly params: Params;
  readonly optState: unknown;
  readonly step: number;
  readonly history: History;
}

const initialState = (config: TrainConfig, totalSteps: number): Start => {
  const { model, optimizer, resume } = config;
  if (resume === undefined) {
    const params = config.params ?? model.init(runKeys(config.seed ?? 0).init);
    const mismatch = checkModelParams(model, params);
    if (mismatch !== undefined) throw new TrainError('BadConfig', `params do not fit the model: ${mismatch}`);
    return { params, optState: optimizer.init(params), step: 0, history: { loss: [], accuracy: [], learningRate: [], epochs: [] } };
  }
  const bad = (message: string): never => {
    throw new TrainError('BadResume', message);
  };
  const { params, optState, step, history } = resume;
  if (!Number.isInteger(step) || step < 0 || step > totalSteps) bad(`resume.step must be an integer in [0, ${totalSteps}], got ${String(step)}`);
  const mismatch = checkModelParams(model, params);
  if (mismatch !== undefined) bad(`resume.params do not fit the model: ${mismatch}`);
  if (treeSignature(optState) !== treeSignature(optimizer.init(params))) bad('resume.optState does not have the structure and shapes this optimizer keeps (was it saved with another optimizer?)');
  for (const k of ['loss', 'accuracy', 'learningRate'] as const) {
    if (history?.[k]?.length !== step) bad(`resume.history.${k} must have one entry per step (${step}), got ${String(history?.[k]?.length)}`);
  }
  return { params, optState, step, history };
};

/** Mean of the finite values of `xs[from, to)`, NaN when there are none. */
const meanFinite = (xs: readonly number[], from: number, to: number): number => {
  let s = 0, n = 0;
  for (let i = from; i < to; i++) {
    if (Number.isFinite(xs[i])) {
      s += xs[i];
      n++;
    }
  }
  return n === 0 ? NaN : s / n;
};


/** The path and value of the first NaN or infinite element of a pytree's tensors, if any. */
const firstNonFinite = (tree: unknown): { readonly path: string; readonly value: number } | undefined => {
  const [leaves, def] = flatten(tree);
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i];
    if (!(leaf instanceof Tensor)) continue;
    const d = leaf.data;
    for (let j = 0; j < d.length; j++) if (!Number.isFinite(d[j])) return { path: treePaths(def, 'params')[i], value: d[j] };
  }
  return undefined;
};

/**
 * Trains a model and reports it as a cold Observable of {@link TrainEvent}s: a `step` event
 * per batch, an `epoch` event per epoch, then one `done` event with the final state.
 *
 * - Each subscription runs its own training from the initial params (same seed, same events).
 * - Steps run one per task of `config.scheduler`, so the event loop turns between steps;
 *   unsubscribing cancels the next step — nothing runs afterwards.
 * - The step (loss, gradient and optimizer update) is one `jit`-ted function, traced on the
 *   first step and reused for the whole run.
 * - Failures end the Observable with a {@link TrainError} naming the epoch and step: a NaN or
 *   infinite loss, or an update that makes a param NaN or infinite (`NonFiniteLoss`, naming
 *   the step whose loss or update it was, unless `nanPolicy: 'skip'`), an exception in the model,
 *   loss or optimizer (`StepFailed`, with the original as `cause`), a bad config or control.
 *
 * @example
 * train({ model, data, optimizer: sgd({ learningRate: 0.1, momentum: 0.9 }), epochs: 6, batchSize: 32 })
 *   .pipe(ofType('epoch'))
 *   .subscribe((e) => console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(3)}`))
 */
export const train = (config: TrainConfig): Observable<TrainEvent> =>
  new Observable<TrainEvent>((subscriber) => {
    let start: Start;
    let stepsPerEpoch: number, totalSteps: number;
    let data: Dataset, validation: Dataset | undefined;
    try {
      checkConfig(config);
      ({ data, validation } = trainingParts(config));
      stepsPerEpoch = batchCount(data.size, config.batchSize);
      totalSteps = stepsPerEpoch * config.epochs;
      start = initialState(config, totalSteps);
    } catch (e) {
      subscriber.error(e instanceof TrainError ? e : new TrainError('BadConfig', errorText(e), {}, e));
      return;
    }
    const { model, optimizer, batchSize } = config;
    const seed = config.seed ?? 0;
    const nanPolicy = config.nanPolicy ?? 'error';
    const scheduler = config.scheduler ?? macrotaskScheduler;
    const delay = config.stepDelay ?? 0;
    const lossFn = lossFunction(config.loss);
    const backend = config.backend ?? bestBackend();

    const objective = (p: Params, x: Tensor, y: Tensor): [Tensor, Tensor] => {
      const logits = model.apply(p, x);
      return [lossFn(logits, y), logits];
    };
    const step = jit(
      (p: Params, s: unknown, x: Tensor, y: Tensor): [Params, unknown, Tensor, Tensor] => {
        const [[loss, logits], grads] = valueAndGrad(objective, { hasAux: true })(p, x, y);
        const { updates, state } = optimizer.update(grads, s, p);
        return [applyUpdates(p, updates), state, loss, logits];
      },
      { executor: config.executor, backend, ...(config.debugNans === undefined ? {} : { debugNans: config.debugNans }) },
    );

    let params = start.params;
    let optState = start.optState;
    let done = start.step;
    const lossHistory = [...start.history.loss];
    const accHistory = [...start.history.accuracy];
    const lrHistory = [...start.history.learningRate];
    const epochHistory: EpochSummary[] = [...start.history.epochs];
    let order: Int32Array | undefined;
    let orderEpoch = -1;
    let epochStarted = performance.now();
    let paused = false, stopping = false, finished = false;
    let pending: Subscription | undefined;

    const history = (): History =>
      Object.freeze({
        loss: Object.freeze(lossHistory.slice()),
        accuracy: Object.freeze(accHistory.slice()),
        learningRate: Object.freeze(lrHistory.slice()),
        epochs: Object.freeze(epochHistory.slice()),
      });
    const where = () => ({ epoch: Math.floor(done / stepsPerEpoch) + 1, step: done + 1 });
    const fail = (e: TrainError): void => {
      finished = true;
      pending?.unsubscribe();
      subscriber.error(e);
    };
    const finish = (stopped: boolean): void => {
      finished = true;
      const event: DoneEvent = { type: 'done', epoch: Math.ceil(done / stepsPerEpoch), stopped, params, optState, step: done, history: history() };
      subscriber.next(event);
      subscriber.complete();
    };
    const scheduleNext = (): void => {
      if (pending === undefined && !finished && !subscriber.closed) pending = scheduler.schedule(runOne, delay);
    };

    const endEpoch = (e: number): boolean => {
      const from = e * stepsPerEpoch, to = from + stepsPerEpoch;
      let val: Metrics | undefined;
      if (validation !== undefined) {
        try {
          val = withBackend(backend, () => evaluate(params, model, validation, { batchSize: config.evalBatchSize, loss: config.loss }));
        } catch (err) {
          fail(new TrainError('StepFailed', `validation failed: ${errorText(err)}`, { epoch: e + 1, step: done }, err));
          return false;
        }
      }
      const summary: EpochSummary = { epoch: e + 1, step: done, loss: meanFinite(lossHistory, from, to), accuracy: meanFinite(accHistory, from, to), ...(val && { validation: val }) };
      epochHistory.push(summary);
      const event: EpochEvent = {
        type: 'epoch',
        epoch: e + 1,
        step: done,
        loss: summary.loss,
        metrics: { accuracy: summary.accuracy },
        ...(val && { validation: val }),
        ms: performance.now() - epochStarted,
        state: { params, optState, step: done, history: history() },
      };
      subscriber.next(event);
      return true;
    };

    function runOne(): void {
      pending = undefined;
      if (subscriber.closed || finished) return;
      if (stopping || done >= totalSteps) {
        finish(stopping && done < totalSteps);
        return;
      }
      const e = Math.floor(done / stepsPerEpoch), b = done % stepsPerEpoch;
      const t0 = performance.now();
      if (orderEpoch !== e) {
        order = epochOrder(seed, e, data.size);
        orderEpoch = e;
      }
      if (b === 0) epochStarted = t0;
      const batch = batchAt(data, order!, b, batchSize, model.dtype);
      let out: [Params, unknown, Tensor, Tensor], loss: number, acc: number, lr: number;
      try {
        out = step(params, optState, batch.x, batch.y);
        loss = out[2].item();
        acc = accuracy(out[3], batch.y);
        lr = currentLearningRate(out[1]) ?? NaN;
      } catch (err) {
        fail(new TrainError('StepFailed', `the training step threw: ${errorText(err)}`, where(), err));
        return;
      }
      // The params going in are finite (checked when they came out of the previous step), so a
      // non-finite loss or update is this step's doing: name this step, not the next one.
      const badParam = Number.isFinite(loss) ? firstNonFinite(out[0]) : undefined;
      const skipped = !Number.isFinite(loss) || badParam !== undefined;
      if (skipped && nanPolicy === 'error') {
        const what = badParam === undefined ? `the loss became ${loss}` : `the update made ${badParam.path} ${badParam.value} (the loss was ${loss})`;
        fail(new TrainError('NonFiniteLoss', `${what}; lower the learning rate, check the data, or set nanPolicy: 'skip'`, where()));
        return;
      }
      if (!skipped) {
        params = freezeTree(out[0]);
        optState = freezeTree(out[1]);
      }
      done++;
      lossHistory.push(skipped ? NaN : loss);
      accHistory.push(skipped ? NaN : acc);
      lrHistory.push(lr);
      const event: StepEvent = {
        type: 'step',
        epoch: e + 1,
        step: done,
        batch: b + 1,
        stepsPerEpoch,
        totalSteps,
        loss: skipped ? NaN : loss,
        accuracy: skipped ? NaN : acc,
        learningRate: lr,
        ms: performance.now() - t0,
        skipped,
        params,
      };
      subscriber.next(event);
      if (subscriber.closed || finished) return;
      if (b + 1 === stepsPerEpoch && !endEpoch(e)) return;
      if (subscriber.closed || finished) return;
      if (done >= totalSteps) {
        finish(false);
        return;
      }
      if (!paused || stopping) scheduleNext();
    }

    const onControl = (c: Control): void => {
      if (finished || subscriber.closed) return;
      switch (c?.type) {
        case 'pause':
          paused = true;
          pending?.unsubscribe();
          pending = undefined;
          return;
        case 'resume':
          paused = false;
          scheduleNext();
          return;
        case 'stop':
          stopping = true;
          scheduleNext();
          return;
        case 'setLearningRate': {
          const r = c.learningRate;
          if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) {
            fail(new TrainError('BadControl', `setLearningRate: learningRate must be a finite number ≥ 0, got ${String(r)}`, where()));
            return;
          }
          try {
            optState = freezeTree(setLearningRate(optState, r));
          } catch (err) {
            fail(new TrainError('BadControl', `setLearningRate: ${errorText(err)}`, where(), err));
          }
          return;
        }
        default:
          fail(new TrainError('BadControl', `unknown control ${JSON.stringify(c)}; expected pause, resume, stop or setLearningRate`, where()));
      }
    };
    const controlSub = config.control$?.subscribe({
      next: onControl,
      error: (err) => fail(new TrainError('BadControl', `the control stream failed: ${errorText(err)}`, where(), err)),
    });
    if (!finished && !paused) scheduleNext();
    return () => {
      pending?.unsubscribe();
      controlSub?.unsubscribe();
    };
  });
