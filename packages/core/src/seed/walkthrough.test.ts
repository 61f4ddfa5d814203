import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { seedWalkthrough, seedDefaults, walkthroughMarkdown } from './walkthrough.js';

const root = new URL('../../../../', import.meta.url).pathname;

describe("the seed's worked example", () => {
  it('every formula of the notes holds with chainrule gradients, and gradients equal central differences to 1e-8', () => {
    const { rows } = seedWalkthrough();
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const r of rows) {
      expect(Math.abs(r.lhs - r.rhs), r.formula).toBeLessThan(1e-12);
      if (r.numeric !== undefined) expect(Math.abs(r.lhs - r.numeric), `${r.formula} vs finite difference`).toBeLessThan(1e-8);
    }
  });
  it('the formulas hold for random weights, inputs and targets', () => {
    const num = fc.double({ min: -2, max: 2, noNaN: true });
    fc.assert(
      fc.property(num, num, num, num, num, num, num, fc.boolean(), (x1, x2, w1, w2, b, w3, w4, first) => {
        const { rows } = seedWalkthrough({ x1, x2, w1, w2, b, w3, w4, target: first ? [1, 0] : [0, 1] });
        for (const r of rows) {
          expect(Math.abs(r.lhs - r.rhs), r.formula).toBeLessThan(1e-10);
          if (r.numeric !== undefined) expect(Math.abs(r.lhs - r.numeric), r.formula).toBeLessThan(1e-8);
        }
      }),
      { numRuns: 30 },
    );
  });
  it('the docs page shows the output of the running code', () => {
    const page = readFileSync(`${root}docs/seed-walkthrough.md`, 'utf8');
    expect(page).toContain(walkthroughMarkdown(seedDefaults));
  });
  it('the walkthrough script runs and prints both sides', () => {
    const out = execFileSync(process.execPath, [`${root}packages/core/scripts/seed-walkthrough.mjs`], { encoding: 'utf8' });
    expect(out).toContain('∂C/∂z = σ′(z)·[w₃·∂C/∂z′ + w₄·∂C/∂z″]');
    expect(out.trim()).toBe(walkthroughMarkdown(seedDefaults).trim());
  });
});
