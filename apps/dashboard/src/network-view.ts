// Draws the seed's view — neurons and weights with forward and backward values — and explains a hovered one.

import type { NetworkView } from './network.js';

const SVG = 'http://www.w3.org/2000/svg';

const svg = <K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};

const SUB = '₀₁₂₃₄₅₆₇₈₉';
const sub = (n: number): string => String(n).replace(/\d/g, (d) => SUB[Number(d)]);

/** Names of inputs, neurons and weights: the notes' own for the seed's 2-1-2 network, indexed ones otherwise. */
interface Names {
  readonly input: (i: number) => string;
  /** The pre-activation of neuron j of dense layer l (0 = first hidden layer). */
  readonly z: (l: number, j: number) => string;
  readonly w: (l: number, i: number, j: number) => string;
}

const namesOf = (sizes: readonly number[]): Names => {
  if (sizes.join() === '2,1,2') {
    return {
      input: (i) => `x${sub(i + 1)}`,
      z: (l, j) => (l === 0 ? 'z' : j === 0 ? 'z′' : 'z″'),
      w: (l, i, j) => (l === 0 ? `w${sub(i + 1)}` : `w${sub(j + 3)}`),
    };
  }
  return {
    input: (i) => `x${sub(i + 1)}`,
    z: (l, j) => `z${sub(l + 1)},${sub(j + 1)}`,
    w: (l, i, j) => `w${sub(l + 1)}(${i + 1}→${j + 1})`,
  };
};

/** A number as the page prints it, to `digits` significant digits (`factor` adds parentheses to a negative factor). */
const num = (v: number, digits = 6): string => String(Number(v.toPrecision(digits)));
const factor = (v: number): string => (v < 0 ? `(${num(v)})` : num(v));

const ACT_NAME: Record<string, string> = { sigmoid: 'σ', tanh: 'tanh', relu: 'relu' };

/** The lines explaining one neuron or weight, and the two numbers they equate (grad's and the formula's). */
export interface Explanation {
  readonly title: string;
  readonly lines: readonly string[];
  /** What chainrule's grad gave. */
  readonly fromGrad: number;
  /** The formula's right side, computed from the other numbers shown. */
  readonly fromFormula: number;
}

/**
 * Explains ∂C/∂z of neuron `j` of dense layer `l`: for a hidden neuron the seed's
 * ∂C/∂z = σ′(z)·[Σₖ wⱼₖ·∂C/∂zₖ] over the next layer, for an output ∂C/∂zₖ = yₖ − tₖ.
 *
 * @example
 * explainNeuron(view, 0, 0).lines[0] // '∂C/∂z = σ′(z)·[w₃·∂C/∂z′ + w₄·∂C/∂z″]'
 */
export const explainNeuron = (view: NetworkView, l: number, j: number): Explanation => {
  const names = namesOf([view.x.length, ...view.layers.map((L) => L.z.length)]);
  const layer = view.layers[l];
  const z = names.z(l, j);
  const last = l === view.layers.length - 1;
  const act = ACT_NAME[view.activation] ?? view.activation;
  if (last) {
    const t = view.label === j ? 1 : 0;
    const y = layer.a[j];
    return {
      title: `output ${z} (softmax, cross-entropy against target ${view.label})`,
      lines: [`∂C/∂${z} = y − t`, `= ${num(y)} − ${t}`, `= ${num(y - t)}`, `grad gives ${num(layer.dCdz[j])}`],
      fromGrad: layer.dCdz[j],
      fromFormula: y - t,
    };
  }
  const next = view.layers[l + 1];
  const ks = next.z.map((_, k) => k);
  const sum = ks.reduce((s, k) => s + next.w[j][k] * next.dCdz[k], 0);
  const rhs = layer.actPrime[j] * sum;
  return {
    title: `hidden ${z} (${view.activation}): z = ${num(layer.z[j])}, a = ${act}(z) = ${num(layer.a[j])}`,
    lines: [
      `∂C/∂${z} = ${act}′(${z})·[${ks.map((k) => `${names.w(l + 1, j, k)}·∂C/∂${names.z(l + 1, k)}`).join(' + ')}]`,
      `= ${num(layer.actPrime[j])} · [${ks.map((k) => `${factor(next.w[j][k])} · ${factor(next.dCdz[k])}`).join(' + ')}]`,
      `= ${num(rhs)}`,
      `grad gives ${num(layer.dCdz[j])}`,
    ],
    fromGrad: layer.dCdz[j],
    fromFormula: rhs,
  };
};

/**
 * Explains ∂C/∂w of the weight from `i` (input or neuron of the layer below) to neuron `j`
 * of dense layer `l`: ∂C/∂w = a·∂C/∂z, with a the value the weight multiplies.
 *
 * @example
 * explainWeight(view, 1, 0, 0).lines[0] // '∂C/∂w₃ = a·∂C/∂z′'
 */
export const explainWeight = (view: NetworkView, l: number, i: number, j: number): Explanation => {
  const names = namesOf([view.x.length, ...view.layers.map((L) => L.z.length)]);
  const w = names.w(l, i, j);
  const z = names.z(l, j);
  const a = l === 0 ? view.x[i] : view.layers[l - 1].a[i];
  const aName = l === 0 ? names.input(i) : `a(${names.z(l - 1, i)})`;
  const dz = view.layers[l].dCdz[j];
  return {
    title: `weight ${w} = ${num(view.layers[l].w[i][j])}, from ${l === 0 ? names.input(i) : names.z(l - 1, i)} to ${z}`,
    lines: [`∂C/∂${w} = ${l === 0 ? aName : 'a'}·∂C/∂${z}`, `= ${factor(a)} · ${factor(dz)}`, `= ${num(a * dz)}`, `grad gives ${num(view.layers[l].dCdw[i][j])}`],
    fromGrad: view.layers[l].dCdw[i][j],
    fromFormula: a * dz,
  };
};

const showExplanation = (el: HTMLElement, e: Explanation): void => {
  const title = document.createElement('p');
  title.className = 'explain-title';
  title.textContent = e.title;
  const pre = document.createElement('pre');
  pre.textContent = e.lines.join('\n');
  const values = document.createElement('p');
  values.className = 'explain-values';
  values.dataset.testid = 'explain-values';
  values.dataset.grad = String(e.fromGrad);
  values.dataset.formula = String(e.fromFormula);
  values.textContent = `|grad − formula| = ${Math.abs(e.fromGrad - e.fromFormula).toExponential(1)}`;
  el.replaceChildren(title, pre, values);
};

/**
 * Draws `view` into `el` (replacing its content): inputs on the left, the output layer on
 * the right, each neuron with a and ∂C/∂z, each weight as a line (width |w|, blue ≥ 0, red
 * < 0). Hovering or focusing a neuron or weight writes its explanation into `explainEl`.
 * Neurons are `[data-testid=neuron][data-name][data-layer][data-index]` carrying `data-z`,
 * `data-a`, `data-dcdz`; weights `[data-testid=weight]` carry `data-w` and `data-dcdw`.
 *
 * @example
 * drawNetwork(container, explain, event)
 */
export const drawNetwork = (el: HTMLElement, explainEl: HTMLElement, view: NetworkView): void => {
  const sizes = [view.x.length, ...view.layers.map((L) => L.z.length)];
  const names = namesOf(sizes);
  const width = Math.max(300, Math.min(760, el.clientWidth || 600));
  const rowGap = 92;
  const height = Math.max(...sizes) * rowGap + 30;
  const r = 24;
  // Room at both ends for the ∂C/∂z text under the input and output neurons.
  const colX = (c: number): number => 50 + (c * (width - 100)) / (sizes.length - 1);
  // Weight labels only where they have room; the hover explanation always names the weight.
  const edges = view.layers.reduce((n, L) => n + L.w.length * (L.w[0]?.length ?? 0), 0);
  const labelled = edges <= 12;
  const rowY = (c: number, j: number): number => height / 2 + (j - (sizes[c] - 1) / 2) * rowGap - 8;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': 'the network: neurons and weights' });
  const maxW = Math.max(1e-9, ...view.layers.flatMap((L) => L.w.flat().map(Math.abs)));
  const hover = (target: SVGElement, key: string, explain: () => Explanation): void => {
    target.dataset.key = key;
    const show = (): void => {
      el.dataset.hovered = key;
      root.querySelectorAll('.active').forEach((n) => n.classList.remove('active'));
      target.classList.add('active');
      showExplanation(explainEl, explain());
    };
    target.addEventListener('mouseenter', show);
    target.addEventListener('focus', show);
  };
  view.layers.forEach((L, l) => {
    L.w.forEach((row, i) =>
      row.forEach((w, j) => {
        const g = svg('g', {
          class: 'weight', 'data-testid': 'weight', 'data-name': names.w(l, i, j), 'data-layer': l, 'data-from': i, 'data-to': j,
          'data-w': w, 'data-dcdw': L.dCdw[i][j], tabindex: 0,
        });
        const [x1, y1, x2, y2] = [colX(l), rowY(l, i), colX(l + 1), rowY(l + 1, j)];
        // The wide transparent line on top takes the pointer, so a thin weight is easy to hover.
        g.append(
          svg('line', { x1, y1, x2, y2, class: w >= 0 ? 'pos' : 'neg', 'stroke-width': (0.8 + (4 * Math.abs(w)) / maxW).toFixed(2) }),
          svg('line', { x1, y1, x2, y2, class: 'hit' }),
        );
        if (labelled) {
          const label = svg('text', { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 5, class: 'wlabel', 'text-anchor': 'middle' });
          label.textContent = `${names.w(l, i, j)} ${num(w, 3)}`;
          g.append(label);
        }
        hover(g, `w${l},${i},${j}`, () => explainWeight(view, l, i, j));
        root.append(g);
      }),
    );
  });
  view.x.forEach((x, i) => {
    const g = svg('g', { class: 'neuron input', 'data-testid': 'input-node', 'data-name': names.input(i), transform: `translate(${colX(0)},${rowY(0, i)})` });
    const t = svg('text', { y: 5, 'text-anchor': 'middle', class: 'value' });
    t.textContent = num(x, 3);
    const n = svg('text', { y: -r - 6, 'text-anchor': 'middle', class: 'name' });
    n.textContent = names.input(i);
    g.append(svg('circle', { r }), t, n);
    root.append(g);
  });
  view.layers.forEach((L, l) =>
    L.z.forEach((z, j) => {
      const name = names.z(l, j);
      const g = svg('g', {
        class: `neuron ${l === view.layers.length - 1 ? 'output' : 'hidden'}`, 'data-testid': 'neuron', 'data-name': name, 'data-layer': l, 'data-index': j,
        'data-z': z, 'data-a': L.a[j], 'data-dcdz': L.dCdz[j], tabindex: 0, transform: `translate(${colX(l + 1)},${rowY(l + 1, j)})`,
      });
      const a = svg('text', { y: 5, 'text-anchor': 'middle', class: 'value' });
      a.textContent = num(L.a[j], 3);
      const n = svg('text', { y: -r - 6, 'text-anchor': 'middle', class: 'name' });
      n.textContent = name;
      const d = svg('text', { y: r + 15, 'text-anchor': 'middle', class: 'grad' });
      d.textContent = `∂C/∂z ${num(L.dCdz[j], 3)}`;
      g.append(svg('circle', { r }), a, n, d);
      hover(g, `n${l},${j}`, () => explainNeuron(view, l, j));
      root.append(g);
    }),
  );
  el.replaceChildren(root);
  // After a step the item last hovered stays explained, with the new numbers.
  const kept = el.dataset.hovered;
  if (kept !== undefined) root.querySelector<SVGElement>(`[data-key="${kept}"]`)?.dispatchEvent(new Event('mouseenter'));
};
