// Tests of the reversal task's batches: the sequence layout, the shift by one and the mask over the answer.

import { describe, expect, it } from 'vitest';
import { key } from 'chainrule';
import { reversalBatch, separator, stepKey } from './task.js';

describe('reversalBatch', () => {
  const { inputs, labels, mask, digits } = reversalBatch(key(3), 5, 4);
  it('holds d₁…d₄ = d₄…d₁ without its last token, and labels shifted by one', () => {
    expect(inputs.shape).toEqual([5, 8]);
    expect(labels.shape).toEqual([5, 8]);
    for (let b = 0; b < 5; b++) {
      const d = digits[b];
      const full = [...d, separator, ...[...d].reverse()];
      expect(Array.from(inputs.data.slice(b * 8, b * 8 + 8))).toEqual(full.slice(0, 8));
      expect(Array.from(labels.data.slice(b * 8, b * 8 + 8))).toEqual(full.slice(1));
      expect(d.every((x) => Number.isInteger(x) && x >= 0 && x <= 9)).toBe(true);
    }
  });
  it('masks in exactly the positions whose next token is an answer digit', () => {
    expect(Array.from(mask.data)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });
  it('is the same for the same key and differs between steps', () => {
    expect(reversalBatch(key(3), 5, 4).digits).toEqual(digits);
    expect(reversalBatch(stepKey(key(3), 1), 5, 4).digits).not.toEqual(reversalBatch(stepKey(key(3), 2), 5, 4).digits);
  });
});
