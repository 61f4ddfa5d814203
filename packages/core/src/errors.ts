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
  | 'NonFinite'
  | 'TooLarge';

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
  if (typeof ctx.attrs === 'object' && ctx.attrs !== null && Object.keys(ctx.attrs).length > 0) {
    parts.push(`attrs ${preview(ctx.attrs, 200)}`);
  }
  return parts.length ? ` (${parts.join('; ')})` : '';
};

/** Text to append to the rendering so far, as opposed to a value still to render. */
class Text {
  constructor(readonly text: string) {}
}

const isPlain = (x: object): boolean => {
  const proto = Object.getPrototypeOf(x);
  return proto === null || proto === Object.prototype || proto === Array.prototype;
};

/**
 * A short, JSON-like rendering of any value for error messages: at most `max` characters
 * (cut with '...'), built without recursion and without reading more of the value than it
 * shows, so a 50 MB string or an array nested 100,000 deep costs no more than a small one.
 * Typed arrays and class instances show as `<Float32Array(3)>`, `<Tensor>`.
 *
 * @example
 * preview('x'.repeat(1e6))     // '"xxxxxxxxxxxxxxxxxxxx…' (60 characters)
 * preview([1, [2, { a: 3 }]])  // '[1,[2,{"a":3}]]'
 */
export const preview = (value: unknown, max = 60): string => {
  let out = '';
  try {
    const todo: unknown[] = [value];
    while (todo.length > 0 && out.length <= max) {
      const x = todo.pop();
      if (x instanceof Text) out += x.text;
      else if (typeof x === 'string') out += JSON.stringify(x.length > max ? x.slice(0, max) : x);
      else if (typeof x === 'number' || typeof x === 'boolean' || x === null || x === undefined || typeof x === 'symbol') out += String(x);
      else if (typeof x === 'bigint') out += `${x}n`;
      else if (typeof x === 'function') out += '<function>';
      else if (ArrayBuffer.isView(x)) out += `<${x.constructor.name}(${(x as unknown as ArrayLike<unknown>).length ?? x.byteLength})>`;
      else if (typeof x === 'object' && !isPlain(x)) out += `<${(x.constructor as { name?: string } | undefined)?.name ?? 'object'}>`;
      else if (Array.isArray(x)) {
        // Only as many elements as could still be shown: each takes at least one character.
        const n = Math.min(x.length, max - out.length);
        todo.push(new Text(n < x.length ? ',...]' : ']'));
        for (let i = n - 1; i >= 0; i--) todo.push(x[i], new Text(i > 0 ? ',' : ''));
        out += '[';
      } else {
        const keys = Object.keys(x);
        const n = Math.min(keys.length, max - out.length);
        todo.push(new Text(n < keys.length ? ',...}' : '}'));
        for (let i = n - 1; i >= 0; i--) {
          const k = keys[i];
          todo.push((x as Record<string, unknown>)[k], new Text(`${i > 0 ? ',' : ''}${JSON.stringify(k.length > max ? k.slice(0, max) : k)}:`));
        }
        out += '{';
      }
    }
    if (todo.length > 0 && out.length <= max) out += '...';
  } catch {
    out += '<unreadable>';
  }
  return clipText(out, max);
};

/**
 * Text cut to at most `max` characters, ending in '...' when cut: for quoting an error
 * message (from a plugin, a parser) inside another.
 *
 * @example
 * clipText('abcdefghij', 8) // 'abcde...'
 */
export const clipText = (text: string, max = 200): string => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

const editDistance = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
};

/**
 * The candidate nearest to a mistyped word (edit distance at most a third of its length,
 * and at least 2 allowed), or undefined when none is close: for "did you mean" hints.
 *
 * @example
 * suggest('axes', ['axis', 'keepDims']) // 'axis'
 * suggest('trian', ['train', 'eval'])   // 'train'
 * suggest('zzz', ['axis'])              // undefined
 */
export const suggest = (word: string, candidates: readonly string[]): string | undefined => {
  if (word.length > 64) return undefined;
  const limit = Math.max(2, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
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
  /** Set when the input was refused for its size or depth rather than its form (see safety limits). */
  readonly code?: 'TooLarge';
}

/**
 * Builds a {@link DecodeFailure}.
 *
 * @example
 * decodeFailure('shape[1]: expected a non-negative integer, got -3')
 * decodeFailure('nodes[3]: 1e10 elements', 'TooLarge')
 */
export const decodeFailure = (message: string, code?: 'TooLarge'): DecodeFailure =>
  code === undefined ? { _tag: 'DecodeFailure', message } : { _tag: 'DecodeFailure', message, code };

/**
 * The message of something thrown, for error text that wraps it: an Error's message, or the
 * value as a string.
 *
 * @example
 * errorText(new Error('boom')) // 'boom'
 * errorText('plain')           // 'plain'
 */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
