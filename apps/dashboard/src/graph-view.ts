// Draws a computational graph as a DAG in SVG, laid out by dagre, each node labelled with op and shape.

import dagre from '@dagrejs/dagre';
import type { GraphView } from './protocol.js';

const SVG = 'http://www.w3.org/2000/svg';
const CHAR = 6.2; // px per character of the 10px monospace label font
const LINE = 13;

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
 * The two label lines of a node: its op (or, for an input, its name) and its shape.
 *
 * @example
 * nodeLines({ id: 3, op: 'core.matmul', shape: [16, 3], inputs: [1, 2], part: 'forward' }) // ['matmul', '[16×3]']
 */
const nodeLines = (node: GraphView['nodes'][number]): [string, string] => [
  node.label ?? shortOp(node.op),
  `[${node.shape.join('×')}]`,
];

/**
 * Lays `graph` out top to bottom and draws it into `el` (replacing its content), shrunk
 * (down to half size) to fit the element's width; larger graphs scroll. Each node is a
 * `<g data-testid="graph-node" data-part="…" data-op="…">` so tests can count them.
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
  const room = el.clientWidth - 4;
  const scale = room > 0 && width > room ? Math.max(0.5, room / width) : 1;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: width * scale, height: height * scale, role: 'img' });
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
      class: `node-${node.part}`,
      'data-testid': 'graph-node',
      'data-part': node.part,
      'data-op': node.op,
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
  el.replaceChildren(root);
};
