// Attr codecs shared by op plugins: optional attrs with their defaults in one place, and common refinements.

import * as t from 'io-ts';
import { isLeft, right } from 'fp-ts/lib/Either.js';

/** The decoded type of {@link withDefaults}: every attr present. */
export type Defaulted<P extends t.Props> = { readonly [K in keyof P]: t.TypeOf<P[K]> };

/** A codec of optional attrs that fills in defaults, keeping its props for introspection. */
export interface DefaultsType<P extends t.Props> extends t.Type<Defaulted<P>, Partial<Defaulted<P>>, unknown> {
  readonly props: P;
  readonly defaults: Defaulted<P>;
}

/**
 * Optional attrs whose defaults live in the codec: a rule always sees every attr, and the
 * default is written once. An absent or `undefined` attr takes its default.
 *
 * @example
 * const leakyAttrs = withDefaults({ alpha: t.number }, { alpha: 0.2 })
 * leakyAttrs.decode({}) // right({ alpha: 0.2 })
 */
export const withDefaults = <P extends t.Props>(props: P, defaults: Defaulted<P>): DefaultsType<P> => {
  const partial = t.partial(props);
  const keys = Object.keys(props);
  const type = new t.Type<Defaulted<P>, Partial<Defaulted<P>>, unknown>(
    `Defaults<${partial.name}>`,
    (u): u is Defaulted<P> => partial.is(u) && keys.every((k) => (u as Record<string, unknown>)[k] !== undefined),
    (u, c) => {
      const r = partial.validate(u, c);
      if (isLeft(r)) return r;
      const out: Record<string, unknown> = { ...defaults };
      for (const k of keys) {
        const v = (r.right as Record<string, unknown>)[k];
        if (v !== undefined) out[k] = v;
      }
      return right(out as Defaulted<P>);
    },
    (a) => partial.encode(a) as Partial<Defaulted<P>>,
  );
  return Object.assign(type, { props, defaults });
};

/** A finite number. */
export const finite = t.refinement(t.number, Number.isFinite, 'finite number');

/** A safe integer ≥ 1. */
export const positiveInt = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n > 0, 'positive integer');

/** A safe integer ≥ 0. */
export const nonNegativeInt = t.refinement(t.number, (n) => Number.isSafeInteger(n) && n >= 0, 'non-negative integer');
