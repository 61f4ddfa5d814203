import { describe, it, expect } from 'vitest';
import { checkUntrusted, shapeProblem, checkShape, MAX_DEPTH, MAX_ELEMENTS } from './index.js';

describe('checkUntrusted', () => {
  it('accepts ordinary JSON and refuses nesting deeper than MAX_DEPTH, naming the path', () => {
    expect(checkUntrusted({ a: [1, { b: [2] }] })).toBeUndefined();
    const ok = JSON.parse('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH));
    expect(checkUntrusted(ok)).toBeUndefined();
    const deep = JSON.parse(`{"x":${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}}`);
    const p = checkUntrusted(deep);
    expect(p?.tooLarge).toBe(true);
    expect(p?.message).toMatch(/^x\[0\]\[0\].*: nested deeper than 64 levels/);
  });
  it('refuses prototype keys at any depth', () => {
    for (const k of ['__proto__', 'constructor', 'prototype']) {
      const p = checkUntrusted(JSON.parse(`{"params":[{"${k}":{"w":1}}]}`));
      expect(p).toEqual({ message: `params[0].${k}: key '${k}' is not allowed (it could replace an object's prototype)`, tooLarge: false });
    }
  });
  it('terminates on cycles and on heavily shared structure', () => {
    const a: unknown[] = [];
    a.push(a);
    expect(checkUntrusted(a)?.message).toMatch(/or cyclic/);
    // 60 levels, each array holding its child twice: 2^60 paths, 60 objects.
    let shared: unknown = [];
    for (let i = 0; i < 60; i++) shared = [shared, shared];
    expect(checkUntrusted(shared)).toBeUndefined();
  });
});

describe('shapeProblem and checkShape', () => {
  it('names the first bad dim, and flags too large shapes', () => {
    expect(shapeProblem([2, 3])).toBeUndefined();
    expect(shapeProblem([2, -1])).toEqual({ message: 'shape[1] must be a non-negative integer, got -1', tooLarge: false, dim: 1 });
    expect(shapeProblem('2')?.message).toBe('shape must be an array of dims, got "2"');
    expect(shapeProblem([MAX_ELEMENTS])).toBeUndefined();
    expect(shapeProblem([MAX_ELEMENTS + 1])?.tooLarge).toBe(true);
    expect(shapeProblem([0, MAX_ELEMENTS + 1])?.tooLarge).toBe(true);
    expect(shapeProblem(new Array(MAX_DEPTH + 1).fill(1))?.message).toMatch(/more than the limit of 64/);
    expect(() => checkShape('zeros', [1e300])).toThrow(/TooLarge: zeros: shape \[1e\+300\] has 1e\+300 elements/);
  });
});
