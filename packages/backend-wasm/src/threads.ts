// A pool of workers over one shared WebAssembly.Memory: the caller posts one kernel call per worker, runs its own share, and waits.
//
// Each worker instantiates the kernel module over the same memory and sleeps in Atomics.wait
// on its slot of a control block in that memory. A call writes the export's index and its
// arguments into the slot and flips the slot's state; the worker runs it and flips it back.
// Kernels stay synchronous: the caller blocks in Atomics.wait (allowed in Node and in
// workers, not on a browser page's main thread). Workers are unref'd, so the pool never
// keeps a process alive; a failed or vanished worker is an Error naming it, never a hang.

/** Bytes of one worker's slot in the control block. */
export const SLOT_BYTES = 256;
const MAX_ARGS = 16;
const ERROR_BYTES = SLOT_BYTES - 16 - MAX_ARGS * 8;

// Slot states.
const IDLE = 0, POSTED = 1, RUNNING = 2, DONE = 3, FAILED = 4, STARTING = 5;

/** How long a worker may take to come up or to pick up a posted call before it counts as gone. */
const START_TIMEOUT_MS = 10_000;
/** How long one call may run on a worker before the pool gives up on it. */
const RUN_TIMEOUT_MS = 120_000;

// The worker's program, as source so it loads the same way under Node, Vite and a bundler:
// Node runs it with `eval: true` (workerData), a browser from a Blob URL (onmessage).
const WORKER_SOURCE = `
const start = ({ module, memory, names, slot }) => {
  const fns = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const table = names.map((n) => fns[n]);
  const i32 = new Int32Array(memory.buffer, slot, 4);
  const f64 = new Float64Array(memory.buffer, slot + 16, ${MAX_ARGS});
  const text = new Uint8Array(memory.buffer, slot + 16 + ${MAX_ARGS * 8}, ${ERROR_BYTES});
  Atomics.store(i32, 0, ${IDLE});
  Atomics.notify(i32, 0);
  for (;;) {
    let s;
    while ((s = Atomics.load(i32, 0)) !== ${POSTED}) Atomics.wait(i32, 0, s);
    Atomics.store(i32, 0, ${RUNNING});
    try {
      table[i32[1]](...Array.from(f64.subarray(0, i32[2])));
      Atomics.store(i32, 0, ${DONE});
    } catch (e) {
      const m = String((e && e.message) || e).slice(0, ${ERROR_BYTES});
      for (let i = 0; i < m.length; i++) text[i] = m.charCodeAt(i) & 127;
      i32[3] = m.length;
      Atomics.store(i32, 0, ${FAILED});
    }
    Atomics.notify(i32, 0);
  }
};
if (typeof process === 'object' && process.versions && process.versions.node) start(process.getBuiltinModule('node:worker_threads').workerData);
else self.onmessage = (e) => start(e.data);
`;

/** One call of a kernel export: its name and its numeric arguments. */
export interface Job {
  readonly fn: string;
  readonly args: readonly number[];
}

interface Handle {
  readonly terminate: () => unknown;
  /** Why this worker is gone, once its exit or error event has been seen. */
  gone?: string;
}

type NodeWorkerCtor = new (src: string, opts: { eval: boolean; workerData: unknown; execArgv: string[] }) => {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error' | 'exit', f: (v: unknown) => void): void;
};

const nodeWorkerThreads = (): { Worker: NodeWorkerCtor } | undefined => {
  const p = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  return p?.versions?.node !== undefined && typeof p.getBuiltinModule === 'function'
    ? p.getBuiltinModule('node:worker_threads') as { Worker: NodeWorkerCtor }
    : undefined;
};

/**
 * Whether this thread may block in Atomics.wait (Node, workers), which the pool's caller
 * must do; a browser page's main thread may not.
 *
 * @example
 * canBlock() // true in Node
 */
export const canBlock = (): boolean => {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Workers 1…size−1 over a shared memory (the caller is worker 0). `slots` is the byte address
 * of the control block, size·SLOT_BYTES bytes the caller reserved in that memory;
 * `startTimeoutMs` bounds how long a worker may take to start or to pick up a call.
 *
 * @example
 * const pool = new ThreadPool(module, memory, ['matmulF32'], slotsPtr, 2)
 * pool.run([{ fn: 'matmulF32', args: [...] }, { fn: 'matmulF32', args: [...] }], mainExports)
 */
export class ThreadPool {
  private readonly handles: Handle[] = [];
  private readonly index: ReadonlyMap<string, number>;

  constructor(module: WebAssembly.Module, private readonly memory: WebAssembly.Memory, private readonly names: readonly string[],
    private readonly slots: number, readonly size: number, private readonly startTimeoutMs = START_TIMEOUT_MS) {
    this.index = new Map(names.map((n, i) => [n, i]));
    const node = nodeWorkerThreads();
    for (let t = 1; t < size; t++) {
      const slot = slots + t * SLOT_BYTES;
      Atomics.store(this.state(t), 0, STARTING);
      const data = { module, memory, names, slot };
      if (node !== undefined) {
        // execArgv: [] so flags such as --input-type=module do not change how the source is read.
        const w = new node.Worker(WORKER_SOURCE, { eval: true, workerData: data, execArgv: [] });
        const h: Handle = { terminate: () => w.terminate() };
        w.on('error', (e) => { h.gone ??= `it failed: ${e instanceof Error ? e.message : String(e)}`; });
        w.on('exit', (code) => { h.gone ??= `it exited with code ${String(code)}`; });
        w.unref();
        this.handles.push(h);
      } else {
        const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
        const w = new Worker(url);
        const h: Handle = { terminate: () => w.terminate() };
        w.onerror = (e) => { h.gone ??= `it failed: ${e.message}`; };
        w.postMessage(data);
        this.handles.push(h);
      }
    }
  }

  /** Resolves once every worker has started (a browser starts workers only when this thread yields). */
  async ready(): Promise<void> {
    const started = Date.now();
    for (let t = 1; t < this.size; t++) {
      while (Atomics.load(this.state(t), 0) === STARTING) {
        this.check(t, 'its first call');
        if (Date.now() - started > this.startTimeoutMs) {
          this.handles[t - 1].gone ??= 'it never started';
          throw new Error(`wasm worker ${t} did not start within ${this.startTimeoutMs / 1000} s`);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  private state(t: number): Int32Array {
    return new Int32Array(this.memory.buffer, this.slots + t * SLOT_BYTES, 4);
  }

  /** Stops every worker (the pool is unusable afterwards). Tests use it to play a crash. */
  terminate(): void {
    for (const h of this.handles) {
      h.gone ??= 'it was terminated';
      h.terminate();
    }
  }

  /**
   * Runs jobs[0] on this thread with `local` (this thread's instance) and jobs[t] on worker t,
   * and returns when all are done; throws if any failed, naming the worker and the kernel.
   */
  run(jobs: readonly Job[], local: Readonly<Record<string, (...a: number[]) => void>>): void {
    if (jobs.length > this.size) throw new RangeError(`ThreadPool.run: ${jobs.length} jobs for ${this.size} threads`);
    for (let t = 1; t < jobs.length; t++) this.post(t, jobs[t]);
    let localError: unknown;
    try {
      if (jobs.length > 0) local[jobs[0].fn](...jobs[0].args);
    } catch (e) {
      localError = e;
    }
    let workerError: Error | undefined;
    for (let t = 1; t < jobs.length; t++) {
      const e = this.await(t, jobs[t].fn);
      workerError ??= e;
    }
    if (localError !== undefined) throw localError;
    if (workerError !== undefined) throw workerError;
  }

  private post(t: number, job: Job): void {
    this.check(t, job.fn);
    const s = this.state(t);
    const started = Date.now();
    // A worker still starting up takes its first call once it is idle.
    while (Atomics.load(s, 0) === STARTING) {
      this.check(t, job.fn);
      if (Date.now() - started > this.startTimeoutMs) {
        this.handles[t - 1].gone ??= 'it never started';
        throw new Error(`wasm worker ${t} did not start within ${this.startTimeoutMs / 1000} s; the thread pool cannot run ${job.fn}`);
      }
      Atomics.wait(s, 0, STARTING, 50);
    }
    const fn = this.index.get(job.fn);
    if (fn === undefined) throw new RangeError(`ThreadPool: no kernel export named ${job.fn}`);
    if (job.args.length > MAX_ARGS) throw new RangeError(`ThreadPool: ${job.fn} takes at most ${MAX_ARGS} arguments`);
    new Float64Array(this.memory.buffer, this.slots + t * SLOT_BYTES + 16, MAX_ARGS).set(job.args);
    s[1] = fn;
    s[2] = job.args.length;
    Atomics.store(s, 0, POSTED);
    Atomics.notify(s, 0);
  }

  private check(t: number, fn: string): void {
    const gone = this.handles[t - 1].gone;
    if (gone !== undefined) throw new Error(`wasm worker ${t} is gone (${gone}); cannot run ${fn}. Create a new backend.`);
  }

  // Waits for worker t's call; returns the error it reported or a timeout, else undefined.
  private await(t: number, fn: string): Error | undefined {
    const s = this.state(t);
    const posted = Date.now();
    for (;;) {
      const v = Atomics.load(s, 0);
      if (v === DONE) {
        Atomics.store(s, 0, IDLE);
        return undefined;
      }
      if (v === FAILED) {
        const n = s[3];
        const bytes = new Uint8Array(this.memory.buffer, this.slots + t * SLOT_BYTES + 16 + MAX_ARGS * 8, n);
        const message = String.fromCharCode(...bytes);
        Atomics.store(s, 0, IDLE);
        return new Error(`wasm worker ${t} failed in ${fn}: ${message}`);
      }
      const waited = Date.now() - posted;
      if (v === POSTED && waited > this.startTimeoutMs) {
        this.handles[t - 1].gone ??= 'it stopped taking calls';
        return new Error(`wasm worker ${t} did not pick up ${fn} within ${this.startTimeoutMs / 1000} s: it crashed or was terminated. Create a new backend.`);
      }
      if (waited > RUN_TIMEOUT_MS) {
        this.handles[t - 1].gone ??= 'it stopped answering';
        return new Error(`wasm worker ${t} has run ${fn} for over ${RUN_TIMEOUT_MS / 1000} s without finishing; giving up on it`);
      }
      Atomics.wait(s, 0, v, 50);
    }
  }
}

/**
 * Splits [0, total) into at most `parts` contiguous ranges of near-equal size, each boundary
 * a multiple of `multiple` (so register tiles are not cut); empty ranges are left out.
 *
 * @example
 * splitRange(10, 2, 4) // [[0, 8], [8, 10]]
 */
export const splitRange = (total: number, parts: number, multiple = 1): [number, number][] => {
  const out: [number, number][] = [];
  const step = Math.ceil(total / Math.max(1, parts) / multiple) * multiple;
  for (let a = 0; a < total; a += step) out.push([a, Math.min(total, a + step)]);
  return out;
};
