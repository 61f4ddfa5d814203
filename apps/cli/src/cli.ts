// The `chainrule` command line: commander defines commands and flags, io-ts checks their values.

import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { setBackend } from '@chainrule/core';
import { bestBackend, knownBackendNames } from '@chainrule/backend-wasm';
import { isLeft } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { decodeFlags } from './flags.js';
import { counted } from './report.js';
import type { Io } from './io.js';
import { ACTIVATIONS, DATASETS, MODELS, OPTIMIZERS, PRESETS } from './setup.js';
import { EXIT, trainCommand, trainFlagsCodec } from './commands/train.js';
import { evalCommand, evalFlagsCodec } from './commands/evaluate.js';
import { predictCommand, predictFlagsCodec } from './commands/predict.js';
import { inspectCommand, inspectFlagsCodec } from './commands/inspect.js';
import { benchCommand } from './commands/bench.js';
import { exportCommand, exportFlagsCodec } from './commands/export.js';
import { errorText } from '@chainrule/core';

const version = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** The commands defined below, and commander's own `help`. */
const COMMANDS: readonly string[] = ['train', 'eval', 'predict', 'inspect', 'bench', 'help'];

const mnist = PRESETS.mnist;
// One paragraph without line breaks: commander wraps it to the terminal's width.
const MAIN_JOB =
  `With no command, trains the seed's network (784 → ${mnist.hidden.join(' → ')} ${mnist.activation} → 10, softmax ` +
  `cross-entropy, SGD with momentum ${mnist.momentum}, lr ${mnist.learningRate}, batch ${mnist.batchSize}, ${counted(mnist.epochs, 'epoch')}) on MNIST ` +
  `(${mnist.trainSize.toLocaleString('en-US')} train / ${mnist.testSize.toLocaleString('en-US')} test digits) and prints the test accuracy.`;

/** The backend `--backend` names (else CHAINRULE_BACKEND, else the best that loads), or why there is none. */
const chooseBackendFlag = (name: unknown) => {
  try {
    return bestBackend(typeof name === 'string' ? name : undefined);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
};

/**
 * Runs the CLI on arguments (without `node` and the script) and resolves to the exit code:
 * 0 done, 1 failed, 2 bad usage (a flag or value, named in the message), 130 interrupted.
 *
 * @example
 * process.exitCode = await run(process.argv.slice(2), processIo())
 * await run(['train', '--dataset', 'xor', '--json'], io)
 */
export const run = async (argv: readonly string[], io: Io): Promise<number> => {
  let result: Promise<number> | undefined;
  const program = new Command('chainrule');
  program
    .description(`Train, evaluate and inspect chainrule networks.\n\n${MAIN_JOB}`)
    .version(version)
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .option('--backend <name>', `where kernels run: ${knownBackendNames().join(' | ')} (default: the fastest that loads; CHAINRULE_BACKEND sets it too)`);

  /** Decodes a command's flags, then runs it; a bad value ends with its message and exit code 2. */
  const start = <A>(name: string, codec: t.Decoder<unknown, A>, go: (flags: A) => Promise<number>) => (opts: Record<string, unknown>) => {
    const backend = chooseBackendFlag(program.opts().backend);
    if (typeof backend === 'string') {
      io.stderr.write(`chainrule ${name}: --backend: ${backend}\n(add --help for usage)\n`);
      result = Promise.resolve(EXIT.usage);
      return;
    }
    setBackend(backend);
    const flags = decodeFlags(codec, opts);
    if (isLeft(flags)) {
      io.stderr.write(`chainrule ${name}: ${flags.left.split('\n').join(`\nchainrule ${name}: `)}\n(add --help for usage)\n`);
      result = Promise.resolve(EXIT.usage);
      return;
    }
    // Anything a command did not handle itself (a dataset that fails to load, say) ends
    // with its message and exit code 1, not a stack trace.
    result = go(flags.right).catch((e: unknown) => {
      io.stderr.write(`chainrule ${name}: ${errorText(e)}\n`);
      return EXIT.failed;
    });
  };

  // A first word that names no command is a typo (`chainrule trian`), not operands of the
  // default command: then train is not the default, and commander reports the unknown
  // command with the nearest name.
  const first = argv[0];
  const isDefault = first === undefined || first.startsWith('-') || COMMANDS.includes(first);
  program
    .command('train', { isDefault })
    .summary('Train a network and print its test accuracy (the default command).')
    .description(`Train a network and print its test accuracy. ${MAIN_JOB}`)
    .option('--dataset <name>', `${DATASETS.join(' | ')} (default mnist)`)
    .option('--train-size <n>', 'training examples (default: mnist 8000, synthetic 240–320)')
    .option('--test-size <n>', 'test examples (default: mnist 2000, synthetic 60–80)')
    .option('--val-fraction <f>', 'hold out this fraction of the training examples as a validation set, measured after every epoch (default: none; the test set is measured once, at the end)')
    .option('--model <kind>', `${MODELS.join(' | ')}: a dense network, or conv2d + max pooling for MNIST (default mlp)`)
    .option('--hidden <sizes>', 'hidden layer sizes, comma-separated (default: mnist 128)')
    .option('--activation <name>', `${ACTIVATIONS.join(' | ')} for hidden layers (default: mnist sigmoid)`)
    .option('--optimizer <name>', `${OPTIMIZERS.join(' | ')} (default sgd)`)
    .option('--lr <rate>', 'learning rate (default: sgd 0.2 on mnist, adam 0.001)')
    .option('--momentum <m>', 'momentum in [0, 1) for sgd and rmsprop (default: sgd 0.9)')
    .option('--nesterov', 'Nesterov momentum (sgd)')
    .option('--weight-decay <wd>', 'L2 penalty, or decoupled decay for adamw')
    .option('--schedule <name>', 'constant | cosine (decay to 0 over the run) (default: constant; cnn cosine)')
    .option('--epochs <n>', 'epochs (default: mnist 10); with --resume, the new total')
    .option('--batch-size <n>', 'examples per step (default: mnist 32)')
    .option('--seed <n>', 'seed of the initial weights and the shuffling (default 0)')
    .option('--data-seed <n>', 'seed of the train/test split and of synthetic data (default 0)')
    .option('--out <file>', 'write a checkpoint after every epoch and at the end (checked to be writable before training)')
    .option('--resume <file>', 'continue the run saved in this checkpoint')
    .option('--json', 'print the event stream as JSON lines')
    .option('--debug-nans', 'check every op, forward and backward, and stop at the first NaN or infinity naming the op that made it (slower)')
    .option('--quiet', 'print only the final result (and warnings)')
    .option('--log-every <n>', 'print every n-th epoch line, and the last (default 1)')
    .action(start('train', trainFlagsCodec, (f) => trainCommand(f, io)));

  program
    .command('eval')
    .description('Evaluate a checkpoint on its test split: loss, accuracy, confusion matrix.')
    .argument('<checkpoint>', 'a checkpoint written by chainrule train --out, or a .onnx file written by chainrule export')
    .option('--split <which>', 'test | train | validation (default test; train: the examples trained on)')
    .option('--json', 'print one JSON object')
    .action((path: string, opts: Record<string, unknown>) => start('eval', evalFlagsCodec, (f) => evalCommand(path, f, io))(opts));

  program
    .command('predict')
    .description('Predict classes with a checkpoint, for examples from a JSON file or its test split.')
    .argument('<checkpoint>', 'a checkpoint written by chainrule train --out, or a .onnx file')
    .option('--input <file>', 'JSON array of examples, each an array of numbers')
    .option('--count <n>', 'without --input: how many test examples (default 10)')
    .option('--json', 'print one JSON line per example')
    .action((path: string, opts: Record<string, unknown>) => start('predict', predictFlagsCodec, (f) => predictCommand(path, f, io))(opts));

  program
    .command('inspect')
    .description("Print a model's layers, parameter count, forward graph and gradient graph.")
    .argument('[checkpoint]', 'a checkpoint; without it, the model the flags describe')
    .option('--dataset <name>', `${DATASETS.join(' | ')} (default mnist)`)
    .option('--model <kind>', `${MODELS.join(' | ')} (default mlp)`)
    .option('--hidden <sizes>', 'hidden layer sizes, comma-separated')
    .option('--activation <name>', ACTIVATIONS.join(' | '))
    .option('--seed <n>', 'seed of the initial weights (default 0)')
    .option('--batch-size <n>', 'batch size to trace with (default 1)')
    .option('--nodes', 'list every node of the gradient graph')
    .option('--compiled', 'also show the gradient graph through the compiler: nodes after each pass, fused groups, memory plan')
    .option('--json', 'print the graphs as JSON')
    .action((path: string | undefined, opts: Record<string, unknown>) => start('inspect', inspectFlagsCodec, (f) => inspectCommand(path, f, io))(opts));

  program
    .command('export')
    .description('Write a checkpoint\'s model and weights as an ONNX model (opset 17), for onnxruntime and other engines.')
    .argument('<checkpoint>', 'a checkpoint written by chainrule train --out')
    .requiredOption('--onnx <file>', 'the .onnx file to write')
    .option('--batch <n>', 'a fixed batch size (default: any, a symbolic batch axis)')
    .option('--json', 'print one JSON object')
    .action((path: string, opts: Record<string, unknown>) => start('export', exportFlagsCodec, (f) => exportCommand(path, f, io))(opts));

  program
    .command('bench')
    .description('Run the benchmark against TensorFlow.js (arguments go to it, e.g. --quick).')
    .argument('[args...]', 'benchmark arguments: --quick, --repeat N, --cases …, --out FILE')
    .allowUnknownOption()
    .helpOption(false)
    .action((args: string[]) => {
      result = benchCommand(args, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw e;
  }
  return result ?? EXIT.ok;
};
