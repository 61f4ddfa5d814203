// A short fuzz of every decoder in the suite (`pnpm fuzz` runs 10,000 cases each): no crash,
// no accepted-invalid document, no over-long message. Hangs are reported by `pnpm fuzz`, not asserted.

import { describe, it, expect } from 'vitest';
import { decodeGraph } from '@chainrule/core';
import { standardRegistry } from '@chainrule/ops';
import { fuzzDecoders } from './decoder-fuzz.js';

describe('decoder fuzz (300 hostile cases per decoder)', () => {
  for (const name of ['graph', 'checkpoint', 'model spec', 'tensor JSON', 'optimizer config']) {
    it(`${name}: every case is a Left or a valid accepted value`, () => {
      const [report] = fuzzDecoders(300, 14, name);
      expect(report.failures).toEqual([]);
      expect(report.counts.crash + report.counts.acceptedInvalid + report.counts.longMessage).toBe(0);
      // Both outcomes occur: the inputs are neither all rejected nor all accepted.
      expect(report.counts.left).toBeGreaterThan(0);
      expect(report.counts.left + report.counts.accepted + report.counts.hang).toBe(300);
    });
  }
});

describe('the small documents that used to allocate without bound', () => {
  it('oneHot depth 1e9, broadcastTo [1e5, 1e5] and pad [[0, 1e9]] are refused at decode with TooLarge', () => {
    const registry = standardRegistry();
    const doc = (op: string, attrs: unknown, shape: number[]) =>
      `{"version":1,"nodes":[{"id":0,"op":"core.input","inputs":[],"attrs":{},"shape":[3],"dtype":"float32"},{"id":1,"op":"${op}","inputs":[0],"attrs":${JSON.stringify(attrs)},"shape":${JSON.stringify(shape)},"dtype":"float32"}],"inputs":[0],"outputs":[1]}`;
    for (const text of [
      doc('core.oneHot', { depth: 1e9 }, [3, 1e9]),
      doc('core.broadcastTo', { shape: [1e5, 1e5, 3] }, [1e5, 1e5, 3]),
      doc('ops.pad', { paddings: [[0, 1e9]] }, [1e9 + 3]),
      doc('ops.pad', { paddings: [[0, 1e9]] }, [3]),
    ]) {
      expect(text.length).toBeLessThan(300);
      const r = decodeGraph(text, registry);
      expect(r._tag === 'Left' && r.left.code).toBe('TooLarge');
    }
  });
});
