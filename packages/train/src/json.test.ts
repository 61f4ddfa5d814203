// Tests of the JSON forms: events for --json and workers, and pytrees with tensors.

import { describe, it, expect } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { isRight } from 'fp-ts/lib/Either.js';
import { formatErrors, tensor, type Tensor } from '@chainrule/core';
import { xorConfig } from '../test/helpers.js';
import { eventToJson, treeCodec } from './json.js';
import { train } from './train.js';

describe('eventToJson', () => {
  it('gives small, JSON-safe events without params, and full ones with', async () => {
    const events = await lastValueFrom(train(xorConfig({ epochs: 1 })).pipe(toArray()));
    for (const e of events) {
      const light = eventToJson(e);
      expect(JSON.parse(JSON.stringify(light))).toEqual(light);
      expect(light).not.toHaveProperty('params');
      expect(light).not.toHaveProperty('state');
      expect(light.type).toBe(e.type);
    }
    const step = eventToJson(events[0], { params: true }) as { params: unknown; loss: number };
    expect(step.loss).toBe(events[0].type === 'step' && events[0].loss);
    const back = treeCodec.decode(JSON.parse(JSON.stringify(step.params)));
    expect(isRight(back) && (back.right as { w: Tensor }[])[0].w.shape).toEqual([2, 4]);
  });
  it('writes NaN losses as null', () => {
    const e = eventToJson({ type: 'step', epoch: 1, step: 1, batch: 1, stepsPerEpoch: 1, totalSteps: 1, loss: NaN, accuracy: NaN, learningRate: 0.1, ms: 1, skipped: true, params: [] });
    expect(e).toMatchObject({ loss: null, accuracy: null, skipped: true });
  });
});

describe('treeCodec', () => {
  it('round-trips nested arrays and records of tensors, numbers and null, in key order', () => {
    const tree = { b: [tensor([1, 2]), { c: tensor(3, { dtype: 'float64' }) }], a: 4, n: null };
    const json = JSON.parse(JSON.stringify(treeCodec.encode(tree)));
    const r = treeCodec.decode(json);
    if (!isRight(r)) throw new Error('decode failed');
    const out = r.right as typeof tree;
    expect(Object.keys(out)).toEqual(['b', 'a', 'n']);
    expect(Array.from((out.b[0] as Tensor).data)).toEqual([1, 2]);
    expect((out.b[1] as { c: Tensor }).c.dtype).toBe('float64');
    expect(out.a).toBe(4);
    expect(treeCodec.decode({ x: 'str' })._tag).toBe('Left');
  });
  it('refuses a deeply nested document with a Left naming the limit, and accepts 64 levels', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100000; i++) deep = [deep];
    const r = treeCodec.decode(deep);
    expect(r._tag === 'Left' && formatErrors(r.left)).toMatch(/nested deeper than 64 levels/);
    let ok: unknown = 1;
    for (let i = 0; i < 64; i++) ok = [ok];
    expect(treeCodec.decode(ok)._tag).toBe('Right');
  });
  it('never lets a __proto__ key swap a record prototype', () => {
    const r = treeCodec.decode(JSON.parse('{"w":1,"__proto__":{"x":2}}'));
    expect(r._tag === 'Left' && formatErrors(r.left)).toMatch(/__proto__: key '__proto__' is not allowed/);
  });
});
