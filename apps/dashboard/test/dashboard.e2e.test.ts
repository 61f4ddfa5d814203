// End-to-end tests of the dashboard in headless Chromium: one desktop page driven through runs, then a 390 px phone page.

import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import { seedDefaults } from '@chainrule/core/seed';
import type { DashboardStatus } from '../src/status.js';
import { artifactsDir, ensureBuilt, launchChromium, packageDir, servePage } from './browser.js';

let server: PreviewServer | undefined;
let browser: Browser | undefined;
let page: Page;
let url: string;
const consoleErrors: string[] = [];

/** With UPDATE_DOCS_SCREENSHOTS=1 the pictures of docs/dashboard.md are refreshed from this run. */
const docsImg = process.env.UPDATE_DOCS_SCREENSHOTS === '1' ? join(packageDir, '..', '..', 'docs', 'img') : undefined;

const status = (p: Page = page): Promise<DashboardStatus> => p.evaluate(() => window.__dashboard);

/** Waits until `predicate` holds of `s = window.__dashboard` (it runs in the page); returns that `s`. */
const waitForStatus = async (predicate: string, timeout = 30_000, p: Page = page): Promise<DashboardStatus> => {
  try {
    const handle = await p.waitForFunction(`(() => { const s = window.__dashboard; return s !== undefined && (${predicate}) ? s : false; })()`, undefined, { timeout, polling: 50 });
    return (await handle.jsonValue()) as DashboardStatus;
  } catch (e) {
    // Say what the page was doing instead, so a failure can be understood from the log.
    const { state, run, step, steps, error } = await status(p);
    throw new Error(`waiting for ${predicate}: ${(e as Error).message.split('\n')[0]}; the page is ${JSON.stringify({ state, run, step, steps, error })}`);
  }
};

/** Saves a screenshot of the page's viewport, or of one element, as artifacts/<name>.png (and docs/img/dashboard-<name>.png). */
const shot = async (name: string, target: Page | Locator = page): Promise<void> => {
  const path = join(artifactsDir, `${name}.png`);
  await target.screenshot({ path });
  if (docsImg !== undefined) {
    mkdirSync(docsImg, { recursive: true });
    copyFileSync(path, join(docsImg, `dashboard-${name}.png`));
  }
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const settings = async (values: { dataset?: string; hidden?: string; activation?: string; lr?: string; momentum?: string; batch?: string; epochs?: string; seed?: string; tick?: string; delay?: string }): Promise<void> => {
  if (values.dataset !== undefined) await page.selectOption('[data-testid=dataset]', values.dataset);
  if (values.activation !== undefined) await page.selectOption('[data-testid=activation]', values.activation);
  const fields: [string, string | undefined][] = [
    ['hidden-sizes', values.hidden],
    ['learning-rate', values.lr],
    ['momentum', values.momentum],
    ['batch-size', values.batch],
    ['epochs', values.epochs],
    ['seed', values.seed],
    ['steps-per-tick', values.tick],
    ['delay-ms', values.delay],
  ];
  for (const [id, v] of fields) if (v !== undefined) await page.fill(`[data-testid=${id}]`, v);
};

/** The seed's forward and backward pass worked by hand in float64, for weights w and input x. */
const seedByHand = (w: { w1: number; w2: number; b: number; w3: number; w4: number; c3: number; c4: number }, x1: number, x2: number) => {
  const z = x1 * w.w1 + x2 * w.w2 + w.b;
  const a = 1 / (1 + Math.exp(-z));
  const e3 = Math.exp(a * w.w3 + w.c3), e4 = Math.exp(a * w.w4 + w.c4);
  const dz3 = e3 / (e3 + e4) - 1, dz4 = e4 / (e3 + e4); // target class 0: y − t
  const dz = a * (1 - a) * (w.w3 * dz3 + w.w4 * dz4);
  return { z, a, dz3, dz4, dz, dw1: x1 * dz, dw3: a * dz3 };
};

/** Reads a number the page keeps in a data attribute at full precision. */
const attr = async (selector: string, name: string, p: Page = page): Promise<number> => Number(await p.getAttribute(selector, name));

/** The seed network's current weights, read from the drawing. */
const seedWeights = async () => {
  const w = (name: string) => attr(`[data-testid=weight][data-name="${name}"]`, 'data-w');
  return { w1: await w('w₁'), w2: await w('w₂'), w3: await w('w₃'), w4: await w('w₄') };
};

/** The legend values uPlot shows for the cursor inside `chart` at (fx, fy) of its plot area. */
const hoverValues = async (chart: string, fx = 0.6, fy = 0.5): Promise<string[]> => {
  const over = page.locator(`[data-testid=${chart}] .u-over`);
  const values = page.locator(`[data-testid=${chart}] .u-legend .u-series .u-value`);
  await over.scrollIntoViewIfNeeded();
  // A panel above may still change height (a chart redrawn on its next frame): aim again until the legend answers.
  for (let attempt = 0; attempt < 10; attempt++) {
    const box = await over.boundingBox();
    if (box === null) throw new Error(`${chart}: no plot area`);
    await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height);
    const ok = await page
      .waitForFunction((id) => Number.isFinite(Number(document.querySelector(`[data-testid=${id}] .u-legend .u-series .u-value`)?.textContent)), chart, { timeout: 500 })
      .then(() => true, () => false);
    if (ok) return values.allTextContents();
  }
  throw new Error(`${chart}: the legend shows no values under the cursor: ${(await values.allTextContents()).join(' ')}`);
};

beforeAll(async () => {
  await ensureBuilt();
  ({ server, url } = await servePage());
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => consoleErrors.push(`page: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && consoleErrors.push(`worker console: ${m.text()}`)));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('dashboard in Chromium, desktop', () => {
  it('loads idle with no console errors; the idle page says what to do and offers three presets', async () => {
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    const s = await waitForStatus(`s.state === 'idle'`);
    expect(s.lossPoints).toBe(0);
    const intro = page.locator('[data-testid=intro]');
    expect(await intro.isVisible()).toBe(true);
    expect(await intro.textContent()).toContain('press Start');
    expect(await page.locator('[data-testid^=preset-]').allTextContents()).toEqual([
      expect.stringContaining("The seed's network"),
      expect.stringContaining('Spirals'),
      expect.stringContaining('MNIST'),
    ]);
    await shot('idle');
    expect(consoleErrors).toEqual([]);
  });

  it("the seed's preset starts paused at step 0 and shows the seed's numbers, checked by hand", async () => {
    await page.click('[data-testid=preset-seed]');
    const s = await waitForStatus(`s.state === 'paused' && s.networkStep === 0`);
    expect(s.dataset).toBe('seed');
    expect(s.steps).toBe(0);
    expect(await page.locator('[data-testid=intro]').isHidden()).toBe(true);
    expect(await page.locator('[data-testid=input-node]').count()).toBe(2);
    expect(await page.locator('[data-testid=neuron]').count()).toBe(3);
    expect(await page.locator('[data-testid=weight]').count()).toBe(4);
    const { x1, x2, w1, w2, b, w3, w4 } = seedDefaults;
    const hand = seedByHand({ w1, w2, b, w3, w4, c3: 0, c4: 0 }, x1, x2);
    expect(await attr('[data-testid=neuron][data-name="z"]', 'data-dcdz')).toBeCloseTo(hand.dz, 12);
    // The drawing shows ∂C/∂z under the neuron, and hovering it explains the number with the seed's formula.
    expect(await page.locator('[data-testid=neuron][data-name="z"] .grad').textContent()).toBe(`∂C/∂z ${Number(hand.dz.toPrecision(3))}`);
    await page.hover('[data-testid=neuron][data-name="z"]');
    const explain = page.locator('[data-testid=network-explain]');
    const text = (await explain.textContent()) ?? '';
    expect(text).toContain('∂C/∂z = σ′(z)·[w₃·∂C/∂z′ + w₄·∂C/∂z″]');
    expect(text).toContain(`= ${Number((hand.a * (1 - hand.a)).toPrecision(6))} · [1.3 · (${Number(hand.dz3.toPrecision(6))}) + (-0.9) · ${Number(hand.dz4.toPrecision(6))}]`);
    expect(text).toContain(`grad gives ${Number(hand.dz.toPrecision(6))}`);
    expect(text).toContain('-0.0619906'); // the docs page's −0.0619906294104
    await shot('seed', page.locator('[data-testid=network-panel]'));
    await page.hover('[data-testid=weight][data-name="w₃"] line.hit');
    const weightText = (await explain.textContent()) ?? '';
    expect(weightText).toContain('∂C/∂w₃ = a·∂C/∂z′');
    expect(Number(await explain.locator('[data-testid=explain-values]').getAttribute('data-grad'))).toBeCloseTo(hand.dw3, 12);
    expect(weightText).toContain(`grad gives ${Number(hand.dw3.toPrecision(6))}`);
  });

  it('Step runs exactly one SGD step; the new numbers again agree with the hand computation', async () => {
    const before = await seedWeights();
    await page.click('[data-testid=step]');
    const s = await waitForStatus(`s.networkStep === 1`);
    expect(s.steps).toBe(1);
    expect(s.state).toBe('paused');
    const { x1, x2, w1, b, w3 } = seedDefaults;
    const hand0 = seedByHand({ ...seedDefaults, c3: 0, c4: 0 }, x1, x2);
    const after = await seedWeights();
    // Plain SGD, learning rate 1: w ← w − ∂C/∂w.
    expect(after.w1).toBeCloseTo(before.w1 - hand0.dw1, 12);
    expect(after.w1).toBeCloseTo(w1 - x1 * hand0.dz, 12);
    expect(after.w3).toBeCloseTo(w3 - hand0.dw3, 12);
    // At the new weights (output biases moved by −∂C/∂z′ and −∂C/∂z″), ∂C/∂z by hand again.
    const hand1 = seedByHand({ ...after, b: b - hand0.dz, c3: -hand0.dz3, c4: -hand0.dz4 }, x1, x2);
    expect(await attr('[data-testid=neuron][data-name="z"]', 'data-dcdz')).toBeCloseTo(hand1.dz, 12);
    // The explanation of the neuron hovered before follows the new step.
    expect(await page.locator('[data-testid=network-explain]').textContent()).toContain(`grad gives ${Number(hand1.dw3.toPrecision(6))}`);
    await page.click('[data-testid=step]');
    expect((await waitForStatus(`s.networkStep === 2`)).steps).toBe(2);
  });

  it('runs at the chosen speed, and pause holds it exactly', async () => {
    await settings({ tick: '2', delay: '20' });
    await page.dispatchEvent('[data-testid=delay-ms]', 'change');
    await page.click('[data-testid=resume]');
    const running = await waitForStatus(`s.state === 'running' && s.steps >= 12`);
    expect(running.steps).toBeGreaterThanOrEqual(12);
    await page.click('[data-testid=pause]');
    // The worker answers the pause with the last step it sent; that step is the last to arrive.
    const paused = await waitForStatus(`s.heldAtStep !== null && s.step === s.heldAtStep`);
    await sleep(400);
    expect((await status()).steps).toBe(paused.steps);
  });

  it('a change of data or model during a run asks to restart; keeping the run puts the form back', async () => {
    await page.selectOption('[data-testid=dataset]', 'spirals');
    let s = await waitForStatus(`s.restartPrompt === true`);
    expect(s.state).toBe('paused');
    expect(s.config?.dataset).toBe('seed');
    expect(await page.locator('[data-testid=restart-prompt]').isVisible()).toBe(true);
    await shot('restart-prompt', page.locator('[data-testid=settings]'));
    await page.click('[data-testid=prompt-keep]');
    s = await waitForStatus(`s.restartPrompt === false`);
    expect(await page.inputValue('[data-testid=dataset]')).toBe('seed');
    expect(s.run).toBe(1);
    // The learning rate is not a change of model: it applies at once, no question asked.
    await page.fill('[data-testid=learning-rate]', '0.5');
    await page.dispatchEvent('[data-testid=learning-rate]', 'change');
    expect((await status()).restartPrompt).toBe(false);
    // Changing the model and agreeing starts a fresh run with the new settings.
    await settings({ dataset: 'spirals', hidden: '16, 16', activation: 'tanh', lr: '0.1', momentum: '0.9', batch: '16', epochs: '400', tick: '1', delay: '0' });
    await page.uncheck('[data-testid=start-paused]');
    await page.dispatchEvent('[data-testid=hidden-sizes]', 'change');
    await waitForStatus(`s.restartPrompt === true`);
    await page.click('[data-testid=prompt-restart]');
    s = await waitForStatus(`s.run === 2 && s.state === 'running' && s.steps > 5`);
    expect(s.config?.dataset).toBe('spirals');
    expect(s.networkStep).toBeNull(); // 16-16 hidden is more than the seed's view draws
  });

  it('trains on spirals: the loss falls; weight and gradient histograms arrive per parameter', async () => {
    const early = await waitForStatus(`s.lossPoints >= 20`);
    expect(early.firstLoss).toBeGreaterThan(0.5); // 3 classes: about ln 3 ≈ 1.1 at the start
    // The page is cross-origin isolated, so the worker trains on wasm with a thread pool.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.locator('[data-testid=fact-backend]').textContent()).toMatch(/^wasm \(\d+ threads?\)$/);
    const later = await waitForStatus(`s.smoothedLoss !== null && s.smoothedLoss < 0.6 * s.firstLoss && s.histogramSnapshots > 3`, 60_000);
    expect(later.boundaryDraws).toBeGreaterThan(1);
    expect(later.accuracyPoints).toBeGreaterThan(0);
    // A new learning rate reaches the running trainer.
    await page.fill('[data-testid=learning-rate]', '0.05');
    await page.dispatchEvent('[data-testid=learning-rate]', 'change');
    expect((await waitForStatus(`s.learningRate === 0.05`)).state).toBe('running');
    const leaves = await page.locator('[data-testid=histogram-leaf] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(leaves).toEqual(['params[0].b', 'params[0].w', 'params[2].b', 'params[2].w', 'params[4].b', 'params[4].w']);
    expect(await page.inputValue('[data-testid=histogram-leaf]')).toBe('params[0].w');
    await page.click('[data-testid=pause]');
    await waitForStatus(`s.heldAtStep !== null`);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('training');
    await page.selectOption('[data-testid=histogram-leaf]', 'params[2].w');
    // The histogram at the first snapshot counts every one of the 16×16 weights.
    await page.locator('[data-testid=histogram-at]').fill('0');
    expect(await page.textContent('[data-testid=histogram-at-step]')).toBe('0');
    const counts = await page.locator('[data-testid=weights-histogram] .u-legend').count();
    expect(counts).toBe(1);
    const max = await page.locator('[data-testid=histogram-at]').getAttribute('max');
    await page.locator('[data-testid=histogram-at]').fill(max ?? '0');
    await page.locator('[data-testid=histograms-panel]').scrollIntoViewIfNeeded();
    await shot('histograms', page.locator('[data-testid=histograms-panel]'));
  });

  it('every chart shows the values under the cursor', async () => {
    for (const chart of ['loss-chart', 'accuracy-chart', 'lr-chart', 'runs-chart', 'weights-over-time', 'grads-over-time', 'weights-histogram', 'grads-histogram']) {
      const values = await hoverValues(chart);
      // The x value and at least one line's value are numbers, not the '–' of no cursor.
      expect(values.length, chart).toBeGreaterThanOrEqual(2);
      expect(values.filter((v) => Number.isFinite(Number(v))).length, `${chart}: ${values.join(' ')}`).toBeGreaterThanOrEqual(2);
    }
    // At the loss chart's right edge the cursor reads the last loss the page received.
    const s = await status();
    const values = await hoverValues('loss-chart', 0.999);
    expect(Number(values[0])).toBe(s.lossLastStep);
    expect(Number(values[1])).toBeCloseTo(s.lastLoss!, 5);
    await page.locator('[data-testid=loss-chart]').scrollIntoViewIfNeeded();
    await shot('hover', page.locator('[data-testid=loss-chart]').locator('..'));
  });

  it('the log-scale toggle redraws the loss, learning-rate and runs charts on a log axis with the same values', async () => {
    const linear = await hoverValues('loss-chart', 0.999);
    await page.check('[data-testid=log-scale]');
    expect((await waitForStatus(`s.logScale === true`)).logScale).toBe(true);
    for (const chart of ['loss-chart', 'lr-chart', 'runs-chart']) expect(await page.getAttribute(`[data-testid=${chart}]`, 'data-scale'), chart).toBe('log');
    expect(await page.getAttribute('[data-testid=accuracy-chart]', 'data-scale')).toBe('linear');
    expect(await hoverValues('loss-chart', 0.999)).toEqual(linear);
    await shot('log-scale', page.locator('[data-testid=loss-chart]').locator('..'));
    await page.uncheck('[data-testid=log-scale]');
    expect(await page.getAttribute('[data-testid=loss-chart]', 'data-scale')).toBe('linear');
  });

  it('overlays the runs for comparison and exports the history as CSV and JSON', async () => {
    const s = await waitForStatus(`s.runs === 2`);
    const runs = await page.locator('[data-testid=run]').allTextContents();
    expect(runs).toHaveLength(2);
    expect(runs[0]).toContain('run 1 · seed 1 sigmoid');
    expect(runs[1]).toContain('run 2 · spirals 16-16 tanh');
    const labels = await page.locator('[data-testid=runs-chart] .u-legend .u-series .u-label').allTextContents();
    expect(labels.slice(1)).toEqual([expect.stringContaining('run 1'), expect.stringContaining('run 2')]);
    await page.locator('[data-testid=runs-panel]').scrollIntoViewIfNeeded();
    await shot('runs', page.locator('[data-testid=runs-panel]'));

    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-csv]')]);
    expect(csvDownload.suggestedFilename()).toBe('chainrule-history.csv');
    const csv = readFileSync(await csvDownload.path(), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('run,label,kind,step,epoch,loss,smoothed,learning_rate,accuracy,validation_accuracy,validation_loss');
    const stepRows = (run: number) => csv.slice(1).filter((l) => l.startsWith(`${run},`) && l.split(',')[2] === 'step');
    expect(stepRows(2)).toHaveLength(s.steps);
    const lastRow = stepRows(2).at(-1)!.split(',');
    expect(Number(lastRow[3])).toBe(s.step);
    expect(Number(lastRow[5])).toBeCloseTo(s.lastLoss!, 6);

    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-json]')]);
    expect(jsonDownload.suggestedFilename()).toBe('chainrule-history.json');
    const json = JSON.parse(readFileSync(await jsonDownload.path(), 'utf8'));
    expect(json.runs.map((r: { config: { dataset: string } }) => r.config.dataset)).toEqual(['seed', 'spirals']);
    expect(json.runs[1].steps).toHaveLength(s.steps);
    expect(json.runs[1].histograms).toHaveLength(s.histogramSnapshots);
    expect(json.runs[1].histograms[0].leaves[1].path).toBe('params[0].w');
  });

  it('draws the gradient graph as the jit compiler runs it, with fused nodes and the same outputs', async () => {
    const s = await waitForStatus(`s.graph.compiled > 0`);
    expect(s.graph.compiled).toBeLessThan(s.graph.gradient);
    expect(s.graph.fused).toBeGreaterThan(0);
    const compiled = page.locator('[data-testid=graph-compiled]');
    expect(await compiled.locator('[data-testid=graph-node]').count()).toBe(s.graph.compiled);
    expect(await compiled.locator('[data-testid=graph-node][data-output="loss"]').count()).toBe(1);
    expect(await page.locator('[data-testid=compiled-count]').textContent()).toBe(`${s.graph.compiled} nodes, ${s.graph.fused} fused`);
  });

  it('labels the gradient graph’s outputs with their parameter paths; zoom and pan', async () => {
    const gradient = page.locator('[data-testid=graph-gradient]');
    const outputs = await gradient.locator('[data-testid=graph-node][data-output]').evaluateAll((ns) => ns.map((n) => n.getAttribute('data-output')));
    expect(outputs.sort()).toEqual(['loss', '∂L/∂params[0].b', '∂L/∂params[0].w', '∂L/∂params[2].b', '∂L/∂params[2].w', '∂L/∂params[4].b', '∂L/∂params[4].w'].sort());
    const label = gradient.locator('[data-testid=graph-node][data-output="∂L/∂params[0].w"] text').first();
    expect(await label.textContent()).toBe('∂L/∂params[0].w');
    expect(await label.evaluate((t) => parseFloat(getComputedStyle(t).fontSize))).toBeGreaterThanOrEqual(12);
    const svg = gradient.locator('svg');
    const zoom0 = Number(await svg.getAttribute('data-zoom'));
    expect(zoom0).toBeGreaterThanOrEqual(0.6); // readable at first sight
    await gradient.locator('[data-testid=zoom-in]').click();
    expect(Number(await svg.getAttribute('data-zoom'))).toBeCloseTo(zoom0 * 1.25, 2);
    await gradient.locator('[data-testid=zoom-out]').click();
    await gradient.locator('[data-testid=zoom-out]').click();
    expect(Number(await svg.getAttribute('data-zoom'))).toBeCloseTo(zoom0 * 0.8, 2);
    // Dragging moves the view by the distance dragged, in layout units.
    const [vx, vy] = ((await svg.getAttribute('viewBox')) ?? '').split(' ').map(Number);
    const box = (await svg.boundingBox())!;
    await page.mouse.move(box.x + 200, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + 100, box.y + 150, { steps: 4 });
    await page.mouse.up();
    const zoom = Number(await svg.getAttribute('data-zoom'));
    const [vx2, vy2] = ((await svg.getAttribute('viewBox')) ?? '').split(' ').map(Number);
    expect(vx2 - vx).toBeCloseTo(100 / zoom, 0);
    expect(vy2 - vy).toBeCloseTo(50 / zoom, 0);
    // The wheel zooms in at the cursor.
    await page.mouse.move(box.x + 150, box.y + 150);
    await page.mouse.wheel(0, -200);
    await page.waitForFunction((z) => Number(document.querySelector('[data-testid=graph-gradient] svg')?.getAttribute('data-zoom')) > z, zoom);
    await gradient.locator('[data-testid=zoom-fit]').click();
    await page.locator('[data-testid=graphs-panel]').scrollIntoViewIfNeeded();
    await gradient.locator('[data-testid=zoom-in]').click();
    await gradient.locator('[data-testid=zoom-in]').click();
    await gradient.locator('[data-testid=zoom-in]').click();
    await shot('graphs', page.locator('[data-testid=graphs-panel]'));
  });

  it('Restart begins a fresh run with the same settings', async () => {
    const before = await status();
    await page.click('[data-testid=restart]');
    const s = await waitForStatus(`s.run === ${before.run + 1} && s.state === 'running' && s.steps >= 20`);
    // Its steps count again from 1 and its charts were emptied first; it joins the runs compared.
    expect(s.step).toBe(s.steps);
    expect(s.lossPoints).toBeLessThanOrEqual(s.steps);
    // It reads the form, whose learning rate was lowered during the last run.
    expect(s.config).toEqual({ ...before.config, learningRate: 0.05 });
    await waitForStatus(`s.runs === 3`);
  });

  it('shows the NaN error of a huge learning rate, and the page keeps working', async () => {
    await page.click('[data-testid=stop]');
    await waitForStatus(`s.state === 'stopped'`);
    await settings({ lr: '1e9', activation: 'relu' });
    await page.click('[data-testid=start]');
    const failed = await waitForStatus(`s.state === 'error'`);
    expect(failed.error).toMatch(/NaN|non-finite|not finite/i);
    const banner = page.locator('[data-testid=error]');
    expect(await banner.isVisible()).toBe(true);
    expect(await banner.textContent()).toBe(failed.error);
    await settings({ lr: '0.1', activation: 'tanh' });
    await page.click('[data-testid=start]');
    const again = await waitForStatus(`s.state === 'running' && s.steps >= 20`);
    expect(again.error).toBeNull();
    expect(await banner.isHidden()).toBe(true);
    await page.click('[data-testid=stop]');
    await waitForStatus(`s.state === 'stopped'`);
  });

  it('with "debug NaNs", the error names the op that made the first NaN', async () => {
    await settings({ lr: '1e30', activation: 'relu' });
    await page.check('[data-testid=debug-nans]');
    await page.click('[data-testid=start]');
    const failed = await waitForStatus(`s.state === 'error'`);
    expect(failed.error).toMatch(/NonFinite: produced \d+ NaN and \d+ infinite values/);
    expect(failed.error).toMatch(/op core\.\w+/);
    await page.uncheck('[data-testid=debug-nans]');
    await settings({ lr: '0.1', activation: 'tanh' });
  });

  it('the MNIST preset trains and labels a grid of test digits, marking the wrong ones', async () => {
    expect(await page.locator('[data-testid=intro]').isVisible()).toBe(true);
    await page.click('[data-testid=preset-mnist]');
    await waitForStatus(`s.dataset === 'mnist' && s.state === 'running' && s.digitsDraws >= 2`, 60_000);
    await page.click('[data-testid=pause]');
    await waitForStatus(`s.heldAtStep !== null`);
    const s = await status();
    const cells = page.locator('[data-testid=digits] [data-testid=digit]');
    expect(await cells.count()).toBe(32);
    const marks = await cells.evaluateAll((cs) => cs.map((c) => ({ wrong: c.classList.contains('wrong'), truth: c.getAttribute('data-truth'), predicted: c.getAttribute('data-predicted') })));
    expect(marks.every((m) => m.wrong === (m.truth !== m.predicted))).toBe(true);
    expect(marks.filter((m) => m.wrong).length).toBe(s.wrongDigits);
    expect(await page.locator('[data-testid=boundary-panel]').isHidden()).toBe(true);
    expect(await page.locator('[data-testid=network-panel]').isHidden()).toBe(true);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('mnist');
    await page.click('[data-testid=stop]');
    await waitForStatus(`s.state === 'stopped'`);
  });

  it('names the field of a bad setting and starts nothing', async () => {
    const before = await status();
    await settings({ dataset: 'moons', batch: '0', hidden: '8, x', epochs: '200', tick: '0' });
    await page.click('[data-testid=start]');
    const s = await waitForStatus(`s.error !== null`);
    expect(s.error).toContain('batchSize: expected positive integer, got 0');
    expect(s.error).toContain('hiddenSizes[1]: expected integer in 1…1024, got "x"');
    expect(s.error).toContain('stepsPerTick: expected integer in 1…10000, got 0');
    expect(s.run).toBe(before.run);
    expect(s.state).toBe(before.state);
    await settings({ batch: '16', hidden: '8', tick: '1' });
    await page.click('[data-testid=start]');
    const ok = await waitForStatus(`s.run === ${before.run + 1} && s.state === 'running' && s.steps > 5`);
    expect(ok.error).toBeNull();
    await page.click('[data-testid=stop]');
    await waitForStatus(`s.state === 'stopped'`);
  });

  it('logged no console errors during the whole session', () => {
    expect(consoleErrors).toEqual([]);
  });
});

describe('dashboard in Chromium, 390 px wide', () => {
  let phone: Page;
  const overflow = (): Promise<number> => phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  beforeAll(async () => {
    phone = await browser!.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    phone.on('pageerror', (e) => consoleErrors.push(`phone page: ${e.message}`));
    await phone.goto(url);
    await waitForStatus(`s.state === 'idle'`, 30_000, phone);
  });

  it('the idle page fits the width', async () => {
    expect(await overflow()).toBe(0);
    await shot('idle-390', phone);
  });

  it("the seed's view fits, and hovering (tapping) a neuron explains it", async () => {
    await phone.click('[data-testid=preset-seed]');
    await waitForStatus(`s.networkStep === 0`, 30_000, phone);
    const panel = phone.locator('[data-testid=network-panel]');
    await panel.scrollIntoViewIfNeeded();
    await phone.hover('[data-testid=neuron][data-name="z"]');
    expect(await phone.locator('[data-testid=network-explain]').textContent()).toContain('∂C/∂z = σ′(z)·[w₃·∂C/∂z′ + w₄·∂C/∂z″]');
    expect(await overflow()).toBe(0);
    const box = (await phone.locator('[data-testid=network] svg').boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await shot('seed-390', panel);
  });

  it('a spirals run: charts and both graphs stay inside the screen', async () => {
    await phone.click('[data-testid=stop]');
    await waitForStatus(`s.state === 'stopped'`, 30_000, phone);
    await phone.click('[data-testid=preset-spirals]');
    await waitForStatus(`s.state === 'running' && s.graph.gradient > 0 && s.steps > 40 && s.histogramSnapshots > 1`, 30_000, phone);
    await phone.click('[data-testid=pause]');
    await waitForStatus(`s.heldAtStep !== null`, 30_000, phone);
    expect(await overflow()).toBe(0);
    for (const id of ['graph-forward', 'graph-gradient', 'graph-compiled', 'loss-chart', 'runs-chart', 'weights-over-time', 'boundary']) {
      const box = (await phone.locator(`[data-testid=${id}]`).boundingBox())!;
      expect(box.x, id).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width, id).toBeLessThanOrEqual(390);
    }
    await phone.evaluate(() => window.scrollTo(0, 0));
    await shot('training-390', phone);
    const graphs = phone.locator('[data-testid=graphs-panel]');
    await graphs.scrollIntoViewIfNeeded();
    await shot('graphs-390', graphs);
    await phone.click('[data-testid=stop]');
    await waitForStatus(`s.state === 'stopped'`, 30_000, phone);
  });
});
