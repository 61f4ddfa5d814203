// Unknown attr keys: the keys an io-ts attrs codec declares, and the "did you mean" message for a typo.

import type * as t from 'io-ts';
import { preview, suggest } from './errors.js';

type CodecNode = { readonly _tag?: string; readonly props?: object; readonly types?: readonly CodecNode[]; readonly type?: CodecNode };

/**
 * The attr keys an attrs codec knows, read from its structure (t.type, t.partial, t.strict,
 * withDefaults — anything with `props` — t.intersection, refinements and readonly wrappers
 * of these); undefined when the codec is of another kind, so its keys cannot be known.
 *
 * @example
 * attrKeys(t.partial({ axis: t.number, keepDims: t.boolean })) // ['axis', 'keepDims']
 */
export const attrKeys = (codec: t.Mixed): readonly string[] | undefined => {
  const keys: string[] = [];
  const todo: CodecNode[] = [codec as CodecNode];
  while (todo.length > 0) {
    const c = todo.pop()!;
    // t.type, t.partial, t.strict and core's withDefaults all carry their props.
    if (typeof c.props === 'object' && c.props !== null) keys.push(...Object.keys(c.props));
    else if (c._tag === 'IntersectionType' && c.types) todo.push(...c.types);
    else if ((c._tag === 'RefinementType' || c._tag === 'ReadonlyType' || c._tag === 'ExactType') && c.type) todo.push(c.type);
    else return undefined;
  }
  return keys;
};

/**
 * Why raw attrs hold a key the op does not know ('unknown attr 'axes' (did you mean
 * 'axis'?)…'), or undefined. A typo must not be ignored silently.
 *
 * @example
 * unknownAttrProblem(['axis', 'keepDims'], { axes: [0] }) // "unknown attr \"axes\" (did you mean 'axis'?); known attrs: axis, keepDims"
 */
export const unknownAttrProblem = (known: readonly string[] | undefined, raw: unknown): string | undefined => {
  if (known === undefined || typeof raw !== 'object' || raw === null) return undefined;
  for (const k of Object.keys(raw)) {
    if (known.includes(k)) continue;
    const near = suggest(k, known);
    return `unknown attr ${preview(k)}${near === undefined ? '' : ` (did you mean '${near}'?)`}; known attrs: ${known.length ? known.join(', ') : 'none'}`;
  }
  return undefined;
};

