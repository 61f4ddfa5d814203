// io-ts codecs for command-line flag values, and decoding that names the flag at fault.

import * as t from 'io-ts';
import { left, right, isLeft, type Either } from 'fp-ts/lib/Either.js';

/**
 * `--kebab-case` spelling of an option key as commander stores it (camelCase).
 *
 * @example
 * flagName('batchSize') // '--batch-size'
 */
export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

const show = (u: unknown): string => (typeof u === 'string' ? `'${u}'` : JSON.stringify(u));

const numberFrom = (u: unknown): number | undefined => {
  if (typeof u === 'number') return u;
  if (typeof u !== 'string' || u.trim() === '') return undefined;
  const n = Number(u);
  return Number.isNaN(n) ? undefined : n;
};

/**
 * An integer flag in [min, max], given as text or a number.
 *
 * @example
 * intFlag(1).decode('32')  // right(32)
 * intFlag(1).decode('0')   // left: expected an integer ≥ 1
 */
export const intFlag = (min: number, max = Number.MAX_SAFE_INTEGER): t.Type<number, number, unknown> => {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
  return new t.Type<number, number, unknown>(
    expected,
    (u): u is number => typeof u === 'number' && Number.isInteger(u) && u >= min && u <= max,
    (u, c) => {
      const n = numberFrom(u);
      return n !== undefined && Number.isInteger(n) && n >= min && n <= max ? t.success(n) : t.failure(u, c, `expected ${expected}, got ${show(u)}`);
    },
    (n) => n,
  );
};

/** Bounds of a {@link numberFlag}: `above`/`below` exclusive, `min`/`max` inclusive. */
export interface NumberBounds {
  readonly above?: number;
  readonly below?: number;
  readonly min?: number;
  readonly max?: number;
}

/**
 * A finite number flag with optional bounds.
 *
 * @example
 * numberFlag({ above: 0 }).decode('0.1')          // right(0.1)
 * numberFlag({ min: 0, below: 1 }).decode('1')    // left: expected a number ≥ 0 and < 1
 */
export const numberFlag = (bounds: NumberBounds = {}): t.Type<number, number, unknown> => {
  const parts: string[] = [];
  if (bounds.above !== undefined) parts.push(`> ${bounds.above}`);
  if (bounds.min !== undefined) parts.push(`≥ ${bounds.min}`);
  if (bounds.below !== undefined) parts.push(`< ${bounds.below}`);
  if (bounds.max !== undefined) parts.push(`≤ ${bounds.max}`);
  const expected = `a number${parts.length > 0 ? ` ${parts.join(' and ')}` : ''}`;
  const ok = (n: number): boolean =>
    Number.isFinite(n) &&
    (bounds.above === undefined || n > bounds.above) &&
    (bounds.below === undefined || n < bounds.below) &&
    (bounds.min === undefined || n >= bounds.min) &&
    (bounds.max === undefined || n <= bounds.max);
  return new t.Type<number, number, unknown>(
    expected,
    (u): u is number => typeof u === 'number' && ok(u),
    (u, c) => {
      const n = numberFrom(u);
      return n !== undefined && ok(n) ? t.success(n) : t.failure(u, c, `expected ${expected}, got ${show(u)}`);
    },
    (n) => n,
  );
};

/**
 * A comma-separated list of positive integers (layer sizes); an empty string is an empty list.
 *
 * @example
 * sizesFlag.decode('64,32') // right([64, 32])
 * sizesFlag.decode('64,x')  // left: expected comma-separated positive integers
 */
export const sizesFlag: t.Type<readonly number[], string, unknown> = new t.Type<readonly number[], string, unknown>(
  'layer sizes',
  (u): u is readonly number[] => Array.isArray(u) && u.every((n) => Number.isInteger(n) && n > 0),
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, `expected comma-separated positive integers, got ${show(u)}`);
    if (u.trim() === '') return t.success([]);
    const parts = u.split(',').map((s) => s.trim());
    const sizes = parts.map(Number);
    return parts.every((p) => /^\d+$/.test(p)) && sizes.every((n) => n > 0)
      ? t.success(sizes)
      : t.failure(u, c, `expected comma-separated positive integers such as '128' or '64,32', got ${show(u)}`);
  },
  (sizes) => sizes.join(','),
);

/**
 * One of a fixed set of words.
 *
 * @example
 * choiceFlag(['sgd', 'adam']).decode('adam') // right('adam')
 */
export const choiceFlag = <K extends string>(choices: readonly K[]): t.Type<K, K, unknown> =>
  new t.Type<K, K, unknown>(
    choices.join('|'),
    (u): u is K => typeof u === 'string' && (choices as readonly string[]).includes(u),
    (u, c) =>
      typeof u === 'string' && (choices as readonly string[]).includes(u)
        ? t.success(u as K)
        : t.failure(u, c, `expected one of ${choices.join(', ')}, got ${show(u)}`),
    (k) => k,
  );

/**
 * Decodes commander's option record with a codec; a Left lists every bad flag by its
 * `--name` and says what was expected.
 *
 * @example
 * decodeFlags(t.type({ epochs: intFlag(1) }), { epochs: 'x' })
 * // left("--epochs: expected an integer ≥ 1, got 'x'")
 */
export const decodeFlags = <A>(codec: t.Decoder<unknown, A>, raw: Readonly<Record<string, unknown>>): Either<string, A> => {
  const decoded = codec.decode(raw);
  if (!isLeft(decoded)) return right(decoded.right);
  const messages = decoded.left.map((e) => {
    const key = e.context.length > 1 ? e.context[1].key : '';
    const message = e.message ?? `expected ${e.context[e.context.length - 1]?.type.name ?? 'a valid value'}, got ${show(e.value)}`;
    return key === '' ? message : `${flagName(key)}: ${message}`;
  });
  return left([...new Set(messages)].join('\n'));
};
