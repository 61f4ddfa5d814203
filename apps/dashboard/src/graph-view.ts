// Draws a computational graph as a DAG in SVG, laid out by dagre, labelled with op, shape and output name; zoom and pan.

import dagre from '@dagrejs/dagre';
import type { GraphView } from './protocol.js';

const SVG = 'http://www.w3.org/2000/svg';
const CHAR = 7.3; // px per character of the 12px monospace label font
const LINE = 15;
/** Zoom limits (screen px per layout px): below MIN_ZOOM labels are unreadable, above MAX_ZOOM nothing is gained. */
const MIN_ZOOM = 0.1;
const MAX_ZOOM = 4;
/** The least zoom of the first view, so labels can be read; the rest of a wide graph is reached by panning. */
const READABLE_ZOOM = 0.6;
/** Screen px kept free above the graph for the zoom buttons. */
const BUTTON_ROOM = 36;

const svg = <K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] => {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};

/**
 * The op's short name: the namespace of chainrule's own ops is dropped.
 *
 * @example
 * shortOp('core.matmul') // 'matmul'
 * shortOp('myorg.swish') // 'myorg.swish'
 */
const shortOp = (op: string): string => op.replace(/^(core|ops)\./, '');

/**
 * The two label lines of a node: its op (or, for an input, its name) and its shape; an
 * output says first what it is (`∂L/∂params[0].w`), then its op and shape.
 *
 * @example
 * nodeLines({ id: 3, op: 'core.matmul', shape: [16, 3], inputs: [1, 2], part: 'forward' }) // ['matmul', '[16×3]']
 */
const nodeLines = (node: GraphView['nodes'][number]): [string, string] =>
  node.output !== undefined
    ? [node.output, `${node.label ?? shortOp(node.op)} [${node.shape.join('×')}]`]
    : [node.label ?? shortOp(node.op), `[${node.shape.join('×')}]`];

/**
 * Lays `graph` out top to bottom and draws it into `el` (replacing its content), with
 * buttons to zoom in, zoom out and fit; the wheel zooms at the cursor and dragging pans.
 * The first view is the top of the graph, shrunk to the element's width but never below
 * a readable size. Each node is a `<g data-testid="graph-node" data-part="…" data-op="…">`
 * (outputs also `data-output="…"`) so tests can count them; the svg's `data-zoom` is the
 * current zoom.
 *
 * @example
 * drawGraph(document.querySelector('#forward')!, event.forward)
 */
export const drawGraph = (el: HTMLElement, graph: GraphView): void => {
  const g = new dagre.graphlib.Graph<{ rankdir: string }, { width: number; height: number; x?: number; y?: number }, { points?: { x: number; y: number }[] }>();
  g.setGraph({ rankdir: 'TB', nodesep: 14, ranksep: 26, marginx: 8, marginy: 8 } as never);
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) {
    const [a, b] = nodeLines(node);
    g.setNode(String(node.id), { width: Math.max(a.length, b.length) * CHAR + 12, height: 2 * LINE + 6 });
  }
  for (const node of graph.nodes) for (const j of new Set(node.inputs)) g.setEdge(String(j), String(node.id));
  dagre.layout(g);
  const { width = 100, height = 100 } = g.graph() as { width?: number; height?: number };
  const root = svg('svg', { width: '100%', height: '100%', role: 'img', 'aria-label': 'computational graph' });
  const defs = svg('defs', {});
  const marker = svg('marker', { id: `arrow-${el.dataset.testid ?? 'graph'}`, viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 6, markerHeight: 6, orient: 'auto' });
  marker.append(svg('path', { d: 'M0,0 L8,4 L0,8 z', style: 'fill:#9ca3af;stroke:none' }));
  defs.append(marker);
  root.append(defs);
  for (const e of g.edges()) {
    const pts = g.edge(e).points ?? [];
    if (pts.length === 0) continue;
    const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    root.append(svg('path', { d, 'marker-end': `url(#${marker.id})` }));
  }
  const outputs = new Set(graph.outputs);
  for (const node of graph.nodes) {
    const box = g.node(String(node.id));
    const [a, b] = nodeLines(node);
    const group = svg('g', {
      class: `node-${node.part}${node.output !== undefined ? ' node-output' : ''}`,
      'data-testid': 'graph-node',
      'data-part': node.part,
      'data-op': node.op,
      ...(node.output !== undefined ? { 'data-output': node.output } : {}),
      transform: `translate(${(box.x ?? 0) - box.width / 2},${(box.y ?? 0) - box.height / 2})`,
    });
    group.append(svg('rect', { width: box.width, height: box.height, rx: 4, ...(outputs.has(node.id) ? { style: 'stroke:#111;stroke-width:2' } : {}) }));
    const title = svg('title', {});
    title.textContent = `#${node.id} ${node.op} ${b}${node.inputs.length ? ` ← ${node.inputs.map((i) => `#${i}`).join(', ')}` : ''}`;
    const t1 = svg('text', { x: box.width / 2, y: LINE, 'text-anchor': 'middle' });
    t1.textContent = a;
    const t2 = svg('text', { x: box.width / 2, y: 2 * LINE, 'text-anchor': 'middle', fill: '#4b5563' });
    t2.textContent = b;
    group.append(title, t1, t2);
    root.append(group);
  }
  const controls = document.createElement('div');
  controls.className = 'zoom';
  el.replaceChildren(root, controls);
  panZoom(el, root, width, height, controls);
};

const controlButton = (label: string, testid: string, title: string, act: () => void): HTMLButtonElement => {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.title = title;
  b.dataset.testid = testid;
  b.addEventListener('click', act);
  return b;
};

/** The visible part of the layout: top-left corner and zoom (screen px per layout px). */
interface View {
  x: number;
  y: number;
  k: number;
}

/** Wires zoom (buttons, wheel) and pan (drag) to `root`'s viewBox. */
const panZoom = (
  el: HTMLElement,
  root: SVGSVGElement,
  width: number,
  height: number,
  controls: HTMLElement,
): void => {
  const size = (): [number, number] => [Math.max(1, el.clientWidth), Math.max(1, el.clientHeight)];
  const [cw0] = size();
  const k0 = Math.min(MAX_ZOOM, Math.max(READABLE_ZOOM, Math.min(1, cw0 / width)));
  // Start a little above the layout so the zoom buttons do not cover the top row.
  const view: View = { x: (width - cw0 / k0) / 2, y: -BUTTON_ROOM / k0, k: k0 };
  const apply = (): void => {
    const [cw, ch] = size();
    root.setAttribute('viewBox', `${view.x.toFixed(1)} ${view.y.toFixed(1)} ${(cw / view.k).toFixed(1)} ${(ch / view.k).toFixed(1)}`);
    root.dataset.zoom = view.k.toFixed(3);
  };
  /** Zooms by `factor` keeping the layout point under screen point (sx, sy) in place. */
  const zoomAt = (factor: number, sx: number, sy: number): void => {
    const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, view.k * factor));
    view.x += sx / view.k - sx / k;
    view.y += sy / view.k - sy / k;
    view.k = k;
    apply();
  };
  const fit = (): void => {
    const [cw, ch] = size();
    view.k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, Math.min(cw / width, ch / height)));
    view.x = (width - cw / view.k) / 2;
    view.y = (height - ch / view.k) / 2;
    apply();
  };
  const centre = (): [number, number] => size().map((v) => v / 2) as [number, number];
  controls.append(
    controlButton('+', 'zoom-in', 'zoom in', () => zoomAt(1.25, ...centre())),
    controlButton('−', 'zoom-out', 'zoom out', () => zoomAt(0.8, ...centre())),
    controlButton('fit', 'zoom-fit', 'show the whole graph', fit),
  );
  root.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = root.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY / 400), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  let drag: { readonly id: number; sx: number; sy: number } | undefined;
  root.addEventListener('pointerdown', (e) => {
    drag = { id: e.pointerId, sx: e.clientX, sy: e.clientY };
    root.setPointerCapture(e.pointerId);
    root.classList.add('dragging');
  });
  root.addEventListener('pointermove', (e) => {
    if (drag === undefined || e.pointerId !== drag.id) return;
    view.x -= (e.clientX - drag.sx) / view.k;
    view.y -= (e.clientY - drag.sy) / view.k;
    drag.sx = e.clientX;
    drag.sy = e.clientY;
    apply();
  });
  const end = (e: PointerEvent): void => {
    if (drag?.id !== e.pointerId) return;
    drag = undefined;
    root.classList.remove('dragging');
  };
  root.addEventListener('pointerup', end);
  root.addEventListener('pointercancel', end);
  new ResizeObserver(apply).observe(el);
  apply();
};
