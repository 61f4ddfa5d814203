// Tests of the tensor summaries against values worked out by hand.

import { describe, expect, it } from 'vitest';
import { QUANTILES, summarize } from './summary.js';

describe('summarize', () => {
  it('gives the mean, interpolated quantiles and equal-width bins of a small sample', () => {
    const s = summarize([4, 1, NaN, 3, 2, Infinity], 2);
    expect(s.size).toBe(4);
    expect(s.mean).toBe(2.5);
    // Sorted 1, 2, 3, 4: quantile q sits at index 3q, between neighbours linearly.
    expect(s.quantiles[0]).toBe(1);
    expect(s.quantiles[QUANTILES.indexOf(0.5)]).toBe(2.5);
    expect(s.quantiles[1]).toBeCloseTo(1 + 3 * 0.0668, 12);
    expect(s.quantiles[8]).toBe(4);
    // Bins [1, 2.5) and [2.5, 4]: 1 and 2 fall in the first, 3 and 4 in the second.
    expect(s.bins).toEqual({ lo: 1, hi: 4, counts: [2, 2] });
  });

  it('puts a constant tensor in the first bin and an empty one nowhere', () => {
    expect(summarize([0.5, 0.5, 0.5], 3).bins).toEqual({ lo: 0.5, hi: 0.5, counts: [3, 0, 0] });
    const empty = summarize([NaN], 2);
    expect(empty.size).toBe(0);
    expect(empty.bins.counts).toEqual([0, 0]);
  });

  it('counts every value once, and the quantiles are sorted, for a larger sample', () => {
    const values = Array.from({ length: 101 }, (_, i) => Math.sin(i) * 3);
    const s = summarize(values, 10);
    expect(s.bins.counts.reduce((a, b) => a + b, 0)).toBe(101);
    for (let i = 1; i < s.quantiles.length; i++) expect(s.quantiles[i]).toBeGreaterThanOrEqual(s.quantiles[i - 1]);
    // 101 values: the median is the 51st smallest.
    expect(s.quantiles[4]).toBe([...values].sort((a, b) => a - b)[50]);
  });
});
