// A trace records the nodes that ops create while a function runs on symbolic tensors.

import type { Op } from './op.js';
import { Tensor, type Aval, type DType } from './tensor.js';
import type { Shape } from './shape.js';
import type { NodeOrigin } from './debug-nans.js';

/** A node as it is being recorded. `tracer` is the symbolic tensor that stands for its output. */
export interface NodeRecord {
  readonly op: Op<any>;
  readonly inputs: readonly number[];
  readonly attrs: unknown;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly tracer: Tensor;
  /** Set for nodes that autodiff's rules recorded. */
  readonly origin?: NodeOrigin;
}

// Traces nest (grad of grad); a later trace always has a higher level, so an op whose inputs
// come from several traces records into the innermost one and treats the others as constants.
let lastLevel = 0;

/**
 * @internal A growing list of nodes. Made by transforms; users see only the frozen Graph.
 */
export class Trace {
  readonly level = ++lastLevel;
  readonly nodes: NodeRecord[] = [];
  /** What autodiff is doing while nodes are recorded (undefined: the traced function itself). */
  origin: NodeOrigin | undefined = undefined;
  private readonly lifted = new Map<Tensor, number>();

  /** A new graph input of the given shape and dtype. */
  input(aval: Aval, op: Op<any>): Tensor {
    return this.push(op, [], {}, aval);
  }

  /** The node id standing for `x` here: its own id, or a constant node for an outside value. */
  lift(x: Tensor, constantOp: Op<any>): number {
    if (x._trace === this) return x._id;
    const known = this.lifted.get(x);
    if (known !== undefined) return known;
    const id = this.push(constantOp, [], { value: x }, x)._id;
    this.lifted.set(x, id);
    return id;
  }

  /** Records one node and returns its tracer. */
  push(op: Op<any>, inputs: readonly number[], attrs: unknown, aval: Aval): Tensor {
    const id = this.nodes.length;
    const tracer = new Tensor(aval.dtype, aval.shape, undefined, this, id);
    const origin = this.origin;
    this.nodes.push(origin === undefined ? { op, inputs, attrs, shape: tracer.shape, dtype: aval.dtype, tracer } : { op, inputs, attrs, shape: tracer.shape, dtype: aval.dtype, tracer, origin });
    return tracer;
  }
}

/**
 * The innermost trace among some values, or undefined when all are concrete.
 * @internal
 */
export const innermostTrace = (xs: readonly unknown[], n = xs.length): Trace | undefined => {
  let trace: Trace | undefined;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (x instanceof Tensor && x._trace !== undefined && (trace === undefined || x._trace.level > trace.level)) trace = x._trace;
  }
  return trace;
};
