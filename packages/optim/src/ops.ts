// The ops this package uses beyond core's, in one place.

export { sqrt, cos, maximum, minimum, where, greaterEqual, floor } from '@chainrule/ops';
