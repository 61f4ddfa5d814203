// Tests of crc32 against the published check values of CRC-32 (ISO-HDLC, as zip and PNG use it).

import { describe, it, expect } from 'vitest';
import { crc32 } from './checksum.js';

describe('crc32', () => {
  it('gives the standard check values', () => {
    expect(crc32('')).toBe('00000000');
    expect(crc32('123456789')).toBe('cbf43926');
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe('414fa339');
    expect(crc32('a')).toBe('e8b7be43');
  });

  it('hashes the UTF-8 bytes (values from Python: zlib.crc32(text.encode()))', () => {
    expect(crc32('é')).toBe('0e048d3e');
    expect(crc32('€ and 𝄞')).toBe('6ffa9467');
  });

  it('changes when any single bit of the text changes', () => {
    const text = '{"w":[0.125,-3.5,1e-7]}';
    const base = crc32(text);
    for (let i = 0; i < text.length; i++) {
      for (let bit = 0; bit < 7; bit++) {
        const flipped = text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ (1 << bit)) + text.slice(i + 1);
        expect(crc32(flipped)).not.toBe(base);
      }
    }
  });
});
