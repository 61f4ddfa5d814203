// Tests of the timing helpers' arithmetic (never of timings themselves).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { median, timeInterleaved } from './stats.js';

describe('median', () => {
  it('is the middle element, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/empty/);
  });

  it('has as many values at or below it as at or above it', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 30 }), (xs) => {
        const m = median(xs);
        expect(xs.filter((x) => x <= m).length).toBeGreaterThanOrEqual(xs.length / 2);
        expect(xs.filter((x) => x >= m).length).toBeGreaterThanOrEqual(xs.length / 2);
      }),
      { numRuns: 50 },
    );
  });
});

describe('timeInterleaved', () => {
  it('takes the asked number of samples from each contender, entering before each turn', async () => {
    const order: string[] = [];
    const [a, b] = await timeInterleaved(
      [
        { enter: () => void order.push('a'), body: () => undefined },
        { enter: () => void order.push('b'), body: () => undefined },
      ],
      { warmupMs: 1, samples: 3, minSampleMs: 1 },
    );
    expect(a.sampleSeconds).toHaveLength(3);
    expect(b.sampleSeconds).toHaveLength(3);
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    expect(a.iterations).toBeGreaterThanOrEqual(3);
  });
});
