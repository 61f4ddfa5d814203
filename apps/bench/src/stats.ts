// Timing helpers: warm-up, repeated samples of a batch of iterations, and their median.

/** How long to warm up and how many samples to take. */
export interface TimingOptions {
  /** Warm-up time before sampling, in milliseconds. */
  readonly warmupMs: number;
  /** Number of samples; the reported figure is their median. */
  readonly samples: number;
  /** Each sample repeats the body until at least this many milliseconds have passed. */
  readonly minSampleMs: number;
}

/** What one timed case measured: seconds per iteration of each sample, and their median. */
export interface Timing {
  readonly medianSeconds: number;
  readonly sampleSeconds: readonly number[];
  readonly iterations: number;
}

/**
 * The median of a non-empty list of numbers (the mean of the middle two for an even count).
 *
 * @example
 * median([3, 1, 2]) // 2
 * median([4, 1, 3, 2]) // 2.5
 */
export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) throw new RangeError('median: the list is empty');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// Full collections between samples keep one sample's garbage from landing in the next;
// available when node runs with --expose-gc (the bench script does).
const collectGarbage = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === 'function') gc();
};

/** One contender in an interleaved timing: an optional async setup before each turn, and the body. */
export interface Contender {
  /** Runs before each of this contender's turns, untimed (e.g. switching a backend). */
  readonly enter?: () => Promise<void> | void;
  readonly body: () => void;
}

/** Repeats `body` until `ms` milliseconds have passed (at least `minRuns` times); returns seconds per run. */
const runFor = (body: () => void, ms: number, minRuns: number): { seconds: number; runs: number } => {
  let runs = 0;
  const start = performance.now();
  let now = start;
  do {
    body();
    runs++;
    now = performance.now();
  } while (now - start < ms || runs < minRuns);
  return { seconds: (now - start) / 1000 / runs, runs };
};

/**
 * Times several bodies under the same conditions: each is warmed up for `warmupMs`, then the
 * samples are taken in turns (one sample of each contender, then the next round), so a
 * machine that gets busier or quieter affects all of them alike. Each sample repeats the
 * body until `minSampleMs` have passed and gives seconds per iteration.
 *
 * @example
 * const [a, b] = await timeInterleaved([{ body: () => f() }, { enter: () => use('wasm'), body: () => g() }],
 *   { warmupMs: 300, samples: 5, minSampleMs: 100 })
 * a.medianSeconds / b.medianSeconds // how much slower f is than g
 */
export const timeInterleaved = async (contenders: readonly Contender[], options: TimingOptions): Promise<Timing[]> => {
  for (const c of contenders) {
    await c.enter?.();
    runFor(c.body, options.warmupMs, 2);
  }
  const samples: number[][] = contenders.map(() => []);
  const iterations = contenders.map(() => 0);
  for (let s = 0; s < options.samples; s++) {
    for (let i = 0; i < contenders.length; i++) {
      await contenders[i].enter?.();
      collectGarbage();
      const r = runFor(contenders[i].body, options.minSampleMs, 1);
      samples[i].push(r.seconds);
      iterations[i] += r.runs;
    }
  }
  return samples.map((sampleSeconds, i) => ({ medianSeconds: median(sampleSeconds), sampleSeconds, iterations: iterations[i] }));
};
