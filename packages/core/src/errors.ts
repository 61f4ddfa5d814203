// Typed errors for programmer mistakes while tracing or calling ops, and the failure values of decoders.

/** What kind of mistake a {@link ChainruleError} reports. */
export type ErrorCode =
  | 'ShapeMismatch'
  | 'DtypeMismatch'
  | 'BadAttrs'
  | 'BadArity'
  | 'BadArgument'
  | 'UnknownOp'
  | 'MissingRule'
  | 'BadRule'
  | 'ConcreteValueRequired'
  | 'NonFinite';

/** Context carried by a {@link ChainruleError}: which op, with which inputs and attrs. */
export interface ErrorContext {
  readonly op?: string;
  readonly shapes?: readonly (readonly number[])[];
  readonly attrs?: unknown;
}

const describe = (ctx: ErrorContext): string => {
  const parts: string[] = [];
  if (ctx.op !== undefined) parts.push(`op ${ctx.op}`);
  if (ctx.shapes !== undefined) parts.push(`input shapes ${ctx.shapes.map((s) => `[${s.join(', ')}]`).join(', ')}`);
  if (ctx.attrs !== undefined && ctx.attrs !== null && Object.keys(ctx.attrs as object).length > 0) {
    parts.push(`attrs ${safeJson(ctx.attrs)}`);
  }
  return parts.length ? ` (${parts.join('; ')})` : '';
};

const safeJson = (v: unknown): string => {
  try {
    return JSON.stringify(v, (_k, x) => (ArrayBuffer.isView(x) ? `<${x.constructor.name}>` : x));
  } catch {
    return String(v);
  }
};

/**
 * The error thrown for programmer mistakes: a shape mismatch while tracing, an unknown op,
 * a wrong number of inputs. Its message names the op, the input shapes and the attrs.
 *
 * @example
 * try { add(tensor([1, 2]), tensor([1, 2, 3])) } catch (e) {
 *   if (e instanceof ChainruleError) console.log(e.code, e.op) // 'ShapeMismatch' 'core.add'
 * }
 */
export class ChainruleError extends Error {
  readonly code: ErrorCode;
  readonly op: string | undefined;
  readonly shapes: readonly (readonly number[])[] | undefined;
  readonly attrs: unknown;

  constructor(code: ErrorCode, message: string, ctx: ErrorContext = {}) {
    super(`${code}: ${message}${describe(ctx)}`);
    this.name = 'ChainruleError';
    this.code = code;
    this.op = ctx.op;
    this.shapes = ctx.shapes;
    this.attrs = ctx.attrs;
  }
}

/**
 * Why an op's inputs do not fit together, returned by a plugin's `infer` as a Left.
 *
 * @example
 * const err: ShapeError = { _tag: 'ShapeMismatch', message: 'inner dimensions 3 and 4 differ' }
 */
export interface ShapeError {
  readonly _tag: 'ShapeMismatch' | 'DtypeMismatch' | 'BadAttrs';
  readonly message: string;
}

/**
 * A decoding failure at a boundary (graph JSON, checkpoint, attrs): the path and what was wrong.
 *
 * @example
 * const f: DecodeFailure = { _tag: 'DecodeFailure', message: 'nodes[2].op: unknown op "x.y"' }
 */
export interface DecodeFailure {
  readonly _tag: 'DecodeFailure';
  readonly message: string;
}

/**
 * Builds a {@link DecodeFailure}.
 *
 * @example
 * decodeFailure('shape[1]: expected a non-negative integer, got -3')
 */
export const decodeFailure = (message: string): DecodeFailure => ({ _tag: 'DecodeFailure', message });
