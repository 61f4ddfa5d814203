// Tests of checkpoint documents: exact round trips, and a precise Left for every kind of corruption.

import { describe, it, expect } from 'vitest';
import { lastValueFrom } from 'rxjs';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { Tensor, flatten } from '@chainrule/core';
import { mlp } from '@chainrule/nn';
import { sgd } from '@chainrule/optim';
import { xorConfig } from '../test/helpers.js';
import { checkpointChecksum, decodeCheckpoint, encodeCheckpoint, makeCheckpoint, serializeCheckpoint, type Checkpoint } from './checkpoint.js';
import { ofType } from './operators/of-type.js';
import { train } from './train.js';

const trained = async (): Promise<Checkpoint> => {
  const config = xorConfig({ optimizer: sgd({ learningRate: 0.5, momentum: 0.9 }), epochs: 3 });
  const done = await lastValueFrom(train(config).pipe(ofType('done')));
  // a skipped step's NaN must survive the JSON round trip too
  const history = { ...done.history, loss: [...done.history.loss.slice(0, -1), NaN] };
  return makeCheckpoint({ model: config.model, config: { seed: 0, batchSize: 2, epochs: 3, optimizer: { name: 'sgd', learningRate: 0.5, momentum: 0.9 } }, state: { ...done, history }, createdAt: '2025-01-01T00:00:00.000Z' });
};

const leaves = (tree: unknown): Tensor[] => flatten(tree)[0] as Tensor[];
const bits = (t: Tensor): number[] => Array.from(t.data);

const decodeLeft = (doc: unknown): { kind: string; message: string } => {
  const r = decodeCheckpoint(doc);
  if (!isLeft(r)) throw new Error('expected a Left');
  return r.left;
};

describe('checkpoints', () => {
  it('round-trip params, optimizer state, config, step and history exactly', async () => {
    const c = await trained();
    const r = decodeCheckpoint(serializeCheckpoint(c));
    if (!isRight(r)) throw new Error(r.left.message);
    const d = r.right;
    expect(d.model.spec).toEqual(c.model.spec);
    expect(d.config).toEqual(c.config);
    expect(d.createdAt).toBe(c.createdAt);
    expect(d.state.step).toBe(6);
    expect(d.state.history).toEqual(c.state.history);
    expect(Number.isNaN(d.state.history.loss[5])).toBe(true);
    for (const [a, b] of [[c.state.params, d.state.params], [c.state.optState, d.state.optState]] as const) {
      const [la, lb] = [leaves(a), leaves(b)];
      expect(lb.length).toBe(la.length);
      la.forEach((t, i) => {
        expect(lb[i].dtype).toBe(t.dtype);
        expect(lb[i].shape).toEqual(t.shape);
        expect(bits(lb[i])).toEqual(bits(t));
      });
      expect(flatten(b)[1]).toEqual(flatten(a)[1]);
    }
  });

  it('a truncated document is a Json Left', async () => {
    const text = serializeCheckpoint(await trained());
    const e = decodeLeft(text.slice(0, Math.floor(text.length / 2)));
    expect(e.kind).toBe('Json');
    expect(e.message).toMatch(/not valid JSON.*truncated/);
  });

  it('a wrong version is a Version Left, another document a Malformed one', async () => {
    const doc = encodeCheckpoint(await trained());
    expect(decodeLeft({ ...doc, version: 1 })).toMatchObject({ kind: 'Version', message: expect.stringMatching(/version 1 is not supported \(this build reads version 2\)/) });
    expect(decodeLeft({ ...doc, format: 'keras' })).toMatchObject({ kind: 'Malformed', message: expect.stringMatching(/not a chainrule checkpoint/) });
    expect(decodeLeft([1, 2])).toMatchObject({ kind: 'Malformed' });
  });

  it('names the malformed field', async () => {
    const doc = JSON.parse(serializeCheckpoint(await trained()));
    // each edit is resealed, so the decoder gets past the checksum to the field
    const broken = (edit: (d: any) => void) => {
      const d = structuredClone(doc);
      edit(d);
      d.checksum = checkpointChecksum(d);
      return decodeLeft(d);
    };
    expect(broken((d) => (d.state.step = -1)).message).toMatch(/state\.step: expected non-negative integer, got -1/);
    expect(broken((d) => d.state.params[0].w.$tensor.data.pop()).message).toMatch(/state\.params\[0\]\.w\.\$tensor: data has 7 values but shape \[2, 4\] needs 8/);
    expect(broken((d) => (d.state.params[0].w.$tensor.dtype = 'int8')).message).toMatch(/state\.params\[0\]\.w\.\$tensor\.dtype/);
    expect(broken((d) => (d.config.batchSize = 0)).message).toMatch(/config\.batchSize: expected positive integer/);
    expect(broken((d) => (d.model.layers[0].units = 'four')).message).toMatch(/model spec: layers\[0\]\.units/);
    expect(broken((d) => d.state.history.loss.pop()).message).toMatch(/state\.history\.loss has 5 entries but step is 6/);
    expect(broken((d) => (d.state.params[1] = 'x')).message).toMatch(/state\.params\[1\]: expected a tensor/);
  });

  it('params that do not fit the model are a Mismatch Left naming the tensor', async () => {
    const c = await trained();
    const other = mlp({ sizes: [2, 8, 2], activation: 'sigmoid' });
    const edited = { ...encodeCheckpoint(c), model: other.spec };
    const doc = { ...edited, checksum: checkpointChecksum(edited) };
    expect(decodeLeft(doc)).toMatchObject({ kind: 'Mismatch', message: expect.stringMatching(/state\.params do not fit the model at \[0\]\.b: expected float32\[8\], got float32\[4\]/) });
  });

  it('a changed digit of one weight, a missing or a bad checksum are Checksum Lefts', async () => {
    const text = serializeCheckpoint(await trained());
    expect(text).toMatch(/,"checksum":"crc32:[0-9a-f]{8}"\}$/);
    const w = JSON.parse(text).state.params[0].w.$tensor.data as number[];
    // flip the lowest bit of the last digit of the first weight's text: a valid number, a different weight
    const digits = JSON.stringify(w[0]);
    const at = text.indexOf(`"data":[${digits}`) + `"data":[`.length + digits.length - 1;
    const flipped = text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 1) + text.slice(at + 1);
    expect(JSON.parse(flipped).state.params[0].w.$tensor.data[0]).not.toBe(w[0]);
    expect(decodeLeft(flipped)).toMatchObject({ kind: 'Checksum', message: expect.stringMatching(/content does not match its checksum \(recorded "crc32:[0-9a-f]{8}", computed "crc32:[0-9a-f]{8}"\): the file is corrupt/) });
    const doc = JSON.parse(text);
    expect(decodeLeft({ ...doc, checksum: undefined })).toMatchObject({ kind: 'Checksum', message: expect.stringMatching(/no checksum field/) });
    // a long bogus checksum is quoted in short
    expect(decodeLeft({ ...doc, checksum: 'x'.repeat(100_000) }).message.length).toBeLessThan(300);
    // whitespace is not content: a pretty-printed file still verifies
    expect(isRight(decodeCheckpoint(JSON.stringify(doc, null, 2)))).toBe(true);
  });

  it('hostile documents are Lefts: prototype keys, deep nesting, huge tensors, huge values, throwing getters', async () => {
    const text = serializeCheckpoint(await trained());
    // Edited documents are sealed again, so that the checks behind the checksum are reached.
    const seal = (edited: string): string => {
      const d = JSON.parse(edited);
      d.checksum = checkpointChecksum(d);
      return JSON.stringify(d);
    };
    // An own __proto__ key in the params record would swap the rebuilt record's prototype.
    for (const k of ['__proto__', 'constructor', 'prototype']) {
      const evil = text.replace('"params":[{', `"params":[{"${k}":{"polluted":{"$tensor":{"dtype":"float32","shape":[1],"data":[1]}}},`);
      expect(evil).not.toBe(text);
      expect(decodeLeft(seal(evil))).toMatchObject({ kind: 'Malformed', message: expect.stringMatching(new RegExp(`state\\.params\\[0\\]\\.${k}: key '${k}' is not allowed`)) });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const deep = text.replace('"optState":', `"optState":${'['.repeat(5000)}${']'.repeat(5000)},"x":`);
    // depth is checked before the checksum: no need to seal (nor a way to, JSON.stringify would overflow)
    expect(decodeLeft(deep)).toMatchObject({ kind: 'TooLarge', message: expect.stringMatching(/nested deeper than 64 levels/) });
    const huge = text.replace('"shape":[2,4]', '"shape":[100000,100000]');
    expect(huge).not.toBe(text);
    expect(decodeLeft(seal(huge))).toMatchObject({ kind: 'TooLarge', message: expect.stringMatching(/over the limit of 268435456 \(MAX_ELEMENTS\)/) });
    const longFormat = decodeLeft({ format: 'x'.repeat(10_000_000) });
    expect(longFormat.message.length).toBeLessThan(200);
    const hostile = Object.defineProperty({ format: 'chainrule.checkpoint', version: 1 }, 'state', { get: () => { throw new Error('boom'); }, enumerable: true });
    expect(decodeLeft(hostile)).toMatchObject({ kind: 'Malformed', message: 'checkpoint: could not be read (boom)' });
  });
});
