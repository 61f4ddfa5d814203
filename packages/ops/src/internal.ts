// Small helpers shared by the op families' rules and messages (internal: not exported by the package).

import { add, type Tensor } from '@chainrule/core';

/**
 * The sum of two possibly-absent tangents (null is a symbolic zero): how a JVP rule adds the
 * contributions of several inputs.
 *
 * @example
 * addTangents(ta === null ? null : mul(ta, b), tb === null ? null : mul(a, tb))
 */
export const addTangents = (x: Tensor | null, y: Tensor | null): Tensor | null => (x === null ? y : y === null ? x : add(x, y));

