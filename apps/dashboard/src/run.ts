// One training as the page sees it: builds data, model and optimizer, runs the trainer, adds snapshots.

import { Observable, ReplaySubject, concat, defer, from, mergeMap, of, switchMap, type SchedulerLike } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import {
  abstract, getBackend, grad, jit, key, softmax, tensor, trace, treeLeaves, uniform, valueAndGrad, type Backend, type Graph, type Tensor,
} from '@chainrule/core';
import { seedDefaults } from '@chainrule/core/seed';
import { describeBackend } from '@chainrule/backend-wasm';
import { countParams, mlp, paramNames, type Model, type Params } from '@chainrule/nn';
import { sgd } from '@chainrule/optim';
import {
  circles, dataset, lossFunction, macrotaskScheduler, mnistFromRaw, mnistSplit, moons, predictClasses, runKeys, spirals, take, train, trainTestSplit,
  type Control, type Dataset, type TrainEvent,
} from '@chainrule/train';
import { runPasses } from '@chainrule/compiler';
import type { Command, DashEvent, GraphNodeView, GraphView, LeafSummary, RunConfig } from './protocol.js';
import { unpackMnist } from './mnist-data.js';
import { networkView } from './network.js';
import { pacer, type Pacer } from './pacer.js';
import { summarize } from './summary.js';

/** Knobs of {@link runTraining}; the defaults suit the page, tests shrink them. */
export interface RunOptions {
  /** Fetches the packed MNIST digits (default: `fetch`). */
  readonly fetchBytes?: (url: string) => Promise<ArrayBuffer>;
  /** Least time between two decision-boundary or digit snapshots (default 150 ms). */
  readonly snapshotEveryMs?: number;
  /** Cells per side of the decision-boundary grid (default 48). */
  readonly boundarySize?: number;
  /** How many MNIST test digits the page shows (default 32). */
  readonly digitCount?: number;
  /** The clock of the snapshot throttle (default `performance.now`). */
  readonly now?: () => number;
  /** Where the paced steps run (default the trainer's `macrotaskScheduler`). */
  readonly scheduler?: SchedulerLike;
  /**
   * Flow control: the most steps the run may be ahead of the last `seen` command (default
   * unlimited). The page sets it so that a tiny model cannot flood it with events, and a
   * stop or pause takes effect within that many steps of what the page shows.
   */
  readonly maxAhead?: number;
  /** Where the training's kernels run (default: the trainer's, the best that loads). */
  readonly backend?: Backend;
}

/** The largest network the seed's view draws: at most this many inputs or neurons in any layer. */
const NETWORK_VIEW_MAX_WIDTH = 8;

interface Prepared {
  readonly train: Dataset;
  readonly test: Dataset;
  /** What the page shows of the data: 2-D points with a decision boundary, test digits, or nothing more. */
  readonly shows: 'points' | 'digits' | 'none';
}

const fetchArrayBuffer = async (url: string): Promise<ArrayBuffer> => {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`mnist: GET ${url} answered ${res.status} ${res.statusText}`);
  return res.arrayBuffer();
};

/** A noisy XOR: points uniform in [−1, 1]², class 1 where x and y have different signs. */
const noisyXor = (size: number, seed: number): Dataset => {
  const xy = uniform(key(seed), [size, 2], { min: -1, max: 1 });
  const labels = new Float32Array(size);
  for (let i = 0; i < size; i++) labels[i] = xy.data[2 * i] * xy.data[2 * i + 1] < 0 ? 1 : 0;
  return dataset(xy, tensor(labels), { name: 'xor', numClasses: 2 });
};

/** The training and validation sets of a run. */
const prepare = async (config: RunConfig, options: RunOptions): Promise<Prepared> => {
  if (config.dataset === 'seed') {
    // The notes' one example, x = (x₁, x₂) with target t = [1, 0] (class 0), is the whole data.
    const seedData = dataset(tensor([[seedDefaults.x1, seedDefaults.x2]], { dtype: 'float64' }), tensor([seedDefaults.target[0] === 1 ? 0 : 1], { dtype: 'float64' }), { name: 'seed', numClasses: 2 });
    return { train: seedData, test: seedData, shows: 'none' };
  }
  if (config.dataset === 'mnist') {
    const files = unpackMnist(await (options.fetchBytes ?? fetchArrayBuffer)(config.mnistUrl));
    if (isLeft(files)) throw new Error(files.left);
    const all = mnistFromRaw(files.right);
    const testSize = Math.round(all.size / 7);
    const { train, test } = mnistSplit(all, { seed: config.seed, trainSize: all.size - testSize, testSize });
    return { train, test, shows: 'digits' };
  }
  const seed = config.seed;
  const all =
    config.dataset === 'spirals' ? spirals({ perClass: 120, classes: 3, noise: 0.03, seed })
    : config.dataset === 'moons' ? moons({ size: 300, noise: 0.15, seed })
    : config.dataset === 'circles' ? circles({ size: 300, noise: 0.08, factor: 0.5, seed })
    : noisyXor(300, seed);
  const { train, test } = trainTestSplit(all, { testSize: Math.round(all.size / 5), seed });
  return { train, test, shows: 'points' };
};

/** The loss the trainer minimises (its default: mean softmax cross-entropy), of the params. */
const lossOf = (model: Model) => (params: Params, x: Tensor, y: Tensor): Tensor => lossFunction(undefined)(model.apply(params, x), y);

/** A graph as plain data; `forward` says which nodes the loss value itself needs. */
const viewOf = (graph: Graph, inputNames: readonly string[], outputNames: readonly string[], forward: (id: number) => boolean): GraphView => ({
  nodes: graph.nodes.map((n): GraphNodeView => {
    const inputAt = graph.inputs.indexOf(n.id);
    const part = n.op.name === 'core.input' ? 'input' : n.op.name === 'core.constant' ? 'constant' : forward(n.id) ? 'forward' : 'backward';
    const output = graph.outputs.flatMap((o, k) => (o === n.id ? [outputNames[k]] : [])).join(', ');
    return { id: n.id, op: n.op.name, shape: [...n.shape], inputs: [...n.inputs], part, ...(inputAt >= 0 ? { label: inputNames[inputAt] } : {}), ...(output !== '' ? { output } : {}) };
  }),
  outputs: [...graph.outputs],
});

/** The ids a graph's first output depends on. */
const ancestorsOfFirstOutput = (graph: Graph): Set<number> => {
  const live = new Set<number>([graph.outputs[0]]);
  for (let i = graph.nodes.length - 1; i >= 0; i--) if (live.has(i)) for (const j of graph.nodes[i].inputs) live.add(j);
  return live;
};

/**
 * The loss as traced (forward graph), the graph of `valueAndGrad(loss)` — the forward pass
 * again, plus the nodes reverse mode added for the gradient of every parameter — and that
 * graph as the jit compiler's passes leave it (`compiled`). Inputs are
 * named after the params' pytree paths (`params[0].w`), `x` and `labels`; outputs are
 * `loss` and, in the gradient graph, `∂L/∂params[0].w` and so on.
 *
 * @example
 * const { forward, gradient } = lossGraphs(mlp({ sizes: [2, 16, 3] }), params, 16)
 * gradient.nodes.filter((n) => n.part === 'backward').length // the reversed network
 */
export const lossGraphs = (model: Model, params: Params, batch: number): { forward: GraphView; gradient: GraphView; compiled: GraphView } => {
  const x = abstract([batch, ...model.inputShape], model.dtype);
  const y = abstract([batch], model.dtype);
  const loss = lossOf(model);
  const paths = paramNames(params);
  const names = [...paths, 'x', 'labels'];
  const forward = trace(loss, params, x, y);
  const gradient = trace((p: Params, xs: Tensor, ys: Tensor) => valueAndGrad(loss)(p, xs, ys), params, x, y);
  const needed = ancestorsOfFirstOutput(gradient);
  // What jit's compiler runs instead: the gradient graph after its passes (fused loops, matmul epilogues).
  const compiled = runPasses(gradient).graph;
  const neededCompiled = ancestorsOfFirstOutput(compiled);
  const outputs = ['loss', ...paths.map((p) => `∂L/∂${p}`)];
  return {
    forward: viewOf(forward, names, ['loss'], () => true),
    gradient: viewOf(gradient, names, outputs, (id) => needed.has(id)),
    compiled: viewOf(compiled, names, outputs, (id) => neededCompiled.has(id)),
  };
};

/** Row i of a square grid over `extent`, row 0 at the top, as an [n·n, 2] tensor. */
const gridPoints = (n: number, [x0, x1, y0, y1]: readonly [number, number, number, number]): Tensor => {
  const data = new Float32Array(2 * n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      data[2 * (i * n + j)] = x0 + ((j + 0.5) / n) * (x1 - x0);
      data[2 * (i * n + j) + 1] = y1 - ((i + 0.5) / n) * (y1 - y0);
    }
  }
  return tensor(data, { shape: [n * n, 2] });
};

/** The data's bounding box with a margin, as [xmin, xmax, ymin, ymax]. */
const extentOf = (xy: ArrayLike<number>): [number, number, number, number] => {
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < xy.length; i += 2) {
    x0 = Math.min(x0, xy[i]);
    x1 = Math.max(x1, xy[i]);
    y0 = Math.min(y0, xy[i + 1]);
    y1 = Math.max(y1, xy[i + 1]);
  }
  const m = 0.1 * Math.max(x1 - x0, y1 - y0);
  return [x0 - m, x1 + m, y0 - m, y1 + m];
};

/**
 * Runs one training for the page: a `setup` event (data facts, the 2-D points or the MNIST
 * digits shown), a `graph` event (forward and gradient graphs of the loss), then the
 * trainer's step, epoch and done events, with `boundary` (2-D) or `digits` (MNIST)
 * snapshots of the model's predictions at most every `snapshotEveryMs` (every step while
 * paused) and after the last step. Small MLPs also get `network` events (the seed's view,
 * on the same schedule) and every run gets `histograms` at step 0 and every
 * `ceil(totalSteps / 150)` steps. The steps run on a {@link pacer}: `pause`, `resume`,
 * `step` and `setSpeed` act on it at once (even while the data loads), and a `pause` is
 * answered with a `held` event naming the last step sent; `stop` and
 * `setLearningRate` go to the trainer, kept and replayed in order if it has not started.
 * Trainer errors (a NaN loss, a bad setting) end the Observable with that error.
 *
 * @example
 * runTraining(config, control$).subscribe((e) => e.type === 'step' && console.log(e.loss))
 */
export const runTraining = (config: RunConfig, control$: Observable<Command>, options: RunOptions = {}): Observable<DashEvent> =>
  new Observable<DashEvent>((subscriber) => {
    const commands = new ReplaySubject<Control>();
    const pace = pacer(options.scheduler ?? macrotaskScheduler, config, { held: config.startPaused });
    const maxAhead = options.maxAhead ?? Infinity;
    const progress = {
      step: 0,
      seen: 0,
      /** Called after each step event: blocks the pacer when the page is too far behind. */
      sent(step: number) {
        this.step = step;
        if (step - this.seen > maxAhead) pace.setBlocked(true);
      },
    };
    const listening = control$.subscribe((c) => {
      if (c.type === 'pause') {
        pace.hold();
        // Every step event before this one was sent before it: after it, none comes until a resume or step.
        subscriber.next({ type: 'held', step: progress.step });
      } else if (c.type === 'resume') pace.release();
      else if (c.type === 'step') pace.stepOnce();
      else if (c.type === 'setSpeed') pace.setPace(c);
      else if (c.type === 'seen') {
        progress.seen = Math.max(progress.seen, c.step);
        if (progress.step - progress.seen <= maxAhead) pace.setBlocked(false);
      } else {
        // A held or blocked run could not take its next step to stop.
        if (c.type === 'stop') {
          pace.release();
          pace.setBlocked(false);
        }
        commands.next(c);
      }
    });
    const run = from(prepare(config, options))
      .pipe(switchMap((prepared) => runPrepared(config, prepared, commands, pace, progress, options)))
      .subscribe(subscriber);
    return () => {
      listening.unsubscribe();
      run.unsubscribe();
    };
  });

/** The seed's weights as an mlp's params for sizes [2, 1, 2]: w₁, w₂, b into the neuron, w₃, w₄ out of it. */
const seedParams = (): Params => {
  const f64 = (values: number[] | number[][]) => tensor(values, { dtype: 'float64' });
  const { w1, w2, b, w3, w4 } = seedDefaults;
  return [{ w: f64([[w1], [w2]]), b: f64([b]) }, {}, { w: f64([[w3, w4]]), b: f64([0, 0]) }];
};

/** Whether the seed's view can draw `sizes` (inputs, hidden…, outputs) legibly. */
const drawable = (sizes: readonly number[]): boolean => sizes.every((n) => n <= NETWORK_VIEW_MAX_WIDTH) && sizes.length <= 5;

/** The events of a run whose data is ready. */
const runPrepared = (
  config: RunConfig,
  { train: data, test, shows }: Prepared,
  control$: Observable<Control>,
  pace: Pacer,
  progress: { sent(step: number): void },
  options: RunOptions,
): Observable<DashEvent> => {
  const now = options.now ?? (() => performance.now());
  const every = options.snapshotEveryMs ?? 150;
  const n = options.boundarySize ?? 48;
  const classes = data.numClasses;
  const sizes = [data.featureShape.reduce((a, b) => a * b, 1), ...config.hiddenSizes, classes];
  const isSeed = config.dataset === 'seed';
  // The seed's example runs in float64 so its numbers are the docs page's to the last digit.
  const model = mlp({ sizes, activation: config.activation, dtype: isSeed ? 'float64' : 'float32' });
  const initial = isSeed && sizes.join() === '2,1,2' ? seedParams() : model.init(runKeys(config.seed).init);
  const stepsPerEpoch = Math.floor(data.size / config.batchSize);
  const extent = shows === 'points' ? extentOf(data.x.data) : undefined;
  const grid = extent ? gridPoints(n, extent) : undefined;
  const shown = shows === 'digits' ? take(test, Math.min(options.digitCount ?? 32, test.size)) : undefined;
  const setup: DashEvent = {
    type: 'setup',
    dataset: data.name,
    backend: describeBackend(options.backend ?? getBackend()),
    classes,
    trainSize: data.size,
    testSize: test.size,
    params: countParams(initial),
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * config.epochs,
    ...(extent ? { points: { xy: Float32Array.from(data.x.data), labels: Uint8Array.from(data.y.data), extent } } : {}),
    ...(shown ? { digits: { pixels: Uint8Array.from(shown.x.data, (v) => Math.round(v * 255)), labels: Uint8Array.from(shown.y.data) } } : {}),
  };
  const snapshot = (params: Params, step: number): DashEvent[] => {
    if (grid !== undefined) {
      const p = softmax(model.apply(params, grid), { axis: -1 }).data;
      const classOf = new Uint8Array(n * n);
      const confidence = new Float32Array(n * n);
      for (let c = 0; c < n * n; c++) {
        let best = 0;
        for (let k = 1; k < classes; k++) if (p[c * classes + k] > p[c * classes + best]) best = k;
        classOf[c] = best;
        // 1/classes (a guess) maps to 0, certainty to 1.
        confidence[c] = (p[c * classes + best] - 1 / classes) / (1 - 1 / classes);
      }
      return [{ type: 'boundary', step, size: n, classOf, confidence }];
    }
    return shown === undefined ? [] : [{ type: 'digits', step, predicted: Uint8Array.from(predictClasses(model.apply(params, shown.x))) }];
  };
  // The seed's view follows the first training example.
  const example = Array.from(data.x.data.subarray(0, sizes[0]));
  const exampleLabel = data.y.data[0];
  const network = (params: Params, step: number): DashEvent[] =>
    drawable(sizes) ? [{ type: 'network', ...networkView(params, example, exampleLabel, config.activation, step) }] : [];
  // Gradients for the histograms: the loss's gradient on a fixed batch (the first rows), jitted once.
  const probe = take(data, Math.min(config.batchSize, data.size));
  const probeGrad = jit((p: Params, x: Tensor, y: Tensor) => grad(lossOf(model))(p, x, y));
  const paths = paramNames(initial);
  const histEvery = Math.max(1, Math.ceil((stepsPerEpoch * config.epochs) / 150));
  const histograms = (params: Params, step: number): DashEvent => {
    const gs = treeLeaves(probeGrad(params, probe.x, probe.y));
    const leaves = treeLeaves(params).map((w, i): LeafSummary => ({ path: paths[i], shape: [...w.shape], weights: summarize(w.data), grads: summarize(gs[i].data) }));
    return { type: 'histograms', step, leaves };
  };
  let last = -Infinity;
  let lastHist = -1;
  const snapshots = (params: Params, step: number): DashEvent[] => [...snapshot(params, step), ...network(params, step)];
  const toDash = (e: TrainEvent): DashEvent[] => {
    if (e.type === 'step') {
      progress.sent(e.step);
      const step: DashEvent = { type: 'step', epoch: e.epoch, step: e.step, loss: e.loss, accuracy: e.accuracy, learningRate: e.learningRate, ms: e.ms };
      const hist = e.step % histEvery === 0 ? [histograms(e.params, (lastHist = e.step))] : [];
      if (!pace.holding && now() - last < every) return [step, ...hist];
      last = now();
      return [step, ...snapshots(e.params, e.step), ...hist];
    }
    if (e.type === 'epoch') {
      return [{ type: 'epoch', epoch: e.epoch, step: e.step, loss: e.loss, accuracy: e.metrics.accuracy, validationAccuracy: e.validation?.accuracy, validationLoss: e.validation?.loss }];
    }
    return [...snapshots(e.params, e.step), ...(lastHist === e.step ? [] : [histograms(e.params, e.step)]), { type: 'done', epoch: e.epoch, step: e.step, stopped: e.stopped }];
  };
  return concat(
    of(setup),
    defer(() => from<DashEvent[]>([{ type: 'graph', ...lossGraphs(model, initial, Math.min(config.batchSize, data.size)) }, ...snapshots(initial, 0), histograms(initial, 0)])),
    train({
      model,
      data,
      validation: test,
      optimizer: sgd({ learningRate: config.learningRate, momentum: config.momentum }),
      epochs: config.epochs,
      batchSize: config.batchSize,
      seed: config.seed,
      params: initial,
      control$,
      scheduler: pace.scheduler,
      debugNans: config.debugNans,
      ...(options.backend === undefined ? {} : { backend: options.backend }),
    }).pipe(mergeMap(toDash)),
  );
};
