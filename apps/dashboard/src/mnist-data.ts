// Unpacks the MNIST digits the build packed (build/mnist-asset.ts) into the mnist package's file form.

import { left, right, type Either } from 'fp-ts/lib/Either.js';

const PIXELS = 28 * 28;

/**
 * Turns the packed bytes back into ten `{ data }` files (classes 0…9, floats in [0, 1], 784
 * per digit), the form `mnistFromRaw` from `@chainrule/train` takes. A Left says what is
 * wrong with the bytes (too short, a size that does not match the header).
 *
 * @example
 * const files = unpackMnist(await (await fetch(url)).arrayBuffer())
 */
export const unpackMnist = (buffer: ArrayBuffer): Either<string, { readonly data: Float32Array }[]> => {
  if (buffer.byteLength < 4) return left(`mnist asset: ${buffer.byteLength} bytes, too short for its header`);
  const perDigit = new DataView(buffer).getUint32(0, true);
  const expected = 4 + 10 * perDigit * PIXELS;
  if (perDigit === 0 || buffer.byteLength !== expected) {
    return left(`mnist asset: header says ${perDigit} digits per class (${expected} bytes), got ${buffer.byteLength} bytes`);
  }
  const bytes = new Uint8Array(buffer, 4);
  return right(
    Array.from({ length: 10 }, (_, d) => {
      const data = new Float32Array(perDigit * PIXELS);
      const from = d * perDigit * PIXELS;
      for (let i = 0; i < data.length; i++) data[i] = bytes[from + i] / 255;
      return { data };
    }),
  );
};
