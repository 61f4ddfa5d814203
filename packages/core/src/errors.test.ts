import { describe, it, expect } from 'vitest';
import { preview, clipText, suggest, ChainruleError } from './index.js';

describe('preview', () => {
  it('renders small values like JSON', () => {
    expect(preview([1, [2, { a: 3 }]])).toBe('[1,[2,{"a":3}]]');
    expect(preview({ axis: 'zero', keepDims: true })).toBe('{"axis":"zero","keepDims":true}');
    expect(preview(NaN)).toBe('NaN');
    expect(preview(undefined)).toBe('undefined');
    expect(preview(new Float32Array(3))).toBe('<Float32Array(3)>');
    expect(preview(() => 1)).toBe('<function>');
  });
  it('stays short whatever the size or depth of the value', () => {
    const huge = 'x'.repeat(50_000_000);
    const p = preview(huge);
    expect(p.length).toBe(60);
    expect(p).toBe(`"${'x'.repeat(56)}...`);
    let deep: unknown = 0;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(preview(deep)).toBe(`${'['.repeat(57)}...`);
    expect(preview(Array.from({ length: 1_000_000 }, (_, i) => i), 20)).toBe('[0,1,2,3,4,5,6,7,...');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(preview(cyclic).length).toBeLessThanOrEqual(60);
  });
  it('a value whose getter throws is shown as unreadable rather than throwing', () => {
    const hostile = Object.defineProperty({}, 'a', { get: () => { throw new Error('no'); }, enumerable: true });
    expect(preview(hostile)).toBe('<unreadable>');
  });
  it('ChainruleError quotes attrs through preview', () => {
    const e = new ChainruleError('BadAttrs', 'bad', { op: 'core.sum', attrs: { axis: 'y'.repeat(1e6) } });
    expect(e.message.length).toBeLessThan(300);
  });
});

describe('clipText', () => {
  it('cuts long text with an ellipsis and leaves short text alone', () => {
    expect(clipText('abcdefghij', 8)).toBe('abcde...');
    expect(clipText('abc', 8)).toBe('abc');
  });
});

describe('suggest', () => {
  it('finds the nearest candidate within a third of the word', () => {
    expect(suggest('axes', ['axis', 'keepDims'])).toBe('axis');
    expect(suggest('keepdims', ['axis', 'keepDims'])).toBe('keepDims');
    expect(suggest('trian', ['train', 'eval', 'predict'])).toBe('train');
    expect(suggest('zzz', ['axis', 'keepDims'])).toBeUndefined();
    expect(suggest('x'.repeat(1000), ['axis'])).toBeUndefined();
  });
});
