// Summaries of a tensor's values for the histogram charts: quantiles and equal-width bins.

/** The quantiles kept of each tensor (TensorBoard's distribution bands: min, ±1.5σ, ±σ, ±σ/2, median, max). */
export const QUANTILES: readonly number[] = [0, 0.0668, 0.1587, 0.3085, 0.5, 0.6915, 0.8413, 0.9332, 1];

/** How many values fall in each of `counts.length` equal bins over [lo, hi]. */
export interface Bins {
  readonly lo: number;
  readonly hi: number;
  readonly counts: readonly number[];
}

/** What the page keeps of one tensor at one step. */
export interface Summary {
  readonly size: number;
  readonly mean: number;
  /** The values at {@link QUANTILES} (linear interpolation between order statistics). */
  readonly quantiles: readonly number[];
  readonly bins: Bins;
}

/**
 * Summarises `values` (NaN and ±∞ are left out; `size` counts only the finite ones). A
 * constant tensor gets one bin of width 0 at its value, with every count in bin 0.
 *
 * @example
 * summarize([1, 2, 3, 4], 2) // { size: 4, mean: 2.5, quantiles: [1, …, 2.5, …, 4], bins: { lo: 1, hi: 4, counts: [2, 2] } }
 */
export const summarize = (values: ArrayLike<number>, binCount = 24): Summary => {
  const sorted = Float64Array.from(Array.prototype.filter.call(values, (v: number) => Number.isFinite(v)) as number[]).sort();
  const n = sorted.length;
  if (n === 0) return { size: 0, mean: NaN, quantiles: QUANTILES.map(() => NaN), bins: { lo: NaN, hi: NaN, counts: new Array<number>(binCount).fill(0) } };
  let total = 0;
  for (let i = 0; i < n; i++) total += sorted[i];
  const quantiles = QUANTILES.map((q) => {
    const at = q * (n - 1);
    const i = Math.floor(at);
    const f = at - i;
    return i + 1 < n ? sorted[i] * (1 - f) + sorted[i + 1] * f : sorted[i];
  });
  const lo = sorted[0], hi = sorted[n - 1];
  const counts = new Array<number>(binCount).fill(0);
  const width = (hi - lo) / binCount;
  for (let i = 0; i < n; i++) counts[width > 0 ? Math.min(binCount - 1, Math.floor((sorted[i] - lo) / width)) : 0]++;
  return { size: n, mean: total / n, quantiles, bins: { lo, hi, counts } };
};
