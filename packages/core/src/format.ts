// Readable text for tensors (toString and Node's inspect): dtype, shape and values, summarised like NumPy when large.

import { stridesOf, type Shape, shapeText } from './shape.js';

/** Above this many elements, long axes show only their first and last EDGE entries. */
const SUMMARY_THRESHOLD = 1000;
const EDGE = 3;
const LINE_WIDTH = 75;
const ELLIPSIS = -1;

/** The indices of an axis to print; ELLIPSIS marks the skipped middle. */
const shownIndices = (n: number, summarise: boolean): number[] =>
  summarise && n > 2 * EDGE
    ? [...Array.from({ length: EDGE }, (_, i) => i), ELLIPSIS, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)]
    : Array.from({ length: n }, (_, i) => i);

/**
 * The text of a tensor: `Tensor float32[2, 3]` followed by its values as nested rows, with
 * numbers right-aligned to one width and rounded to 6 (float32) or 12 (float64) significant
 * digits. A tensor of more than 1,000 elements shows only the first and last 3 entries of
 * each axis longer than 6, with `…` between them. A tracer has no values to show.
 *
 * @example
 * formatTensor('float32', [2, 2], new Float32Array([1, 2, 3, 40]))
 * // 'Tensor float32[2, 2]\n[[ 1,  2],\n [ 3, 40]]'
 */
export const formatTensor = (dtype: string, shape: Shape, data: ArrayLike<number> | undefined): string => {
  const head = `Tensor ${dtype}${shapeText(shape)}`;
  if (data === undefined) return `${head} (a tracer: no values while tracing)`;
  const precision = dtype === 'float64' ? 12 : 6;
  const text = (v: number): string => String(Number(v.toPrecision(precision)));
  const rank = shape.length;
  if (rank === 0) return `${head} ${text(data[0])}`;
  if (data.length === 0) return `${head} []`;
  const summarise = data.length > SUMMARY_THRESHOLD;
  const strides = stridesOf(shape);
  const shown = shape.map((n) => shownIndices(n, summarise));

  // First pass: the text of every element that is printed, for one common width.
  const cells = new Map<number, string>();
  const collect = (axis: number, offset: number): void => {
    for (const i of shown[axis]) {
      if (i === ELLIPSIS) continue;
      const at = offset + i * strides[axis];
      if (axis === rank - 1) cells.set(at, text(data[at]));
      else collect(axis + 1, at);
    }
  };
  collect(0, 0);
  let width = 0;
  for (const s of cells.values()) width = Math.max(width, s.length);

  const block = (axis: number, offset: number, indent: number): string => {
    if (axis === rank - 1) {
      const items = shown[axis].map((i) => (i === ELLIPSIS ? '…' : cells.get(offset + i * strides[axis])!.padStart(width)));
      // Fill lines greedily up to LINE_WIDTH; continuation lines start under the first value.
      const lines: string[] = [];
      let line = '';
      for (const item of items) {
        if (line !== '' && indent + 1 + line.length + 2 + item.length + 2 > LINE_WIDTH) {
          lines.push(line);
          line = item;
        } else line = line === '' ? item : `${line}, ${item}`;
      }
      lines.push(line);
      return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
    }
    const sep = `,${'\n'.repeat(rank - axis - 1)}${' '.repeat(indent + 1)}`;
    const rows = shown[axis].map((i) => (i === ELLIPSIS ? '…' : block(axis + 1, offset + i * strides[axis], indent + 1)));
    return `[${rows.join(sep)}]`;
  };
  const values = block(0, 0, 0);
  return values.includes('\n') ? `${head}\n${values}` : `${head} ${values}`;
};
