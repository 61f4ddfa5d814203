// Round trip of the build's MNIST packing and the worker's unpacking.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { packMnist } from '../build/mnist-asset.js';
import { unpackMnist } from './mnist-data.js';

const PIXELS = 784;

describe('packMnist / unpackMnist', () => {
  it('keeps the first perDigit digits of each class to within half a grey level', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer(), (perDigit, extra, seed) => {
        // Files longer than asked for: the tail must be dropped, not packed.
        let s = seed >>> 0;
        const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
        const raw = Array.from({ length: 10 }, () => Array.from({ length: (perDigit + extra) * PIXELS }, rand));
        const bytes = packMnist(raw, perDigit);
        const files = unpackMnist(bytes.buffer as ArrayBuffer);
        if (!isRight(files)) throw new Error(files.left);
        expect(files.right).toHaveLength(10);
        for (let d = 0; d < 10; d++) {
          expect(files.right[d].data).toHaveLength(perDigit * PIXELS);
          let worst = 0;
          for (let i = 0; i < perDigit * PIXELS; i++) worst = Math.max(worst, Math.abs(files.right[d].data[i] - raw[d][i]));
          expect(worst).toBeLessThanOrEqual(0.5 / 255 + 1e-7);
        }
      }),
      { numRuns: 10 },
    );
  });

  it('rejects bytes whose size does not match the header', () => {
    const bytes = packMnist(Array.from({ length: 10 }, () => new Float32Array(PIXELS)), 1);
    const cut = unpackMnist(bytes.slice(0, bytes.length - 1).buffer);
    expect(isLeft(cut) && cut.left).toBe(`mnist asset: header says 1 digits per class (${4 + 10 * PIXELS} bytes), got ${3 + 10 * PIXELS} bytes`);
    const empty = unpackMnist(new ArrayBuffer(2));
    expect(isLeft(empty) && empty.left).toContain('too short');
  });

  it('refuses to pack fewer digits than asked for', () => {
    expect(() => packMnist(Array.from({ length: 10 }, () => new Float32Array(PIXELS)), 2)).toThrow('mnist digit 0: the package has 1 samples, 2 asked for');
  });
});
