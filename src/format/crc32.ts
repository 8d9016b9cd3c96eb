/**
 * CRC-32 (IEEE 802.3; reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF), the checksum of
 * a .bmt file. Synchronous and dependency-free so that Node and the browser verify files the same way.
 * Check value: crc32("123456789") = 0xCBF43926 (the catalogue's test vector for CRC-32/ISO-HDLC).
 */

/** Byte-indexed remainder table for the reflected polynomial (Sarwate's table-driven method). */
function crcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const TABLE = crcTable();

/** CRC-32 of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
