import { describe, it, expect } from 'vitest';
import * as t from 'io-ts';
import { right } from 'fp-ts/lib/Either.js';
import { attrKeys, unknownAttrProblem } from './attr-keys.js';
import { defineOp, sum, softmax, tensor, toNested, ChainruleError } from './index.js';

describe('attrKeys', () => {
  it('reads the keys of type, partial, strict, intersection, refinement and readonly codecs', () => {
    expect(attrKeys(t.type({ a: t.number }))).toEqual(['a']);
    expect(attrKeys(t.intersection([t.type({ a: t.number }), t.partial({ b: t.number })]))?.sort()).toEqual(['a', 'b']);
    expect(attrKeys(t.refinement(t.strict({ c: t.string }), () => true))).toEqual(['c']);
    expect(attrKeys(t.readonly(t.exact(t.type({ d: t.number }))))).toEqual(['d']);
    expect(attrKeys(t.UnknownRecord)).toBeUndefined();
    expect(attrKeys(t.union([t.type({ a: t.number }), t.type({ b: t.number })]))).toBeUndefined();
  });
  it('unknownAttrProblem suggests the nearest key', () => {
    expect(unknownAttrProblem(['axis', 'keepDims'], { axes: [0] })).toBe(`unknown attr "axes" (did you mean 'axis'?); known attrs: axis, keepDims`);
    expect(unknownAttrProblem(['axis'], { axis: 0 })).toBeUndefined();
    expect(unknownAttrProblem([], { foo: 1 })).toBe('unknown attr "foo"; known attrs: none');
    expect(unknownAttrProblem(undefined, { foo: 1 })).toBeUndefined();
  });
});

describe('op calls refuse unknown attr keys', () => {
  it("sum(x, { axes: [0] }) throws instead of summing every axis", () => {
    const x = tensor([[1, 2], [3, 4]]);
    expect(() => sum(x, { axes: [0] } as never)).toThrow(/BadAttrs: unknown attr "axes" \(did you mean 'axis'\?\)/);
    expect(toNested(sum(x, { axis: [0] }))).toEqual([4, 6]);
    expect(() => softmax(x, { axsi: 0 } as never)).toThrow(ChainruleError);
  });
  it('a plugin whose codec keys cannot be read is left to its codec', () => {
    const loose = defineOp({ name: 'test.loose', attrs: t.UnknownRecord, arity: 1, infer: ([a]) => right(a), forward: ([a]) => a.data.slice(), vjp: ({ cotangent }) => [cotangent] });
    expect(toNested(loose(tensor([1]), { anything: 1 }))).toEqual([1]);
  });
});
