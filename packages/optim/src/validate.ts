// Construction-time checks of hyperparameters: each failure throws a ChainruleError naming the field.

import { ChainruleError, clipText, preview, suggest } from '@chainrule/core';
import type { ScalarOrSchedule } from './transform.js';

/** A numeric range check: optional `min`/`max` bounds, each inclusive unless marked exclusive, and an optional integer test. */
export interface Range {
  readonly min?: number;
  readonly max?: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
  readonly integer?: boolean;
}

const describeRange = (r: Range): string => {
  const lo = r.min === undefined ? '(−∞' : `${r.minExclusive ? '(' : '['}${r.min}`;
  const hi = r.max === undefined ? '∞)' : `${r.max}${r.maxExclusive ? ')' : ']'}`;
  return `${r.integer ? 'an integer' : 'a number'} in ${lo}, ${hi}`;
};

/**
 * Throws `ChainruleError('BadArgument', 'where: field must be … , got …')` unless `value` is a
 * finite number in the range.
 *
 * @example
 * checkNumber('sgd', 'momentum', 0.9, { min: 0, max: 1, maxExclusive: true })
 */
export const checkNumber = (where: string, field: string, value: unknown, range: Range = {}): number => {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (range.integer !== true || Number.isInteger(value)) &&
    (range.min === undefined || (range.minExclusive ? value > range.min : value >= range.min)) &&
    (range.max === undefined || (range.maxExclusive ? value < range.max : value <= range.max));
  if (!ok) throw new ChainruleError('BadArgument', `${where}: ${field} must be ${describeRange(range)}, got ${show(value)}`);
  return value as number;
};

/**
 * Checks a hyperparameter that may be a schedule: a function passes, a number must be finite and ≥ 0.
 *
 * @example
 * checkRate('sgd', 'learningRate', -1) // throws: learningRate must be a number in [0, ∞) or a schedule
 */
export const checkRate = (where: string, field: string, value: unknown): ScalarOrSchedule => {
  if (typeof value === 'function') return value as ScalarOrSchedule;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ChainruleError('BadArgument', `${where}: ${field} must be a number in [0, ∞) or a schedule, got ${show(value)}`);
  }
  return value;
};

/**
 * Checks an optional boolean flag.
 *
 * @example
 * checkFlag('sgd', 'nesterov', true)
 */
export const checkFlag = (where: string, field: string, value: unknown): boolean => {
  if (typeof value !== 'boolean') throw new ChainruleError('BadArgument', `${where}: ${field} must be a boolean, got ${show(value)}`);
  return value;
};

/**
 * Throws a BadArgument error with a message naming the field, for rules that tie several fields together.
 *
 * @example
 * fail('sgd', 'nesterov', 'needs momentum > 0 and dampening = 0')
 */
export const fail = (where: string, field: string, problem: string): never => {
  throw new ChainruleError('BadArgument', `${where}: ${field} ${problem}`);
};

/**
 * Throws unless the options argument is a plain object; names the unknown keys it rejects,
 * so a typo (`learning_rate`) is an error rather than a silently ignored option.
 *
 * @example
 * checkOptions('sgd', { learningRate: 0.1 }, ['learningRate', 'momentum'])
 */
export const checkOptions = (where: string, options: unknown, known: readonly string[]): void => {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ChainruleError('BadArgument', `${where}: expected an options object, got ${show(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    const near = suggest(unknown[0], known);
    const hint = near === undefined ? '' : `; did you mean '${near}'?`;
    throw new ChainruleError('BadArgument', `${where}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => clipText(k, 40)).join(', ')} (known: ${known.join(', ')}${hint})`);
  }
};

const show = (v: unknown): string => (typeof v === 'function' ? 'a function' : preview(v));
