// `chainrule inspect [checkpoint]`: the model's layers, parameter count, forward graph and gradient graph (and, with --compiled, what the compiler makes of it).

import * as t from 'io-ts';
import { isLeft } from 'fp-ts/lib/Either.js';
import { abstract, encodeGraph, grad, opCounts, trace, type Graph, type Tensor, shapeText, avalText } from '@chainrule/core';
import { compile, type Compiled, type ElementwiseProgram } from '@chainrule/compiler';
import { countParams, paramNames, type LayerSpec, type Model, type Params } from '@chainrule/nn';
import { meanSoftmaxCrossEntropy, runKeys } from '@chainrule/train';
import { choiceFlag, flagName, intFlag, sizesFlag } from '../flags.js';
import type { Io } from '../io.js';
import { openCheckpoint } from '../checkpoint-file.js';
import { ACTIVATIONS, DATASETS, MODELS, PRESETS, buildNetwork } from '../setup.js';
import { EXIT } from './train.js';

/**
 * io-ts codec of `inspect`'s flags: the network (when no checkpoint is given), the batch
 * size to trace with, whether to list every node, JSON output.
 *
 * @example
 * decodeFlags(inspectFlagsCodec, { batchSize: '2', nodes: true })
 */
export const inspectFlagsCodec = t.partial({
  dataset: choiceFlag(DATASETS),
  model: choiceFlag(MODELS),
  hidden: sizesFlag,
  activation: choiceFlag(ACTIVATIONS),
  seed: intFlag(0, 2 ** 31 - 1),
  batchSize: intFlag(1),
  nodes: t.boolean,
  compiled: t.boolean,
  json: t.boolean,
});

/** The decoded flags of `inspect`. */
export type InspectFlags = t.TypeOf<typeof inspectFlagsCodec>;

/** Per-example input shape and class count of each dataset, known without loading it. */
const DATA_SHAPES: Readonly<Record<(typeof DATASETS)[number], { readonly features: readonly number[]; readonly classes: number }>> = {
  mnist: { features: [784], classes: 10 },
  xor: { features: [2], classes: 2 },
  spirals: { features: [2], classes: 2 },
  moons: { features: [2], classes: 2 },
  circles: { features: [2], classes: 2 },
};

const layerText = (l: LayerSpec): string => {
  switch (l.type) {
    case 'dense':
      return `dense ${l.units}`;
    case 'conv2d':
      return `conv2d ${l.filters} filters`;
    case 'maxPool2d':
    case 'avgPool2d':
      return `${l.type} ${l.poolSize.join('×')}`;
    case 'flatten':
      return 'flatten';
    case 'activation':
      return l.activation;
    case 'layerNorm':
    case 'batchNorm':
    case 'positionalEmbedding':
      return l.type;
    case 'embedding':
      return `embedding ${l.vocabSize}×${l.dim}`;
    case 'dropout':
      return `dropout ${l.rate}`;
    case 'serial':
      return `serial [${l.layers.map(layerText).join(', ')}]`;
    case 'residual':
    case 'timeDistributed':
      return `${l.type}(${layerText(l.layer)})`;
    case 'multiHeadAttention':
      return `multiHeadAttention ${l.heads} heads${l.causal ? ', causal' : ''}`;
    case 'transformerBlock':
      return `transformerBlock ${l.heads} heads, mlp ${l.mlpDim}${l.causal ? ', causal' : ''}`;
  }
};


/**
 * The nodes of a graph, one a line: id, op, inputs (graph inputs by name), output shape.
 *
 * @example
 * graphText(trace((x) => exp(x), abstract([2])), ['x'])
 * // '  %0  input x          float32[2]\n  %1  core.exp(%0)       float32[2]'
 */
export const graphText = (g: Graph, inputNames: readonly string[]): string => {
  const nameOf = new Map(g.inputs.map((id, k) => [id, inputNames[k] ?? `input ${k}`]));
  const rows = g.nodes.map((n) => {
    const what = nameOf.has(n.id) ? `input ${nameOf.get(n.id)}` : n.inputs.length === 0 ? n.op.name : `${n.op.name}(${n.inputs.map((j) => `%${j}`).join(', ')})`;
    return [`%${n.id}`, what, avalText({ dtype: n.dtype, shape: n.shape })];
  });
  const w0 = Math.max(...rows.map((r) => r[0].length)), w1 = Math.max(...rows.map((r) => r[1].length));
  const outs = new Set(g.outputs);
  return rows.map((r, i) => `  ${r[0].padStart(w0)}  ${r[1].padEnd(w1)}  ${r[2]}${outs.has(i) ? '  → output' : ''}`).join('\n');
};

/** The fused nodes of a compiled graph: id, op, the steps of its loop, what it reads. */
const fusedGroups = (g: Graph): { id: number; op: string; steps: string[]; inputs: number[] }[] =>
  g.nodes
    .filter((n) => (n.attrs as { program?: ElementwiseProgram } | undefined)?.program !== undefined)
    .map((n) => ({ id: n.id, op: n.op.name, steps: (n.attrs as { program: ElementwiseProgram }).program.steps.map((s) => s.op.name), inputs: [...n.inputs] }));

const planJson = (c: Compiled) => ({
  peakBytes: c.plan.peakBytes,
  arenaBytes: c.plan.arenaBytes,
  unplannedBytes: c.plan.totalBytes,
  inPlace: c.plan.inPlace,
});

/**
 * The compiler's view of a graph as text: the nodes before the passes and after each one,
 * the fused groups, and the memory plan's figures.
 *
 * @example
 * compiledText(compile(graph), ['x'])
 */
export const compiledText = (c: Compiled, before: Graph, inputNames: readonly string[]): string => {
  const lines = [`compiled gradient graph: ${before.nodes.length} → ${c.passes.graph.nodes.length} nodes`, '', `before the passes: ${before.nodes.length} nodes`, graphText(before, inputNames)];
  for (const { pass, graph } of c.passes.steps) lines.push('', `after ${pass}: ${graph.nodes.length} nodes (${countsText(graph)})`, graphText(graph, inputNames));
  const groups = fusedGroups(c.passes.graph);
  lines.push('', `fused groups: ${groups.length}`);
  for (const f of groups) lines.push(`  %${f.id}  ${f.op}: ${f.steps.join(' → ')}  (reads ${f.inputs.map((j) => `%${j}`).join(', ')})`);
  const p = planJson(c);
  lines.push('', `memory plan: peak ${p.peakBytes} bytes of intermediates and outputs (without reuse ${p.unplannedBytes}); arena ${p.arenaBytes} bytes; ${p.inPlace} nodes in place`);
  return lines.join('\n');
};

const countsText = (g: Graph): string =>
  Object.entries(opCounts(g))
    .sort((a, b) => b[1] - a[1])
    .map(([op, n]) => `${op} ×${n}`)
    .join(', ');

/**
 * Prints a model's layers and parameters, its forward graph (traced at `--batch-size`) and
 * the graph of its loss gradient (forward and backward pass, as `grad` builds it), from a
 * checkpoint or from the same model flags as `train`.
 *
 * @example
 * await inspectCommand(undefined, {}, processIo())   // the seed's network
 */
export const inspectCommand = async (path: string | undefined, flags: InspectFlags, io: Io): Promise<number> => {
  let model: Model;
  let params: Params;
  let source: string;
  if (path !== undefined) {
    const given = (['dataset', 'model', 'hidden', 'activation', 'seed'] as const).filter((k) => flags[k] !== undefined);
    if (given.length > 0) {
      io.stderr.write(`chainrule inspect: the model comes from ${path}; drop ${given.map(flagName).join(', ')}\n`);
      return EXIT.usage;
    }
    const opened = await openCheckpoint(path);
    if (isLeft(opened)) {
      io.stderr.write(`chainrule inspect: ${opened.left}\n`);
      return EXIT.failed;
    }
    model = opened.right.checkpoint.model;
    params = opened.right.checkpoint.state.params;
    source = `${path} (${opened.right.run.data.dataset}, step ${opened.right.checkpoint.state.step})`;
  } else {
    const dataset = flags.dataset ?? 'mnist';
    const kind = flags.model ?? 'mlp';
    if (kind === 'cnn' && dataset !== 'mnist') {
      io.stderr.write(`chainrule inspect: --model cnn needs --dataset mnist (28×28 images), got --dataset ${dataset}\n`);
      return EXIT.usage;
    }
    const preset = PRESETS[dataset];
    const shapes = DATA_SHAPES[dataset];
    model = buildNetwork(
      { model: kind, hidden: flags.hidden ?? preset.hidden, activation: flags.activation ?? preset.activation },
      kind === 'cnn' ? [28, 28, 1] : shapes.features,
      shapes.classes,
    );
    params = model.init(runKeys(flags.seed ?? 0).init);
    source = `a fresh ${kind} for ${dataset}`;
  }
  const b = flags.batchSize ?? 1;
  const x = abstract([b, ...model.inputShape]);
  const y = abstract([b]);
  const forward = trace((p: Params, xb: Tensor) => model.apply(p, xb), params, x);
  const loss = (p: Params, xb: Tensor, yb: Tensor): Tensor => meanSoftmaxCrossEntropy(model.apply(p, xb), yb);
  const backward = trace((p: Params, xb: Tensor, yb: Tensor) => grad(loss)(p, xb, yb), params, x, y);
  const leaves = paramNames(params);
  const names = [...leaves, 'x', 'labels'];
  const nParams = countParams(params);
  const compiled = flags.compiled === true ? compile(backward) : undefined;
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify({
      model: model.spec,
      parameters: nParams,
      batchSize: b,
      forward: { ops: opCounts(forward), graph: encodeGraph(forward) },
      gradient: { ops: opCounts(backward), graph: encodeGraph(backward) },
      ...(compiled === undefined ? {} : {
        compiled: {
          passes: compiled.passes.steps.map((s) => ({ pass: s.pass, nodes: s.graph.nodes.length, ops: opCounts(s.graph) })),
          graph: encodeGraph(compiled.passes.graph),
          fused: fusedGroups(compiled.passes.graph),
          plan: planJson(compiled),
        },
      }),
    })}\n`);
    return EXIT.ok;
  }
  const lines = [
    `model: ${source}`,
    `  input ${shapeText(model.inputShape)} → ${model.spec.layers.map(layerText).join(' → ')} → output ${shapeText(model.outputShape)}`,
    `parameters: ${nParams} (${leaves.length} tensors)`,
    '',
    `forward graph, batch ${b}: ${forward.nodes.length} nodes (${countsText(forward)})`,
    graphText(forward, names),
    '',
    `gradient graph of the mean softmax cross-entropy (forward + backward), batch ${b}: ${backward.nodes.length} nodes`,
    `  ${countsText(backward)}`,
    flags.nodes === true ? graphText(backward, names) : '  (--nodes lists every node)',
    ...(compiled === undefined ? [] : ['', compiledText(compiled, backward, names)]),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
};
