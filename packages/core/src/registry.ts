// An immutable map from op name to plugin, used to decode graphs and checkpoints.

import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';
import type { Op } from './op.js';
import { input, constant } from './op.js';

/**
 * Why a plugin could not join a registry.
 *
 * @example
 * const e: RegistryError = { _tag: 'NameClash', name: 'core.add', message: '...' }
 */
export interface RegistryError {
  readonly _tag: 'NameClash';
  readonly name: string;
  readonly message: string;
}

/**
 * An immutable set of op plugins keyed by name. `with` returns a new registry, or a Left
 * when a different plugin already has the name. Graph inputs and constants are always known.
 *
 * @example
 * const reg = Registry.of(add, mul)          // Either<RegistryError, Registry>
 * pipe(reg, E.chain((r) => r.with(swish)))
 */
export class Registry {
  private readonly ops: ReadonlyMap<string, Op<any>>;

  private constructor(ops: ReadonlyMap<string, Op<any>>) {
    this.ops = ops;
  }

  /** A registry holding only graph inputs and constants. */
  static empty(): Registry {
    return new Registry(new Map<string, Op<any>>([[input.name, input], [constant.name, constant]]));
  }

  /**
   * A registry of the given plugins, or a Left on the first clash.
   *
   * @example
   * Registry.of(add, mul, exp)
   */
  static of(...ops: readonly Op<any>[]): Either<RegistryError, Registry> {
    let reg = Registry.empty();
    for (const op of ops) {
      const next = reg.with(op);
      if (next._tag === 'Left') return next;
      reg = next.right;
    }
    return right(reg);
  }

  /**
   * A new registry that also holds `op`; the same plugin twice is fine, another plugin with
   * the same name is a Left.
   *
   * @example
   * Registry.empty().with(add)
   */
  with(op: Op<any>): Either<RegistryError, Registry> {
    const existing = this.ops.get(op.name);
    if (existing === op) return right(this);
    if (existing !== undefined) {
      return left({
        _tag: 'NameClash',
        name: op.name,
        message: `an op named '${op.name}' is already registered by a different plugin`,
      });
    }
    const next = new Map(this.ops);
    next.set(op.name, op);
    return right(new Registry(next));
  }

  /** The plugin with this name, if any. */
  get(name: string): Op<any> | undefined {
    return this.ops.get(name);
  }

  /** Whether a plugin with this name is registered. */
  has(name: string): boolean {
    return this.ops.has(name);
  }

  /** All plugins, in the order they were added. */
  list(): readonly Op<any>[] {
    return [...this.ops.values()];
  }

  /** Number of plugins (graph inputs and constants included). */
  get size(): number {
    return this.ops.size;
  }
}
