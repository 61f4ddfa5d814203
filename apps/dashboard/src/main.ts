// The dashboard page: reads the settings, runs the training in a worker and shows its event stream.

import { Subject, type Subscription } from 'rxjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import mnistAsset from 'virtual:mnist-asset';
import { fromWorker } from './bridge.js';
import { liveChart } from './charts.js';
import { drawBoundary, type BoundaryFrame, type PointSet } from './boundary.js';
import { digitGrid, type DigitGrid } from './digits.js';
import { drawGraph } from './graph-view.js';
import { decodeRunConfig, type Command, type DashEvent, type RunConfig } from './protocol.js';
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

/** How much each new loss moves the smoothed line (an exponential moving average). */
const SMOOTHING = 0.05;

const publishStatus = exposeStatus(window);
let status: DashboardStatus = initialStatus;
const setStatus = (patch: Partial<DashboardStatus>): void => {
  status = { ...status, ...patch };
  publishStatus(status);
};

let run: Subscription | undefined;
let control$: Subject<Command> | undefined;
let stopTimer: ReturnType<typeof setTimeout> | undefined;
let points: PointSet | undefined;
let frame: BoundaryFrame | undefined;
let boundaryPending = false;
let grid: DigitGrid | undefined;
let smoothed: number | undefined;
let totalSteps = 0;
let epochs = 0;

const setState = (state: RunState): void => {
  setStatus({ state });
  stateEl.textContent = state;
  stateEl.className = `state state-${state}`;
  const active = state === 'loading' || state === 'running' || state === 'paused' || state === 'stopping';
  buttons.start.disabled = active;
  buttons.pause.disabled = state !== 'running';
  buttons.resume.disabled = state !== 'paused';
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
    mnistUrl: new URL(mnistAsset.path, document.baseURI).href,
  };
};

const drawBoundaryNow = (): void => {
  boundaryPending = false;
  if (points === undefined) return;
  drawBoundary(boundaryCanvas, frame, points);
  setStatus({ boundaryDraws: status.boundaryDraws + 1 });
};

const handle = (e: DashEvent): void => {
  switch (e.type) {
    case 'setup': {
      totalSteps = e.totalSteps;
      points = e.points;
      boundaryPanel.hidden = e.points === undefined;
      digitsPanel.hidden = e.digits === undefined;
      grid = e.digits ? digitGrid(digitsEl, e.digits.pixels, e.digits.labels) : undefined;
      if (points !== undefined) drawBoundaryNow();
      showFacts({
        dataset: e.dataset,
        classes: String(e.classes),
        'train / test': `${e.trainSize} / ${e.testSize}`,
        params: e.params.toLocaleString('en'),
        'steps per epoch': String(e.stepsPerEpoch),
      });
      setState('running');
      return;
    }
    case 'graph': {
      const backward = e.gradient.nodes.filter((n) => n.part === 'backward').length;
      byTestId('forward-count').textContent = `${e.forward.nodes.length} nodes`;
      byTestId('gradient-count').textContent = `${e.gradient.nodes.length} nodes, ${backward} added by reverse mode`;
      drawGraph(byTestId('graph-forward'), e.forward);
      drawGraph(byTestId('graph-gradient'), e.gradient);
      setStatus({ graph: { forward: e.forward.nodes.length, gradient: e.gradient.nodes.length, backward } });
      return;
    }
    case 'step': {
      smoothed = smoothed === undefined || !Number.isFinite(smoothed) ? e.loss : SMOOTHING * e.loss + (1 - SMOOTHING) * smoothed;
      lossChart.push(e.step, [Number.isFinite(e.loss) ? e.loss : null, Number.isFinite(smoothed) ? smoothed : null]);
      lrChart.push(e.step, [e.learningRate]);
      progressEl.textContent = `epoch ${e.epoch}/${epochs} · step ${e.step}/${totalSteps} · loss ${e.loss.toFixed(4)}`;
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
      setStatus({ accuracyPoints: accuracyChart.size, trainAccuracy: e.accuracy, validationAccuracy: e.validationAccuracy ?? null });
      return;
    }
    case 'boundary': {
      frame = e;
      boundaryStep.textContent = `at step ${e.step}`;
      if (!boundaryPending) {
        boundaryPending = true;
        requestAnimationFrame(drawBoundaryNow);
      }
      return;
    }
    case 'digits': {
      const wrong = grid?.label(e.predicted) ?? 0;
      setStatus({ digitsDraws: status.digitsDraws + 1, wrongDigits: wrong });
      return;
    }
    case 'done': {
      setState(e.stopped ? 'stopped' : 'done');
      return;
    }
  }
};

const finish = (): void => {
  clearTimeout(stopTimer);
  run = undefined;
  control$ = undefined;
};

const start = (): void => {
  // Bad settings leave the current run (if any) alone.
  const config = decodeRunConfig(readForm());
  if (isLeft(config)) {
    showError(`Settings: ${config.left}`);
    return;
  }
  run?.unsubscribe();
  finish();
  showError(null);
  lossChart.reset();
  accuracyChart.reset();
  lrChart.reset();
  smoothed = undefined;
  frame = undefined;
  epochs = config.right.epochs;
  progressEl.textContent = '';
  setStatus({ ...initialStatus, run: status.run + 1, dataset: config.right.dataset, config: config.right as RunConfig });
  setState('loading');
  const commands = new Subject<Command>();
  control$ = commands;
  const worker = (): Worker => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'chainrule-training' });
  run = fromWorker<RunConfig, DashEvent, Command>(worker, config.right, commands).subscribe({
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

const send = (command: Command): void => control$?.next(command);

buttons.start.addEventListener('click', start);
buttons.restart.addEventListener('click', start);
buttons.pause.addEventListener('click', () => {
  send({ type: 'pause' });
  setState('paused');
});
buttons.resume.addEventListener('click', () => {
  send({ type: 'resume' });
  setState('running');
});
buttons.stop.addEventListener('click', () => {
  send({ type: 'stop' });
  setState('stopping');
  // A run that does not end by itself soon (e.g. still loading data) is cut off.
  stopTimer = setTimeout(() => {
    run?.unsubscribe();
    finish();
    setState('stopped');
  }, 3000);
});
lrInput.addEventListener('change', () => {
  const value = Number(lrInput.value);
  if (control$ === undefined) return;
  if (!Number.isFinite(value) || value <= 0) {
    showError(`Settings: learningRate: expected positive number, got ${JSON.stringify(lrInput.value)}`);
    return;
  }
  showError(null);
  send({ type: 'setLearningRate', learningRate: value });
});
form.addEventListener('submit', (e) => e.preventDefault());

setState('idle');
