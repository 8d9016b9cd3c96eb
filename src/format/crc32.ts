/**
 * CRC-32 (IEEE 802.3; reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF), the checksum of
 * a .bmt file. Synchronous and dependency-free so that Node and the browser verify files the same way.
 * Check value: crc32("123456789") = 0xCBF43926 (the catalogue's test vector for CRC-32/ISO-HDLC).
 */

/**
 * Slice-by-8 tables (Intel's method, Kounavis & Berry 2005): table k maps a byte to the CRC contribution of that
 * byte followed by k zero bytes, so eight bytes are folded per step. Table 0 is Sarwate's byte table.
 */
function crcTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) for (let n = 0; n < 256; n++) t[k * 256 + n] = (t[(k - 1) * 256 + n] >>> 8) ^ t[t[(k - 1) * 256 + n] & 0xff];
  return t;
}

const T = crcTables();

/** CRC-32 of `bytes[start, end)`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = (c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24))) >>> 0;
    c =
      T[7 * 256 + (lo & 0xff)] ^ T[6 * 256 + ((lo >>> 8) & 0xff)] ^ T[5 * 256 + ((lo >>> 16) & 0xff)] ^ T[4 * 256 + (lo >>> 24)] ^
      T[3 * 256 + bytes[i + 4]] ^ T[2 * 256 + bytes[i + 5]] ^ T[256 + bytes[i + 6]] ^ T[bytes[i + 7]];
  }
  for (; i < end; i++) c = T[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
