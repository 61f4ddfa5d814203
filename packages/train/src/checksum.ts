// CRC-32 of text (its UTF-8 bytes): the checksum that seals a checkpoint document, pure JS so the browser entry can verify it too.

/** The CRC-32 table of the reflected polynomial 0xEDB88320 (the one of zip, PNG and gzip). */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The CRC-32 (as zip, PNG and gzip compute it) of a string's UTF-8 bytes, as 8 lowercase hex
 * digits. It detects every single-bit error and every burst of up to 32 bits; it guards
 * against corruption, not against someone who edits a file on purpose.
 *
 * @example
 * crc32('123456789') // 'cbf43926'
 */
export const crc32 = (text: string): string => {
  const bytes = new TextEncoder().encode(text);
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
};
