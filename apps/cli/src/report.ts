// How a training shows itself: a progress bar on a terminal, one line per epoch otherwise, or JSON lines.

import cliProgress from 'cli-progress';
import { eventToJson, type EpochEvent, type StepEvent, type TrainEvent } from '@chainrule/train';
import type { OutStream } from './io.js';

/** The outcome of a training command, printed last. */
export interface TrainSummary {
  readonly dataset: string;
  readonly testExamples: number;
  readonly testAccuracy: number;
  readonly testLoss: number;
  readonly epochs: number;
  readonly steps: number;
  readonly seconds: number;
  readonly stopped: boolean;
  readonly checkpoint?: string;
}

/** Receives a training's events, status notes and final summary, and prints them. */
export interface Reporter {
  readonly event: (e: TrainEvent) => void;
  /** A status message (stopping, checkpoint saved, …). */
  readonly note: (message: string) => void;
  readonly finish: (summary: TrainSummary) => void;
}

/**
 * A percentage with one decimal.
 *
 * @example
 * percent(0.9468) // '94.7%'
 */
export const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;

/**
 * A count with its noun, singular for exactly one.
 *
 * @example
 * counted(1, 'epoch') // '1 epoch'
 * counted(2, 'epoch') // '2 epochs'
 */
export const counted = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

const num = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : String(x));

/**
 * The one-line summary of an epoch.
 *
 * @example
 * epochLine(e, 6) // 'epoch 3/6  loss 0.2314  acc 93.4%  val loss 0.2511  val acc 92.8%  4.1 s'
 */
export const epochLine = (e: EpochEvent, epochs: number): string => {
  const parts = [`epoch ${e.epoch}/${epochs}`, `loss ${num(e.loss)}`, `acc ${percent(e.metrics.accuracy)}`];
  if (e.validation !== undefined) parts.push(`val loss ${num(e.validation.loss)}`, `val acc ${percent(e.validation.accuracy)}`);
  parts.push(`${(e.ms / 1000).toFixed(1)} s`);
  return parts.join('  ');
};

/**
 * The closing line of a training.
 *
 * @example
 * summaryLine(s) // 'test accuracy 94.7% (loss 0.1812) on 2000 mnist examples, 6 epochs, 1500 steps, 31.2 s'
 */
export const summaryLine = (s: TrainSummary): string =>
  `${s.stopped ? 'stopped early; ' : ''}test accuracy ${percent(s.testAccuracy)} (loss ${num(s.testLoss)}) on ${counted(s.testExamples, `${s.dataset} example`)}, ` +
  `${counted(s.epochs, 'epoch')}, ${counted(s.steps, 'step')}, ${s.seconds.toFixed(1)} s${s.checkpoint === undefined ? '' : `\ncheckpoint: ${s.checkpoint}`}`;

/**
 * One line per epoch and the summary: for logs, pipes and CI.
 *
 * @example
 * const r = plainReporter(process.stdout, process.stderr, 6)
 */
export const plainReporter = (out: OutStream, err: OutStream, epochs: number): Reporter => ({
  event: (e) => {
    if (e.type === 'epoch') out.write(`${epochLine(e, epochs)}\n`);
  },
  note: (m) => void err.write(`${m}\n`),
  finish: (s) => void out.write(`${summaryLine(s)}\n`),
});

/**
 * The event stream as JSON lines on `out` (params left out), closed by a `result` line;
 * notes go to `err` so `out` stays machine-readable.
 *
 * @example
 * chainrule train --dataset xor --json | jq 'select(.type == "epoch") | .loss'
 */
export const jsonReporter = (out: OutStream, err: OutStream): Reporter => ({
  event: (e) => void out.write(`${JSON.stringify(eventToJson(e))}\n`),
  note: (m) => void err.write(`${m}\n`),
  finish: (s) => void out.write(`${JSON.stringify({ type: 'result', ...s })}\n`),
});

/**
 * A progress bar per epoch (step, loss, accuracy, speed) on a terminal, replaced by the
 * epoch's summary line when the epoch ends.
 *
 * @example
 * const r = progressReporter(process.stdout, 6)
 */
export const progressReporter = (out: OutStream, epochs: number): Reporter => {
  let bar: cliProgress.SingleBar | undefined;
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const onStep = (e: StepEvent): void => {
    const payload = { epoch: e.epoch, epochs, loss: num(e.loss), acc: percent(e.accuracy), ms: e.ms.toFixed(1) };
    if (bar === undefined) {
      bar = new cliProgress.SingleBar(
        {
          stream: out as NodeJS.WritableStream,
          format: 'epoch {epoch}/{epochs} |{bar}| step {value}/{total} | loss {loss} | acc {acc} | {ms} ms/step',
          barsize: 24,
          hideCursor: true,
          clearOnComplete: true,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(e.stepsPerEpoch, e.batch, payload);
    } else {
      bar.update(e.batch, payload);
    }
  };
  return {
    event: (e) => {
      if (e.type === 'step') onStep(e);
      else if (e.type === 'epoch') {
        stop();
        out.write(`${epochLine(e, epochs)}\n`);
      } else stop();
    },
    note: (m) => {
      stop();
      out.write(`${m}\n`);
    },
    finish: (s) => {
      stop();
      out.write(`${summaryLine(s)}\n`);
    },
  };
};

/**
 * Fewer lines: with `quiet`, no per-epoch output at all (notes and the summary stay);
 * otherwise only every `logEvery`-th epoch and the last one (`epochs`) reach `reporter`.
 *
 * @example
 * const r = thinned(plainReporter(process.stdout, process.stderr, 200), { logEvery: 20, epochs: 200 }) // 10 epoch lines
 */
export const thinned = (reporter: Reporter, { quiet = false, logEvery = 1, epochs }: { readonly quiet?: boolean; readonly logEvery?: number; readonly epochs: number }): Reporter => ({
  ...reporter,
  event: (e) => {
    if (quiet && e.type !== 'done') return;
    if (e.type === 'epoch' && e.epoch % logEvery !== 0 && e.epoch !== epochs) return;
    reporter.event(e);
  },
});
