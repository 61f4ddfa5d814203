// Import: an ONNX model becomes a chainrule function of its params and inputs, checked whole before anything runs.

import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { ChainruleError, abstract, isTensor, sizeOf, tensor, trace, type DType, type Graph, type Tensor, shapeText } from '@chainrule/core';
import { AttrType, DataType, decodeModelProto, int64Value, type Int64, type AttributeMsg, type GraphMsg, type NodeMsg, type ValueInfoMsg } from './proto.js';
import { MAX_ELEMENTS, decodeTensorProto, type Decoded } from './tensor-proto.js';
import { importRules, type AttrKind, type AttrMap, type AttrValue, type ImportRule, type In, type Static } from './import-rules.js';

/** Options of {@link importOnnx}. */
export interface ImportOptions {
  /** The most elements any tensor of the model may have (default {@link MAX_ELEMENTS}). */
  readonly maxElements?: number;
  /** Values of symbolic input dimensions (`batch`, `N`) for the check at import; default 1. */
  readonly dims?: Readonly<Record<string, number>>;
  /** Import rules for more op types, by op_type (`domain::op_type` outside the default domain), used besides {@link importRules}. */
  readonly rules?: Readonly<Record<string, ImportRule>>;
}

/** A graph input of an imported model: symbolic dimensions keep their names. */
export interface OnnxInput {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly (number | string)[];
}

/**
 * An imported model: a pure function of its params (the float initializers, by name) and
 * its inputs, built from chainrule ops, so `grad`, `jit` and the optimizers work on it.
 *
 * @example
 * const m = unwrap(importOnnx(bytes))
 * const [y] = m.run(x)                                   // inference
 * const g = grad((p) => mean(m.apply(p, x)[0]))(m.params) // gradients for fine-tuning
 */
export interface OnnxModel {
  readonly inputs: readonly OnnxInput[];
  readonly outputs: readonly string[];
  /** The trainable values: every float initializer, by its ONNX name. */
  readonly params: Readonly<Record<string, Tensor>>;
  readonly opset: number;
  /** The outputs for these params and inputs (one tensor per graph input, in order; axis 0 of an input may take any size). */
  readonly apply: (params: Readonly<Record<string, Tensor>>, ...inputs: Tensor[]) => Tensor[];
  /** `apply` with the imported params. */
  readonly run: (...inputs: Tensor[]) => Tensor[];
  /** The model as a chainrule graph at the shapes checked on import (params as constants). */
  readonly graph: Graph;
  /** The model's metadata_props, by key. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Why a model could not be imported: every problem found, each naming its node or field. */
export interface ImportError {
  readonly _tag: 'ImportError';
  readonly problems: readonly string[];
  readonly message: string;
}

const failure = (problems: readonly string[]): ImportError => ({
  _tag: 'ImportError',
  problems,
  message: problems.length === 1 ? problems[0] : `${problems.length} problems: ${problems.slice(0, 20).join('; ')}${problems.length > 20 ? '; …' : ''}`,
});

const MIN_OPSET = 13;
const MAX_OPSET = 21;
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

const attrKindCode: Record<AttrKind, number> = {
  int: AttrType.INT, ints: AttrType.INTS, float: AttrType.FLOAT, floats: AttrType.FLOATS, string: AttrType.STRING, tensor: AttrType.TENSOR,
};

const decodeAttr = (m: AttributeMsg, kind: AttrKind, maxElements: number, where: string): Either<string, AttrValue> => {
  if (m.ref_attr_name !== undefined && m.ref_attr_name !== '') return left(`${where}: references to function attributes are not supported`);
  if (m.type !== undefined && m.type !== 0 && m.type !== attrKindCode[kind]) return left(`${where}: expected a ${kind} attribute, got type ${m.type}`);
  switch (kind) {
    case 'int': {
      const v = int64Value(m.i ?? 0);
      return v === undefined ? left(`${where}: not a safe integer`) : right(v);
    }
    case 'ints': {
      const out: number[] = [];
      for (const x of m.ints ?? []) {
        const v = int64Value(x);
        if (v === undefined) return left(`${where}: an entry is not a safe integer`);
        out.push(v);
      }
      return right(out);
    }
    case 'float':
      return right(m.f ?? 0);
    case 'floats':
      return right([...(m.floats ?? [])]);
    case 'string':
      return right(new TextDecoder('utf-8', { fatal: false }).decode(m.s ?? new Uint8Array()));
    case 'tensor':
      return m.t === undefined || m.t === null ? left(`${where}: the tensor is missing`) : decodeTensorProto(m.t, maxElements, where);
  }
};

/** The shape of a graph input: dim_value numbers, dim_param names, '?' where neither is given. */
const inputShape = (vi: ValueInfoMsg, where: string): Either<string, { dtype: DType; shape: (number | string)[] }> => {
  const tt = vi.type?.tensor_type;
  if (tt === undefined || tt === null) return left(`${where}: only tensor inputs are supported`);
  const dtype: DType | undefined = tt.elem_type === DataType.FLOAT ? 'float32' : tt.elem_type === DataType.DOUBLE ? 'float64' : undefined;
  if (dtype === undefined) return left(`${where}: element type ${tt.elem_type ?? 'missing'} is not supported (FLOAT and DOUBLE are)`);
  if (tt.shape === undefined || tt.shape === null) return left(`${where}: the shape is missing`);
  const shape: (number | string)[] = [];
  for (const [i, d] of (tt.shape.dim ?? []).entries()) {
    if (d.dim_param !== undefined && d.dim_param !== '') shape.push(d.dim_param);
    else if (d.dim_value !== undefined) {
      const v = int64Value(d.dim_value);
      if (v === undefined || v < 0) return left(`${where}: dim ${i} is not a non-negative integer`);
      shape.push(v);
    } else shape.push('?');
  }
  return right({ dtype, shape });
};

interface Planned {
  readonly where: string;
  readonly rule: ImportRule;
  readonly inputs: readonly (string | undefined)[];
  readonly output: string;
  /** Names of further outputs (multi-output rules), '' where unused. */
  readonly more: readonly string[];
  readonly attrs: AttrMap;
}

const staticOfDecoded = (d: Decoded): Static =>
  d.kind === 'int' ? { shape: d.shape, values: d.values, integer: true } : { shape: d.tensor.shape, values: Array.from(d.tensor.data) };
const tensorOfDecoded = (d: Decoded): Tensor => (d.kind === 'float' ? d.tensor : tensor(Array.from(d.values), { shape: [...d.shape] }));

/** The value a Constant node holds, from whichever of its value attributes is set. */
const constantValue = (node: NodeMsg, maxElements: number, where: string): Either<string, Decoded> => {
  const attrs = node.attribute ?? [];
  if (attrs.length !== 1) return left(`${where}: a Constant needs exactly one value attribute, got ${attrs.length}`);
  const a = attrs[0];
  switch (a.name) {
    case 'value': return decodeAttr(a, 'tensor', maxElements, `${where}.value`) as Either<string, Decoded>;
    case 'value_float': return right({ kind: 'float', tensor: tensor(a.f ?? 0) });
    case 'value_floats': return (a.floats?.length ?? 0) > maxElements ? left(`${where}: too many values`) : right({ kind: 'float', tensor: tensor([...(a.floats ?? [])]) });
    case 'value_int':
    case 'value_ints': {
      const v = decodeAttr(a, a.name === 'value_int' ? 'int' : 'ints', maxElements, `${where}.${a.name}`);
      if (v._tag === 'Left') return v;
      const values = typeof v.right === 'number' ? [v.right] : (v.right as number[]);
      return right({ kind: 'int', shape: a.name === 'value_int' ? [] : [values.length], values });
    }
    default: return left(`${where}: attribute ${a.name ?? '(unnamed)'} is not supported (value, value_float(s) and value_int(s) are)`);
  }
};

const opsetOf = (imports: readonly { domain?: string; version?: Int64 }[]): Either<string, number> => {
  const main = imports.filter((o) => o.domain === undefined || o.domain === '' || o.domain === 'ai.onnx');
  if (main.length !== 1) return left(`opset_import: expected one entry for the default domain, got ${main.length}`);
  const v = int64Value(main[0].version);
  if (v === undefined || v < MIN_OPSET || v > MAX_OPSET) return left(`opset_import: version ${v ?? '?'} is not supported (${MIN_OPSET} to ${MAX_OPSET} are)`);
  return right(v);
};

/**
 * Reads an ONNX model (protobuf bytes). Every node must have an import rule and every
 * attribute must be one the rule understands; a Left lists all that do not (unsupported
 * op types, attributes and values, undefined inputs, non-constant shape inputs), so a model
 * is imported whole or not at all. Every tensor's dims and data length are checked against
 * the element ceiling before anything is allocated, and the graph is traced once at its
 * declared input shapes (symbolic dims from `options.dims`, else 1) so shape errors surface
 * here too.
 *
 * @example
 * const model = importOnnx(readFileSync('model.onnx'))
 * if (model._tag === 'Left') console.error(model.left.message)
 * else model.right.run(tensor([[1, 2, 3]]))
 */
export const importOnnx = (bytes: Uint8Array, options: ImportOptions = {}): Either<ImportError, OnnxModel> => {
  const maxElements = options.maxElements ?? MAX_ELEMENTS;
  if (!(bytes instanceof Uint8Array)) return left(failure(['the model must be given as bytes (a Uint8Array)']));
  const decoded = decodeModelProto(bytes);
  if (decoded._tag === 'Left') return left(failure([decoded.left]));
  const model = decoded.right;
  const opset = opsetOf(model.opset_import ?? []);
  if (opset._tag === 'Left') return left(failure([opset.left]));
  const graph: GraphMsg | undefined = model.graph ?? undefined;
  if (graph === undefined || graph === null) return left(failure(['the model has no graph']));
  const problems: string[] = [];
  if ((graph.sparse_initializer?.length ?? 0) > 0) problems.push('sparse initializers are not supported');

  // Names: each value is defined once, by a graph input, an initializer or a node.
  const defined = new Set<string>();
  const define = (name: string | undefined, where: string): boolean => {
    if (name === undefined || name === '') return problems.push(`${where}: the name is empty`), false;
    if (defined.has(name)) return problems.push(`${where}: '${name}' is defined twice`), false;
    defined.add(name);
    return true;
  };

  // Values known while tracing: constants, and what folds from them (or from shapes alone).
  const foldable = new Set<string>();
  const initials = new Map<string, Decoded>();
  (graph.initializer ?? []).forEach((t, i) => {
    if (t.name !== undefined) foldable.add(t.name);
    const where = `initializer '${t.name ?? i}'`;
    if (FORBIDDEN_NAMES.has(t.name ?? '')) return problems.push(`${where}: the name is reserved`);
    if (!define(t.name, where)) return;
    const d = decodeTensorProto(t, maxElements, where);
    if (d._tag === 'Left') problems.push(d.left);
    else initials.set(t.name!, d.right);
  });
  const inputs: OnnxInput[] = [];
  (graph.input ?? []).forEach((vi, i) => {
    if (vi.name !== undefined && initials.has(vi.name)) return; // an initializer listed as an input (IR < 4 style): a param
    const where = `input '${vi.name ?? i}'`;
    if (!define(vi.name, where)) return;
    const s = inputShape(vi, where);
    if (s._tag === 'Left') problems.push(s.left);
    else inputs.push({ name: vi.name!, dtype: s.right.dtype, shape: s.right.shape });
  });

  const consts = new Map<string, Decoded>();
  const plan: Planned[] = [];
  const unsupported = new Map<string, string[]>();
  (graph.node ?? []).forEach((node, k) => {
    const op = node.op_type ?? '';
    const where = `node '${node.name || k}' (${op || 'no op_type'})`;
    const domain = node.domain ?? '';
    const main = domain === '' || domain === 'ai.onnx';
    const key = main ? op : `${domain}::${op}`;
    const own = (table: Readonly<Record<string, ImportRule>> | undefined): ImportRule | undefined =>
      table !== undefined && Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
    const rule = own(options.rules) ?? (main ? own(importRules) : undefined);
    const ins = [...(node.input ?? [])];
    for (const [i, name] of ins.entries()) {
      if (name !== '' && !defined.has(name)) problems.push(`${where}: input ${i} '${name}' is not defined by an earlier node, an initializer or a graph input`);
    }
    const outs = node.output ?? [];
    if (outs.length < 1 || outs[0] === '') problems.push(`${where}: it has no output`);
    const produces = rule?.outputs ?? 1;
    for (let i = produces; i < outs.length; i++) if (outs[i] !== '') problems.push(`${where}: output ${i} ('${outs[i]}') is not supported (only the first ${produces === 1 ? 'output is' : `${produces} are`})`);
    if (op === 'Constant' && main) {
      if (ins.length > 0) problems.push(`${where}: a Constant takes no inputs`);
      const v = constantValue(node, maxElements, where);
      if (v._tag === 'Left') problems.push(v.left);
      if (outs.length > 0 && define(outs[0], `${where} output`) && v._tag === 'Right') {
        consts.set(outs[0], v.right);
        foldable.add(outs[0]);
      }
      return;
    }
    if (rule === undefined) {
      unsupported.set(key, [...(unsupported.get(key) ?? []), node.name || `#${k}`]);
      for (const o of outs) if (o !== '') defined.add(o);
      return;
    }
    const attrs = new Map<string, AttrValue>();
    for (const a of node.attribute ?? []) {
      const name = a.name ?? '';
      const kind = rule.attrs?.[name];
      if (kind === undefined) {
        problems.push(`${where}: attribute '${name}' is not supported`);
        continue;
      }
      if (attrs.has(name)) {
        problems.push(`${where}: attribute '${name}' is given twice`);
        continue;
      }
      const v = decodeAttr(a, kind, maxElements, `${where} attribute '${name}'`);
      if (v._tag === 'Left') problems.push(v.left);
      else attrs.set(name, v.right);
    }
    for (const p of rule.check?.(attrs) ?? []) problems.push(`${where}: ${p} is not supported`);
    while (ins.length > 0 && ins[ins.length - 1] === '') ins.pop();
    const [lo, hi] = rule.inputs;
    if (ins.length < lo || ins.length > hi) problems.push(`${where}: takes ${lo === hi ? lo : `${lo} to ${hi}`} inputs, got ${ins.length}`);
    for (const i of rule.statics ?? []) {
      const name = ins[i];
      if (name !== undefined && name !== '' && !initials.has(name) && !foldable.has(name)) {
        problems.push(`${where}: input ${i} '${name}' must be a constant (an initializer, a Constant node's output, or shape arithmetic on them and on Shape)`);
      }
    }
    for (const [i, name] of ins.entries()) if (name === '' && i < lo) problems.push(`${where}: required input ${i} is empty`);
    if (outs.length > 0 && outs[0] !== '' && define(outs[0], `${where} output`)) {
      const more = outs.slice(1, produces);
      for (const o of more) if (o !== '') define(o, `${where} output`);
      plan.push({ where, rule, inputs: ins.map((n) => (n === '' ? undefined : n)), output: outs[0], more, attrs });
      if (rule.fold !== undefined && (rule.fromShapes === true || ins.every((n) => n === '' || initials.has(n) || foldable.has(n)))) foldable.add(outs[0]);
    }
  });
  for (const [op, nodes] of unsupported) {
    problems.push(`unsupported op '${op}' (${nodes.length} node${nodes.length === 1 ? '' : 's'}: ${nodes.slice(0, 5).join(', ')}${nodes.length > 5 ? ', …' : ''})`);
  }
  const outputs = (graph.output ?? []).map((vi, i) => {
    const name = vi.name ?? '';
    if (!defined.has(name)) problems.push(`output ${i} '${name}' is not defined by any node, initializer or input`);
    return name;
  });
  if (outputs.length === 0) problems.push('the graph has no outputs');
  if (problems.length > 0) return left(failure(problems));

  const params: Record<string, Tensor> = {};
  for (const [name, d] of initials) if (d.kind === 'float') params[name] = d.tensor;
  const constTensors: Record<string, Tensor> = {};
  for (const [name, d] of [...initials, ...consts]) if (!(name in params)) constTensors[name] = tensorOfDecoded(d);
  const statics = new Map<string, Static>();
  for (const [name, d] of [...initials, ...consts]) statics.set(name, staticOfDecoded(d));

  const runGraph = (p: Readonly<Record<string, Tensor>>, c: Readonly<Record<string, Tensor>>, xs: readonly Tensor[]): Tensor[] => {
    if (xs.length !== inputs.length) throw new ChainruleError('BadArgument', `onnx model: takes ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}), got ${xs.length}`);
    // Axis 0 may take any size (a batch axis); the other numeric dims must be as declared.
    inputs.forEach((inp, k) => {
      const x = xs[k];
      const fits = isTensor(x) && x.dtype === inp.dtype && x.shape.length === inp.shape.length && inp.shape.every((d, i) => i === 0 || typeof d !== 'number' || d === x.shape[i]);
      if (!fits) {
        const got = isTensor(x) ? `${x.dtype}${shapeText(x.shape)}` : typeof x;
        throw new ChainruleError('ShapeMismatch', `onnx model: input '${inp.name}' expects ${inp.dtype}[${inp.shape.join(', ')}], got ${got}`);
      }
    });
    const values = new Map<string, In>();
    for (const name of Object.keys(c)) values.set(name, { tensor: () => c[name], static: statics.get(name) });
    for (const name of Object.keys(params)) {
      if (!isTensor(p[name])) throw new ChainruleError('BadArgument', `onnx model: params has no tensor '${name}'`);
      values.set(name, { tensor: () => p[name], static: statics.get(name) });
    }
    inputs.forEach((inp, k) => values.set(inp.name, { tensor: () => xs[k] }));
    for (const n of plan) {
      try {
        const ins = n.inputs.map((name) => (name === undefined ? undefined : values.get(name)));
        // Only integer constants fold (shape arithmetic): float values stay tensors, so gradients reach the params.
        const foldHere = n.rule.fold !== undefined && (n.rule.fromShapes === true || ins.every((x) => x === undefined || x.static?.integer === true));
        const folded = foldHere ? n.rule.fold!(ins, n.attrs) : undefined;
        if (folded !== undefined) {
          if (folded.values.length > maxElements) throw new ChainruleError('BadArgument', `a folded constant of ${folded.values.length} values passes the ceiling of ${maxElements}`);
          let t: Tensor | undefined;
          values.set(n.output, { static: folded, tensor: () => (t ??= tensor([...folded.values], { shape: [...folded.shape] })) });
          continue;
        }
        const y = n.rule.apply(ins, n.attrs, opset.right);
        const ys = Array.isArray(y) ? y : [y];
        values.set(n.output, { tensor: () => ys[0] });
        n.more.forEach((name, i) => {
          if (name !== '') values.set(name, { tensor: () => ys[i + 1] });
        });
      } catch (e) {
        const code = e instanceof ChainruleError ? e.code : 'BadArgument';
        const message = e instanceof Error ? e.message : String(e);
        throw new ChainruleError(code, `${n.where}: ${message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message}`);
      }
    }
    return outputs.map((name) => values.get(name)!.tensor());
  };

  // The check at import: trace at the declared shapes, params and constants symbolic (so nothing is computed).
  const examples = inputs.map((inp) => abstract(inp.shape.map((d) => (typeof d === 'number' ? d : options.dims?.[d] ?? 1)), inp.dtype));
  for (const [k, ex] of examples.entries()) {
    if (sizeOf(ex.shape) > maxElements) return left(failure([`input '${inputs[k].name}': ${ex.shape.join('×')} elements pass the ceiling of ${maxElements}`]));
  }
  let checked: Graph;
  try {
    checked = trace((p: Record<string, Tensor>, c: Record<string, Tensor>, ...xs: Tensor[]) => runGraph(p, c, xs), params, constTensors, ...examples);
  } catch (e) {
    return left(failure([e instanceof Error ? e.message : String(e)]));
  }
  const big = checked.nodes.find((n) => sizeOf(n.shape) > maxElements);
  if (big !== undefined) return left(failure([`a ${big.op.name} value of shape ${shapeText(big.shape)} passes the ceiling of ${maxElements} elements`]));
  const graphOf = trace((...xs: Tensor[]) => runGraph(params, constTensors, xs), ...examples);
  const frozenParams = Object.freeze({ ...params });
  return right(Object.freeze({
    inputs: Object.freeze(inputs),
    outputs: Object.freeze(outputs),
    params: frozenParams,
    opset: opset.right,
    apply: (p: Readonly<Record<string, Tensor>>, ...xs: Tensor[]) => runGraph(p, constTensors, xs),
    run: (...xs: Tensor[]) => runGraph(frozenParams, constTensors, xs),
    graph: graphOf,
    metadata: Object.freeze(Object.fromEntries((model.metadata_props ?? []).filter((p) => !FORBIDDEN_NAMES.has(p.key ?? '')).map((p) => [p.key ?? '', p.value ?? '']))),
  }));
};
