// Public API of the example plugin package: the swish op and a registry that knows it.

import { standardRegistry } from '@chainrule/ops';
import type { Either } from 'fp-ts/lib/Either.js';
import type { Registry, RegistryError } from '@chainrule/core';
import { swish } from './swish.js';

export { swish, swishAttrs, swishSlope, type SwishAttrs } from './swish.js';

/**
 * The standard registry extended with swish, registered from outside the standard library:
 * what a program needs to decode graphs and checkpoints that use `myorg.swish`.
 *
 * @example
 * pipe(registryWithSwish(), E.chain((r) => decodeGraph(json, r)))
 */
export const registryWithSwish = (): Either<RegistryError, Registry> => standardRegistry().with(swish);
