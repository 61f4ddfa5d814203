// Tests of the seed's view: the seed's numbers, hand-derived formulas and finite differences of the real network.

import { describe, expect, it } from 'vitest';
import { key, tensor, type Tensor } from '@chainrule/core';
import { seedDefaults, seedWalkthrough } from '@chainrule/core/seed';
import { mlp, type Params } from '@chainrule/nn';
import { networkView } from './network.js';
import { explainNeuron, explainWeight } from './network-view.js';

const f64 = (v: number[] | number[][]): Tensor => tensor(v, { dtype: 'float64' });
const { x1, x2, w1, w2, b, w3, w4 } = seedDefaults;
const seedParams: Params = [{ w: f64([[w1], [w2]]), b: f64([b]) }, {}, { w: f64([[w3, w4]]), b: f64([0, 0]) }];
const sigma = (v: number): number => 1 / (1 + Math.exp(-v));

describe('networkView', () => {
  it("gives the seed's numbers: the docs page's table and the formula worked by hand", () => {
    const view = networkView(seedParams, [x1, x2], 0, 'sigmoid', 0);
    const [hidden, out] = view.layers;
    // By hand: z = x₁w₁ + x₂w₂ + b, a = σ(z), y = softmax(a·w₃, a·w₄), target class 0.
    const z = x1 * w1 + x2 * w2 + b, a = sigma(z);
    const e1 = Math.exp(a * w3), e2 = Math.exp(a * w4);
    const y1 = e1 / (e1 + e2), y2 = e2 / (e1 + e2);
    const dz1 = y1 - 1, dz2 = y2;
    const dz = a * (1 - a) * (w3 * dz1 + w4 * dz2);
    expect(hidden.z[0]).toBeCloseTo(z, 14);
    expect(hidden.a[0]).toBeCloseTo(a, 14);
    expect(out.dCdz[0]).toBeCloseTo(dz1, 14);
    expect(out.dCdz[1]).toBeCloseTo(dz2, 14);
    expect(hidden.dCdz[0]).toBeCloseTo(dz, 14);
    expect(hidden.dCdw[0][0]).toBeCloseTo(x1 * dz, 14);
    expect(out.dCdw[0][0]).toBeCloseTo(a * dz1, 14);
    expect(view.cost).toBeCloseTo(-Math.log(y1), 14);
    // The same numbers as the walkthrough the docs page prints.
    const rows = seedWalkthrough().rows;
    const row = (start: string): number => rows.find((r) => r.formula.startsWith(start))!.lhs;
    expect(hidden.dCdz[0]).toBeCloseTo(row('∂C/∂z = σ′(z)'), 12);
    expect(out.dCdw[0][1]).toBeCloseTo(row('∂C/∂w₄'), 12);
    expect(hidden.actPrime[0]).toBeCloseTo(row('σ′(z)'), 12);
  });

  it('∂C/∂z and ∂C/∂w of a 2-3-2 tanh network equal central differences of its cost', () => {
    const model = mlp({ sizes: [2, 3, 2], activation: 'tanh', dtype: 'float64' });
    const params = model.init(key(3));
    const x = [0.7, -1.2], label = 1;
    const view = networkView(params, x, label, 'tanh', 5);
    // The cost of the real model, with `dz` added to hidden pre-activation j.
    const costWith = (p: Params, j = -1, dz = 0): number => {
      const [l0, , l2] = p as [{ w: Tensor; b: Tensor }, unknown, { w: Tensor; b: Tensor }];
      const h = [0, 1, 2].map((k) => Math.tanh(x[0] * l0.w.data[k] + x[1] * l0.w.data[3 + k] + l0.b.data[k] + (k === j ? dz : 0)));
      const o = [0, 1].map((m) => h.reduce((s, v, k) => s + v * l2.w.data[2 * k + m], l2.b.data[m]));
      const lse = Math.log(Math.exp(o[0]) + Math.exp(o[1]));
      return lse - o[label];
    };
    const eps = 1e-6;
    expect(view.cost).toBeCloseTo(costWith(params), 12);
    for (let j = 0; j < 3; j++) {
      const fd = (costWith(params, j, eps) - costWith(params, j, -eps)) / (2 * eps);
      expect(view.layers[0].dCdz[j]).toBeCloseTo(fd, 8);
      // The seed's identities hold for every neuron and weight.
      const e = explainNeuron(view, 0, j);
      expect(Math.abs(e.fromGrad - e.fromFormula)).toBeLessThan(1e-12);
      for (let i = 0; i < 2; i++) expect(Math.abs(explainWeight(view, 0, i, j).fromGrad - explainWeight(view, 0, i, j).fromFormula)).toBeLessThan(1e-12);
    }
    // The view's forward pass is the model's: the output neurons' z are the model's logits.
    const logits = model.apply(params, tensor([x], { dtype: 'float64' }));
    expect(view.layers[1].z[0]).toBeCloseTo(logits.data[0], 12);
    expect(view.layers[1].z[1]).toBeCloseTo(logits.data[1], 12);
  });

  it("explains the seed's hidden neuron with the notes' names and its numbers", () => {
    const view = networkView(seedParams, [x1, x2], 0, 'sigmoid', 0);
    const e = explainNeuron(view, 0, 0);
    expect(e.lines[0]).toBe('∂C/∂z = σ′(z)·[w₃·∂C/∂z′ + w₄·∂C/∂z″]');
    expect(e.lines[1]).toBe('= 0.179803 · [1.3 · (-0.156714) + (-0.9) · 0.156714]');
    expect(explainWeight(view, 1, 0, 0).lines[0]).toBe('∂C/∂w₃ = a·∂C/∂z′');
    expect(explainWeight(view, 0, 1, 0).lines[0]).toBe('∂C/∂w₂ = x₂·∂C/∂z');
    expect(explainNeuron(view, 1, 0).lines[0]).toBe('∂C/∂z′ = y − t');
  });
});
