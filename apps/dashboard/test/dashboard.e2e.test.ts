// End-to-end tests of the dashboard in headless Chromium: one page, driven through a run's life.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { PreviewServer } from 'vite';
import type { DashboardStatus } from '../src/status.js';
import { artifactsDir, ensureBuilt, launchChromium, servePage } from './browser.js';

let server: PreviewServer | undefined;
let browser: Browser | undefined;
let page: Page;
let url: string;
const consoleErrors: string[] = [];

const status = (): Promise<DashboardStatus> => page.evaluate(() => window.__dashboard);

/** Waits until `predicate` holds of `s = window.__dashboard` (it runs in the page); returns that `s`. */
const waitForStatus = async (predicate: string, timeout = 30_000): Promise<DashboardStatus> => {
  const handle = await page.waitForFunction(`(() => { const s = window.__dashboard; return s !== undefined && (${predicate}) ? s : false; })()`, undefined, { timeout, polling: 50 });
  return (await handle.jsonValue()) as DashboardStatus;
};

const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const settings = async (values: { dataset?: string; hidden?: string; activation?: string; lr?: string; momentum?: string; batch?: string; epochs?: string; seed?: string }): Promise<void> => {
  if (values.dataset !== undefined) await page.selectOption('[data-testid=dataset]', values.dataset);
  if (values.activation !== undefined) await page.selectOption('[data-testid=activation]', values.activation);
  const fields: [string, string | undefined][] = [
    ['hidden-sizes', values.hidden],
    ['learning-rate', values.lr],
    ['momentum', values.momentum],
    ['batch-size', values.batch],
    ['epochs', values.epochs],
    ['seed', values.seed],
  ];
  for (const [id, v] of fields) if (v !== undefined) await page.fill(`[data-testid=${id}]`, v);
};

beforeAll(async () => {
  await ensureBuilt();
  ({ server, url } = await servePage());
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => consoleErrors.push(`page: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && consoleErrors.push(`worker console: ${m.text()}`)));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('dashboard in Chromium', () => {
  it('loads with no console errors', async () => {
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    const s = await waitForStatus(`s.state === 'idle'`);
    expect(s.lossPoints).toBe(0);
    expect(await page.locator('[data-testid=loss-chart] canvas').count()).toBeGreaterThan(0);
    await shot('01-loaded');
    expect(consoleErrors).toEqual([]);
  });

  it('trains on spirals: the loss chart gains points and the loss falls', async () => {
    await settings({ dataset: 'spirals', hidden: '16, 16', activation: 'tanh', lr: '0.1', momentum: '0.9', batch: '16', epochs: '400', seed: '0' });
    await page.click('[data-testid=start]');
    const early = await waitForStatus(`s.state === 'running' && s.lossPoints >= 20`);
    expect(early.firstLoss).toBeGreaterThan(0.5); // 3 classes: about ln 3 ≈ 1.1 at the start
    // The smoothed loss must fall well below where it started.
    const later = await waitForStatus(`s.smoothedLoss !== null && s.smoothedLoss < 0.6 * s.firstLoss && s.lossPoints > ${early.lossPoints}`, 60_000);
    expect(later.lossPoints).toBeGreaterThan(early.lossPoints);
    expect(later.smoothedLoss!).toBeLessThan(0.6 * later.firstLoss!);
    expect(later.boundaryDraws).toBeGreaterThan(1);
    expect(later.accuracyPoints).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=digits-panel]').isHidden()).toBe(true);
    await shot('02-training');
  });

  it('sends a new learning rate to the running trainer', async () => {
    await page.fill('[data-testid=learning-rate]', '0.05');
    await page.dispatchEvent('[data-testid=learning-rate]', 'change');
    const s = await waitForStatus(`s.learningRate === 0.05`);
    expect(s.state).toBe('running');
  });

  it('pause stops the updates and resume continues them', async () => {
    await page.click('[data-testid=pause]');
    await waitForStatus(`s.state === 'paused'`);
    await sleep(300); // a step already under way may still arrive
    const paused = await status();
    await sleep(1000);
    const stillPaused = await status();
    expect(stillPaused.steps).toBe(paused.steps);
    expect(stillPaused.lossPoints).toBe(paused.lossPoints);
    expect(stillPaused.lossLastStep).toBe(paused.lossLastStep);
    await shot('03-paused');
    // The picture in docs/dashboard.md: the top of the page, mid-run.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(artifactsDir, 'dashboard.png') });
    await page.click('[data-testid=resume]');
    const resumed = await waitForStatus(`s.state === 'running' && s.steps > ${paused.steps + 10}`);
    expect(resumed.lossLastStep).toBeGreaterThan(paused.lossLastStep + 10);
    await shot('04-resumed');
  });

  it('stop ends the run; restart begins a fresh one', async () => {
    await page.click('[data-testid=stop]');
    const stopped = await waitForStatus(`s.state === 'stopped'`);
    await sleep(500);
    expect((await status()).steps).toBe(stopped.steps);
    expect(await page.isEnabled('[data-testid=restart]')).toBe(true);
    await shot('05-stopped');
    await page.click('[data-testid=restart]');
    const restarted = await waitForStatus(`s.run === ${stopped.run + 1} && s.state === 'running' && s.steps >= 20`);
    // A fresh run: its steps count again from 1 and the chart was emptied first.
    expect(restarted.step).toBe(restarted.steps);
    expect(restarted.lossPoints).toBeLessThanOrEqual(restarted.steps);
    await shot('06-restarted');
  });

  it('shows the forward graph and the gradient graph reverse mode built from it', async () => {
    const s = await waitForStatus(`s.graph.forward > 0`);
    const forward = page.locator('[data-testid=graph-forward] [data-testid=graph-node]');
    const gradient = page.locator('[data-testid=graph-gradient] [data-testid=graph-node]');
    expect(await forward.count()).toBe(s.graph.forward);
    expect(await gradient.count()).toBe(s.graph.gradient);
    const backward = await page.locator('[data-testid=graph-gradient] [data-testid=graph-node][data-part=backward]').count();
    expect(backward).toBe(s.graph.backward);
    expect(backward).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=graph-forward] [data-testid=graph-node][data-part=backward]').count()).toBe(0);
    // Both graphs compute the loss through matmuls; the gradient graph also holds the reversed pass.
    const forwardOps = await forward.evaluateAll((ns) => ns.map((n) => n.getAttribute('data-op')));
    expect(forwardOps).toContain('core.matmul');
    expect(forwardOps).toContain('core.softmaxCrossEntropy');
    expect(await gradient.count()).toBeGreaterThan(await forward.count());
    const labels = await forward.evaluateAll((ns) => ns.map((n) => n.textContent ?? ''));
    expect(labels.some((l) => l.includes('matmul') && /\[\d+×\d+\]/.test(l))).toBe(true);
    await page.locator('[data-testid=graph-gradient]').scrollIntoViewIfNeeded();
    await shot('07-graphs');
    await page.locator('[data-testid=graphs-panel]').screenshot({ path: join(artifactsDir, 'graphs.png') });
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
    await shot('08-nan-error');
    await settings({ lr: '0.1', activation: 'tanh' });
    await page.click('[data-testid=start]');
    const again = await waitForStatus(`s.state === 'running' && s.steps >= 20`);
    expect(again.error).toBeNull();
    expect(await banner.isHidden()).toBe(true);
    await page.click('[data-testid=stop]');
    await waitForStatus(`s.state === 'stopped'`);
  });

  it('trains on MNIST and labels a grid of test digits, marking the wrong ones', async () => {
    await settings({ dataset: 'mnist', hidden: '32', activation: 'relu', lr: '0.1', momentum: '0.9', batch: '32', epochs: '5' });
    await page.click('[data-testid=start]');
    await waitForStatus(`s.state === 'running' && s.digitsDraws >= 2`, 60_000);
    // Paused, the grid holds still while it is compared with the status.
    await page.click('[data-testid=pause]');
    await sleep(300);
    const s = await status();
    const cells = page.locator('[data-testid=digits] [data-testid=digit]');
    expect(await cells.count()).toBe(32);
    const marks = await cells.evaluateAll((cs) => cs.map((c) => ({ wrong: c.classList.contains('wrong'), truth: c.getAttribute('data-truth'), predicted: c.getAttribute('data-predicted') })));
    expect(marks.every((m) => m.wrong === (m.truth !== m.predicted))).toBe(true);
    expect(marks.filter((m) => m.wrong).length).toBe(s.wrongDigits);
    expect(await page.locator('[data-testid=boundary-panel]').isHidden()).toBe(true);
    await page.locator('[data-testid=digits-panel]').scrollIntoViewIfNeeded();
    await shot('09-mnist');
    await page.click('[data-testid=stop]');
    await waitForStatus(`s.state === 'stopped'`);
  });

  it('names the field of a bad setting and starts nothing', async () => {
    const before = await status();
    await settings({ dataset: 'moons', batch: '0', hidden: '8, x', epochs: '200' });
    await page.click('[data-testid=start]');
    const s = await waitForStatus(`s.error !== null`);
    expect(s.error).toContain('batchSize: expected positive integer, got 0');
    expect(s.error).toContain('hiddenSizes[1]: expected integer in 1…1024, got "x"');
    expect(s.run).toBe(before.run);
    expect(s.state).toBe(before.state);
    await settings({ batch: '16', hidden: '8' });
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
