// Plain-number reference implementations of PyTorch's optimizer updates, written out loop by loop for the tests.

/** A gradient oracle on plain number vectors. */
export type GradFn = (x: readonly number[]) => number[];

/** Learning rate at step t (t counts updates done so far, from 0). */
export type LrFn = (t: number) => number;

const lrOf = (lr: number | LrFn): LrFn => (typeof lr === 'number' ? () => lr : lr);

/** PyTorch SGD, one iterate per step (x₁ … x_steps). */
export const refSgd = (
  x0: readonly number[], grad: GradFn, steps: number,
  o: { lr: number | LrFn; momentum?: number; dampening?: number; nesterov?: boolean; weightDecay?: number },
): number[][] => {
  const lr = lrOf(o.lr), mu = o.momentum ?? 0, damp = o.dampening ?? 0, wd = o.weightDecay ?? 0;
  let x = [...x0];
  let buf: number[] | null = null;
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const g = grad(x).map((gi, i) => gi + wd * x[i]);
    let d = g;
    if (mu !== 0) {
      buf = buf === null ? [...g] : buf.map((b, i) => mu * b + (1 - damp) * g[i]);
      const b = buf;
      d = o.nesterov ? g.map((gi, i) => gi + mu * b[i]) : [...b];
    }
    x = x.map((xi, i) => xi - lr(t) * d[i]);
    out.push(x);
  }
  return out;
};

/** PyTorch Adam / AdamW (decoupled = true), one iterate per step. */
export const refAdam = (
  x0: readonly number[], grad: GradFn, steps: number,
  o: { lr: number | LrFn; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; decoupled?: boolean },
): number[][] => {
  const lr = lrOf(o.lr), b1 = o.beta1 ?? 0.9, b2 = o.beta2 ?? 0.999, eps = o.eps ?? 1e-8, wd = o.weightDecay ?? 0;
  let x = [...x0];
  let m = x.map(() => 0), v = x.map(() => 0);
  const out: number[][] = [];
  for (let t = 1; t <= steps; t++) {
    const rate = lr(t - 1);
    let g = grad(x);
    if (o.decoupled) x = x.map((xi) => xi * (1 - rate * wd));
    else g = g.map((gi, i) => gi + wd * x[i]);
    m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]);
    v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i] * g[i]);
    const bc1 = 1 - b1 ** t, bc2 = 1 - b2 ** t;
    const stepSize = rate / bc1;
    x = x.map((xi, i) => xi - (stepSize * m[i]) / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps));
    out.push(x);
  }
  return out;
};

/** PyTorch RMSprop, one iterate per step. */
export const refRmsprop = (
  x0: readonly number[], grad: GradFn, steps: number,
  o: { lr: number | LrFn; alpha?: number; eps?: number; momentum?: number; centered?: boolean; weightDecay?: number },
): number[][] => {
  const lr = lrOf(o.lr), alpha = o.alpha ?? 0.99, eps = o.eps ?? 1e-8, mu = o.momentum ?? 0, wd = o.weightDecay ?? 0;
  let x = [...x0];
  let sq = x.map(() => 0), ga = x.map(() => 0), buf = x.map(() => 0);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const g = grad(x).map((gi, i) => gi + wd * x[i]);
    sq = sq.map((s, i) => alpha * s + (1 - alpha) * g[i] * g[i]);
    let avg: number[];
    if (o.centered) {
      ga = ga.map((a, i) => alpha * a + (1 - alpha) * g[i]);
      avg = sq.map((s, i) => Math.sqrt(s - ga[i] * ga[i]) + eps);
    } else avg = sq.map((s) => Math.sqrt(s) + eps);
    if (mu > 0) {
      buf = buf.map((b, i) => mu * b + g[i] / avg[i]);
      x = x.map((xi, i) => xi - lr(t) * buf[i]);
    } else x = x.map((xi, i) => xi - (lr(t) * g[i]) / avg[i]);
    out.push(x);
  }
  return out;
};
