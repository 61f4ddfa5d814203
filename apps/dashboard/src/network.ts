// The seed's view of a small MLP: each neuron's z, a and ∂C/∂z and each weight's ∂C/∂w on one example, from grad.

import { add, grad, matmul, softmax, sum, tensor, type Tensor } from '@chainrule/core';
import { activation, type ActivationName, type Params } from '@chainrule/nn';
import { meanSoftmaxCrossEntropy } from '@chainrule/train';

/** One dense layer of the view: its neurons (columns) and the weights into them. */
export interface LayerView {
  /** The parameter path of the layer's weights, e.g. `params[0].w`. */
  readonly path: string;
  /** Pre-activation z, activation a and ∂C/∂z of each neuron. For the output layer a is softmax(z). */
  readonly z: readonly number[];
  readonly a: readonly number[];
  readonly dCdz: readonly number[];
  /** σ′(z) (the activation's derivative at z, by grad) of each hidden neuron; empty for the output layer. */
  readonly actPrime: readonly number[];
  /** w[i][j]: from neuron i of the layer below (or input i) to neuron j; dCdw likewise. */
  readonly w: readonly (readonly number[])[];
  readonly dCdw: readonly (readonly number[])[];
  readonly b: readonly number[];
  readonly dCdb: readonly number[];
}

/** The whole view: the example, its cost and the layers from the first hidden one to the output. */
export interface NetworkView {
  readonly step: number;
  readonly activation: ActivationName;
  readonly x: readonly number[];
  readonly label: number;
  /** C: the cross-entropy of this one example (what the trainer averages over a batch). */
  readonly cost: number;
  readonly layers: readonly LayerView[];
}

/** The dense layers of an MLP's params (`{ w, b }` entries; activation layers have none). */
interface Dense {
  readonly w: Tensor;
  readonly b: Tensor;
  readonly path: string;
}

const denseLayers = (params: Params): Dense[] => {
  if (!Array.isArray(params)) throw new Error('network view: expected the params of an mlp (an array of layers)');
  const out: Dense[] = [];
  (params as readonly Params[]).forEach((p, i) => {
    const d = p as { readonly w?: Tensor; readonly b?: Tensor };
    if (d.w !== undefined && d.b !== undefined) out.push({ w: d.w, b: d.b, path: `params[${i}].w` });
  });
  return out;
};

const rows = (t: Tensor): number[][] => {
  const [n, m] = t.shape;
  return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * m, (i + 1) * m)));
};

/**
 * The network as the seed's notes draw it, on one example `x` with class `label`. Every
 * derivative comes from chainrule's `grad`: ∂C/∂w and ∂C/∂b from the gradient of the cost
 * with respect to the params, ∂C/∂z from the gradient with respect to a zero added to each
 * layer's pre-activation (so z itself is unchanged), σ′(z) from the gradient of the
 * activation. Nothing here applies the chain rule by hand — the page shows that the
 * numbers satisfy ∂C/∂z = σ′(z)·Σₖ wₖ·∂C/∂zₖ and ∂C/∂w = a·∂C/∂z.
 *
 * @example
 * const view = networkView(params, [1.5, -0.8], 0, 'sigmoid', 0)
 * view.layers[0].dCdz[0] // ∂C/∂z of the seed's hidden neuron
 */
export const networkView = (params: Params, x: readonly number[], label: number, act: ActivationName, step: number): NetworkView => {
  const layers = denseLayers(params);
  const dtype = layers[0]?.w.dtype ?? 'float32';
  const input = tensor([...x], { dtype, shape: [1, x.length] });
  const y = tensor([label], { dtype });
  const phi = activation(act);
  const last = layers.length - 1;
  // The forward pass, with `shifts[l]` added to layer l's pre-activation (zeros: the real network).
  const cost = (ws: readonly Tensor[], bs: readonly Tensor[], shifts: readonly Tensor[]): Tensor => {
    let h = input;
    for (let l = 0; l <= last; l++) {
      const z = add(add(matmul(h, ws[l]), bs[l]), shifts[l]);
      h = l < last ? phi.apply({}, z) : z;
    }
    return meanSoftmaxCrossEntropy(h, y);
  };
  const ws = layers.map((d) => d.w), bs = layers.map((d) => d.b);
  const shifts = layers.map((d) => tensor(new Array<number>(d.b.size).fill(0), { dtype, shape: [1, d.b.size] }));
  const [dws, dbs, dzs] = grad(cost, { argnums: [0, 1, 2] })(ws, bs, shifts) as [Tensor[], Tensor[], Tensor[]];
  const views: LayerView[] = [];
  let h = input;
  for (let l = 0; l <= last; l++) {
    const z = add(matmul(h, ws[l]), bs[l]);
    const a = l < last ? phi.apply({}, z) : softmax(z, { axis: -1 });
    const actPrime = l < last ? Array.from((grad((u: Tensor) => sum(phi.apply({}, u)))(z) as Tensor).data) : [];
    views.push({
      path: layers[l].path,
      z: Array.from(z.data),
      a: Array.from(a.data),
      dCdz: Array.from(dzs[l].data),
      actPrime,
      w: rows(ws[l]),
      dCdw: rows(dws[l]),
      b: Array.from(bs[l].data),
      dCdb: Array.from(dbs[l].data),
    });
    h = l < last ? a : h;
  }
  return { step, activation: act, x: [...x], label, cost: cost(ws, bs, shifts).item(), layers: views };
};
