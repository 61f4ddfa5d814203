// The dashboard page: reads the settings, runs the training in a worker and shows its event stream.

import { Subject, type Subscription } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import mnistAsset from 'virtual:mnist-asset';
import { fromWorker } from './bridge.js';
import { liveChart } from './charts.js';
import { drawBoundary, type BoundaryFrame, type PointSet } from './boundary.js';
import { digitGrid, type DigitGrid } from './digits.js';
import { drawGraph } from './graph-view.js';
import { histogramPanel } from './histogram-view.js';
import { compareSeries, historyCsv, historyJson, newRun, type RunRecord } from './history.js';
import { drawNetwork } from './network-view.js';
import { decodeRunConfig, runConfigCodec, type Command, type DashEvent, type RunConfig } from './protocol.js';
import { exposeStatus, initialStatus, type DashboardStatus, type RunState } from './status.js';
import './style.css';

const byTestId = <T extends HTMLElement>(id: string): T => {
  const el = document.querySelector<T>(`[data-testid="${id}"]`);
  if (el === null) throw new Error(`page: no element with data-testid="${id}"`);
  return el;
};

const form = byTestId<HTMLFormElement>('settings');
const buttons = {
  start: byTestId<HTMLButtonElement>('start'),
  pause: byTestId<HTMLButtonElement>('pause'),
  resume: byTestId<HTMLButtonElement>('resume'),
  step: byTestId<HTMLButtonElement>('step'),
  stop: byTestId<HTMLButtonElement>('stop'),
  restart: byTestId<HTMLButtonElement>('restart'),
};
const stateEl = byTestId('state');
const progressEl = byTestId('progress');
const errorEl = byTestId('error');
const factsEl = byTestId('facts');
const boundaryPanel = byTestId('boundary-panel');
const boundaryCanvas = byTestId<HTMLCanvasElement>('boundary');
const boundaryStep = byTestId('boundary-step');
const digitsPanel = byTestId('digits-panel');
const digitsEl = byTestId('digits');
const lrInput = byTestId<HTMLInputElement>('learning-rate');
const speedInputs = [byTestId<HTMLInputElement>('steps-per-tick'), byTestId<HTMLInputElement>('delay-ms')];
const logInput = byTestId<HTMLInputElement>('log-scale');
const intro = byTestId('intro');
const prompt = byTestId('restart-prompt');
const networkPanel = byTestId('network-panel');
const runsList = byTestId('runs-list');

const lossChart = liveChart(byTestId('loss-chart'), {
  xLabel: 'step',
  lines: [
    { label: 'loss', stroke: 'rgba(37, 99, 235, 0.35)', width: 1 },
    { label: 'smoothed', stroke: '#1e3a8a', width: 2 },
  ],
  height: 220,
  maxPoints: 10_000,
});
const accuracyChart = liveChart(byTestId('accuracy-chart'), {
  xLabel: 'epoch',
  lines: [
    { label: 'train', stroke: '#2563eb', points: true },
    { label: 'validation', stroke: '#ea580c', points: true, dash: [5, 3] },
  ],
  yRange: [0, 1],
});
const lrChart = liveChart(byTestId('lr-chart'), { xLabel: 'step', lines: [{ label: 'learning rate', stroke: '#16a34a', width: 2 }], maxPoints: 10_000 });
const runsChart = liveChart(byTestId('runs-chart'), { xLabel: 'step', lines: [], height: 220 });
const histograms = histogramPanel({
  leaf: byTestId<HTMLSelectElement>('histogram-leaf'),
  at: byTestId<HTMLInputElement>('histogram-at'),
  atStep: byTestId('histogram-at-step'),
  weightsOverTime: byTestId('weights-over-time'),
  gradsOverTime: byTestId('grads-over-time'),
  weightsHistogram: byTestId('weights-histogram'),
  gradsHistogram: byTestId('grads-histogram'),
});

/** Line colours of the runs compared, oldest first; run k uses entry k mod length. */
const RUN_COLOURS = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#db2777', '#0891b2', '#854d0e'];

/** The settings a run is built from: changing one of them mid-run asks to restart. */
const RESTART_FIELDS = ['dataset', 'hiddenSizes', 'activation', 'momentum', 'batchSize', 'epochs', 'seed'] as const;

/** One-click starts from the intro panel: the form's values for each. */
const PRESETS: Record<string, Record<string, string | boolean>> = {
  seed: { dataset: 'seed', hiddenSizes: '1', activation: 'sigmoid', learningRate: '1', momentum: '0', batchSize: '1', epochs: '300', seed: '0', stepsPerTick: '1', delayMs: '400', startPaused: true },
  spirals: { dataset: 'spirals', hiddenSizes: '16, 16', activation: 'tanh', learningRate: '0.1', momentum: '0.9', batchSize: '16', epochs: '200', seed: '0', stepsPerTick: '1', delayMs: '0', startPaused: false },
  mnist: { dataset: 'mnist', hiddenSizes: '32', activation: 'relu', learningRate: '0.1', momentum: '0.9', batchSize: '32', epochs: '5', seed: '0', stepsPerTick: '1', delayMs: '0', startPaused: false },
};

/** The page acknowledges every this many steps (the worker runs at most 32 steps ahead). */
const SEEN_EVERY = 16;

/** How much each new loss moves the smoothed line (an exponential moving average). */
const SMOOTHING = 0.05;

const publishStatus = exposeStatus(window);
let status: DashboardStatus = initialStatus;
const setStatus = (patch: Partial<DashboardStatus>): void => {
  status = { ...status, ...patch };
  publishStatus(status);
};

/** Everything the page keeps about the run in progress and the runs before it. */
const app: {
  run: Subscription | undefined;
  control$: Subject<Command> | undefined;
  stopTimer: ReturnType<typeof setTimeout> | undefined;
  points: PointSet | undefined;
  frame: BoundaryFrame | undefined;
  boundaryPending: boolean;
  runsPending: boolean;
  /** The run ids the runs chart has lines for. */
  runsLines: string;
  grid: DigitGrid | undefined;
  smoothed: number | undefined;
  totalSteps: number;
  config: RunConfig | undefined;
  record: RunRecord | undefined;
  runs: RunRecord[];
} = {
  run: undefined,
  control$: undefined,
  stopTimer: undefined,
  points: undefined,
  frame: undefined,
  boundaryPending: false,
  runsPending: false,
  runsLines: '',
  grid: undefined,
  smoothed: undefined,
  totalSteps: 0,
  config: undefined,
  record: undefined,
  runs: [],
};

const isActive = (state: RunState): boolean => state === 'loading' || state === 'running' || state === 'paused' || state === 'stopping';

const setState = (state: RunState): void => {
  setStatus({ state });
  stateEl.textContent = state;
  stateEl.className = `state state-${state}`;
  const active = isActive(state);
  buttons.start.disabled = active;
  buttons.pause.disabled = state !== 'running';
  buttons.resume.disabled = state !== 'paused';
  buttons.step.disabled = state !== 'paused';
  intro.hidden = active;
  if (!active) askRestart(false);
  buttons.stop.disabled = !(state === 'running' || state === 'paused' || state === 'loading');
  buttons.restart.disabled = state === 'idle';
};

const showError = (message: string | null): void => {
  errorEl.hidden = message === null;
  errorEl.textContent = message ?? '';
  setStatus({ error: message });
};

const showFacts = (facts: Record<string, string>): void => {
  factsEl.replaceChildren(
    ...Object.entries(facts).flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dd.dataset.testid = `fact-${k.replace(/\s+/g, '-')}`;
      return [dt, dd];
    }),
  );
};

/** The form's values as run settings (not yet validated). */
const readForm = (): unknown => {
  const data = new FormData(form);
  const text = (name: string): string => String(data.get(name) ?? '').trim();
  // Text that is not a number is passed on as it is, so the error message quotes it.
  const num = (raw: string): number | string => (raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw);
  const hidden = text('hiddenSizes');
  return {
    dataset: text('dataset'),
    hiddenSizes: hidden === '' ? [] : hidden.split(/[\s,]+/).filter((s) => s !== '').map(num),
    activation: text('activation'),
    learningRate: num(text('learningRate')),
    momentum: num(text('momentum')),
    batchSize: num(text('batchSize')),
    epochs: num(text('epochs')),
    seed: num(text('seed')),
    stepsPerTick: num(text('stepsPerTick')),
    delayMs: num(text('delayMs')),
    startPaused: data.get('startPaused') === 'on',
    debugNans: data.get('debugNans') === 'on',
    mnistUrl: new URL(mnistAsset.path, document.baseURI).href,
  };
};

/** Writes values into the form's fields (text, select or checkbox), by field name. */
const writeForm = (values: Record<string, string | boolean | number | readonly number[]>): void => {
  for (const [name, v] of Object.entries(values)) {
    const field = form.elements.namedItem(name);
    if (field instanceof HTMLInputElement && field.type === 'checkbox') field.checked = v === true;
    else if (field instanceof HTMLInputElement || field instanceof HTMLSelectElement) field.value = Array.isArray(v) ? v.join(', ') : String(v);
  }
};

/** Shows or hides the question whether to restart with the settings now in the form. */
const askRestart = (show: boolean): void => {
  prompt.hidden = !show;
  setStatus({ restartPrompt: show });
};

/** Whether the form's data and model settings differ from those of the run in progress. */
const modelChanged = (): boolean => {
  const now = readForm() as Record<string, unknown>;
  const config = app.config as Record<string, unknown> | undefined;
  return config !== undefined && RESTART_FIELDS.some((k) => JSON.stringify(now[k]) !== JSON.stringify(config[k]));
};

/** The runs chart and list, redrawn at most once per frame. */
const drawRuns = (): void => {
  app.runsPending = false;
  const { xs, ys } = compareSeries(app.runs, 2000);
  // Rebuild the chart only when runs come or go; new points alone are a cheap setData.
  const lines = app.runs.map((r) => r.id).join();
  if (lines === app.runsLines) runsChart.setData(xs, ys);
  else runsChart.setLines(app.runs.map((r, i) => ({ label: r.label, stroke: RUN_COLOURS[i % RUN_COLOURS.length], width: 1.5 })), xs, ys);
  app.runsLines = lines;
  runsList.replaceChildren(
    ...app.runs.map((r, i) => {
      const li = document.createElement('li');
      li.dataset.testid = 'run';
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = RUN_COLOURS[i % RUN_COLOURS.length];
      const last = r.steps[r.steps.length - 1];
      li.append(swatch, `${r.label} · ${r.steps.length} steps${last ? ` · loss ${last.smoothed.toPrecision(4)}` : ''}`);
      return li;
    }),
  );
  setStatus({ runs: app.runs.length });
};
const scheduleRuns = (): void => {
  if (app.runsPending) return;
  app.runsPending = true;
  requestAnimationFrame(drawRuns);
};

/** Offers `text` as a file download named `name`. */
const download = (name: string, type: string, text: string): void => {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
};

const drawBoundaryNow = (): void => {
  app.boundaryPending = false;
  if (app.points === undefined) return;
  drawBoundary(boundaryCanvas, app.frame, app.points);
  setStatus({ boundaryDraws: status.boundaryDraws + 1 });
};

const handle = (e: DashEvent): void => {
  switch (e.type) {
    case 'setup': {
      app.totalSteps = e.totalSteps;
      app.points = e.points;
      boundaryPanel.hidden = e.points === undefined;
      digitsPanel.hidden = e.digits === undefined;
      app.grid = e.digits ? digitGrid(digitsEl, e.digits.pixels, e.digits.labels) : undefined;
      if (app.points !== undefined) drawBoundaryNow();
      showFacts({
        dataset: e.dataset,
        classes: String(e.classes),
        'train / test': `${e.trainSize} / ${e.testSize}`,
        params: e.params.toLocaleString('en'),
        'steps per epoch': String(e.stepsPerEpoch),
        backend: e.backend,
      });
      if (status.state === 'loading') setState(app.config?.startPaused ? 'paused' : 'running');
      return;
    }
    case 'network': {
      networkPanel.hidden = false;
      byTestId('network-step').textContent = `at step ${e.step}, on the training example x = (${e.x.map((v) => v.toPrecision(3)).join(', ')}), class ${e.label}, C = ${e.cost.toPrecision(6)}`;
      drawNetwork(byTestId('network'), byTestId('network-explain'), e);
      setStatus({ networkStep: e.step });
      return;
    }
    case 'histograms': {
      histograms.add(e.step, e.leaves);
      app.record?.histograms.push({ step: e.step, leaves: e.leaves });
      byTestId('histograms-step').textContent = `per parameter, over time · ${histograms.snapshots} snapshots, the last at step ${e.step}`;
      setStatus({ histogramSnapshots: histograms.snapshots });
      return;
    }
    case 'graph': {
      const backward = e.gradient.nodes.filter((n) => n.part === 'backward').length;
      byTestId('forward-count').textContent = `${e.forward.nodes.length} nodes`;
      byTestId('gradient-count').textContent = `${e.gradient.nodes.length} nodes, ${backward} added by reverse mode`;
      drawGraph(byTestId('graph-forward'), e.forward);
      drawGraph(byTestId('graph-gradient'), e.gradient);
      const fused = e.compiled.nodes.filter((n) => n.op.startsWith('compiler.')).length;
      byTestId('compiled-count').textContent = `${e.compiled.nodes.length} nodes, ${fused} fused`;
      drawGraph(byTestId('graph-compiled'), e.compiled);
      setStatus({ graph: { forward: e.forward.nodes.length, gradient: e.gradient.nodes.length, backward, compiled: e.compiled.nodes.length, fused } });
      return;
    }
    case 'step': {
      const smoothed = app.smoothed === undefined || !Number.isFinite(app.smoothed) ? e.loss : SMOOTHING * e.loss + (1 - SMOOTHING) * app.smoothed;
      app.smoothed = smoothed;
      lossChart.push(e.step, [Number.isFinite(e.loss) ? e.loss : null, Number.isFinite(smoothed) ? smoothed : null]);
      lrChart.push(e.step, [e.learningRate]);
      app.record?.steps.push({ step: e.step, epoch: e.epoch, loss: e.loss, smoothed, learningRate: e.learningRate, accuracy: e.accuracy });
      // Flow control: tell the worker how far the page has got, so it never runs far ahead.
      if (e.step % SEEN_EVERY === 0) send({ type: 'seen', step: e.step });
      scheduleRuns();
      progressEl.textContent = `epoch ${e.epoch}/${app.config?.epochs ?? '?'} · step ${e.step}/${app.totalSteps} · loss ${e.loss.toFixed(4)}`;
      setStatus({
        step: e.step,
        epoch: e.epoch,
        steps: status.steps + 1,
        lossPoints: lossChart.size,
        lossLastStep: e.step,
        firstLoss: status.firstLoss ?? e.loss,
        lastLoss: e.loss,
        smoothedLoss: smoothed,
        learningRate: e.learningRate,
      });
      return;
    }
    case 'epoch': {
      accuracyChart.push(e.epoch, [e.accuracy, e.validationAccuracy ?? null]);
      app.record?.epochs.push({ epoch: e.epoch, step: e.step, loss: e.loss, accuracy: e.accuracy, validationAccuracy: e.validationAccuracy, validationLoss: e.validationLoss });
      setStatus({ accuracyPoints: accuracyChart.size, trainAccuracy: e.accuracy, validationAccuracy: e.validationAccuracy ?? null });
      return;
    }
    case 'boundary': {
      app.frame = e;
      boundaryStep.textContent = `at step ${e.step}`;
      if (!app.boundaryPending) {
        app.boundaryPending = true;
        requestAnimationFrame(drawBoundaryNow);
      }
      return;
    }
    case 'digits': {
      const wrong = app.grid?.label(e.predicted) ?? 0;
      setStatus({ digitsDraws: status.digitsDraws + 1, wrongDigits: wrong });
      return;
    }
    case 'held': {
      setStatus({ heldAtStep: e.step });
      return;
    }
    case 'done': {
      setState(e.stopped ? 'stopped' : 'done');
      return;
    }
  }
};

const finish = (): void => {
  clearTimeout(app.stopTimer);
  app.run = undefined;
  app.control$ = undefined;
};

const start = (): void => {
  // Bad settings leave the current run (if any) alone.
  const config = decodeRunConfig(readForm());
  if (isLeft(config)) {
    showError(`Settings: ${config.left}`);
    return;
  }
  app.run?.unsubscribe();
  finish();
  showError(null);
  askRestart(false);
  lossChart.reset();
  accuracyChart.reset();
  lrChart.reset();
  histograms.reset();
  networkPanel.hidden = true;
  app.smoothed = undefined;
  app.frame = undefined;
  app.config = config.right;
  progressEl.textContent = '';
  setStatus({ ...initialStatus, run: status.run + 1, dataset: config.right.dataset, config: config.right, logScale: status.logScale });
  app.record = newRun(status.run, config.right);
  app.runs.push(app.record);
  scheduleRuns();
  document.body.classList.remove('fresh');
  setState('loading');
  const commands = new Subject<Command>();
  app.control$ = commands;
  const worker = (): Worker => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'chainrule-training' });
  app.run = fromWorker<RunConfig, DashEvent, Command>(worker, config.right, commands).subscribe({
    next: handle,
    error: (e: Error) => {
      finish();
      showError(`${e.name}: ${e.message}`);
      setState('error');
    },
    complete: () => {
      finish();
      if (status.state !== 'done' && status.state !== 'stopped') setState('stopped');
    },
  });
};

const send = (command: Command): void => app.control$?.next(command);

buttons.start.addEventListener('click', start);
buttons.restart.addEventListener('click', start);
buttons.pause.addEventListener('click', () => {
  send({ type: 'pause' });
  setState('paused');
});
buttons.resume.addEventListener('click', () => {
  setStatus({ heldAtStep: null });
  send({ type: 'resume' });
  setState('running');
});
buttons.step.addEventListener('click', () => {
  setStatus({ heldAtStep: null });
  send({ type: 'step' });
});
buttons.stop.addEventListener('click', () => {
  send({ type: 'stop' });
  setState('stopping');
  // A run that does not end by itself soon (e.g. still loading data) is cut off.
  clearTimeout(app.stopTimer);
  app.stopTimer = setTimeout(() => {
    app.run?.unsubscribe();
    finish();
    setState('stopped');
  }, 3000);
});
lrInput.addEventListener('change', () => {
  const value = Number(lrInput.value);
  if (app.control$ === undefined) return;
  if (!Number.isFinite(value) || value <= 0) {
    showError(`Settings: learningRate: expected positive number, got ${JSON.stringify(lrInput.value)}`);
    return;
  }
  showError(null);
  send({ type: 'setLearningRate', learningRate: value });
});
for (const input of speedInputs) {
  input.addEventListener('change', () => {
    if (app.control$ === undefined) return;
    const f = readForm() as Record<string, unknown>;
    const tick = runConfigCodec.props.stepsPerTick.decode(f.stepsPerTick), delay = runConfigCodec.props.delayMs.decode(f.delayMs);
    if (tick._tag === 'Left' || delay._tag === 'Left') {
      showError(`Settings: speed: expected steps per tick in 1…10000 and a rest in 0…60000 ms, got ${JSON.stringify(f.stepsPerTick)} and ${JSON.stringify(f.delayMs)}`);
      return;
    }
    showError(null);
    send({ type: 'setSpeed', stepsPerTick: tick.right, delayMs: delay.right });
  });
}
form.addEventListener('change', (e) => {
  const name = (e.target as HTMLInputElement | null)?.name;
  if (!isActive(status.state) || !(RESTART_FIELDS as readonly string[]).includes(name ?? '')) return;
  askRestart(modelChanged());
});
byTestId('prompt-restart').addEventListener('click', start);
byTestId('prompt-keep').addEventListener('click', () => {
  if (app.config !== undefined) writeForm(Object.fromEntries(RESTART_FIELDS.map((k) => [k, app.config![k]])));
  askRestart(false);
});
for (const button of intro.querySelectorAll<HTMLButtonElement>('[data-preset]')) {
  button.addEventListener('click', () => {
    writeForm(PRESETS[button.dataset.preset ?? ''] ?? {});
    start();
  });
}
logInput.addEventListener('change', () => {
  for (const chart of [lossChart, lrChart, runsChart]) chart.setLog(logInput.checked);
  setStatus({ logScale: logInput.checked });
});
byTestId('export-csv').addEventListener('click', () => download('chainrule-history.csv', 'text/csv', historyCsv(app.runs)));
byTestId('export-json').addEventListener('click', () => download('chainrule-history.json', 'application/json', historyJson(app.runs)));
byTestId('forget-runs').addEventListener('click', () => {
  app.runs = app.record !== undefined && isActive(status.state) ? [app.record] : [];
  drawRuns();
});
form.addEventListener('submit', (e) => e.preventDefault());

setState('idle');
