import { describe, it, expect } from 'vitest';
import { softmaxCrossEntropy, tensor, jit } from '../index.js';

describe('softmaxCrossEntropy with class indices', () => {
  it('matches −log softmax at the label', () => {
    // logits [2, 0]: −log(e²/(e²+1)) = log(1 + e⁻²)
    const l = softmaxCrossEntropy(tensor([[2, 0]], { dtype: 'float64' }), tensor([0], { dtype: 'float64' }));
    expect(l.data[0]).toBeCloseTo(Math.log(1 + Math.exp(-2)), 12);
  });
  it('labels out of range or not integers are an error, not NaN, eagerly and jitted', () => {
    const z = tensor([[2, 0], [1, 1]]);
    for (const bad of [2, -1, 0.5, NaN]) {
      expect(() => softmaxCrossEntropy(z, tensor([0, bad]))).toThrow(new RegExp(`class label ${bad} at index 1 is not an integer in \\[0, 2\\)`));
    }
    const f = jit((a, b) => softmaxCrossEntropy(a, b));
    expect(() => f(z, tensor([5, 0]))).toThrow(/class label 5 at index 0/);
  });
});
