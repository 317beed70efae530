/**
 * Incremental SHA-256 for the browser, where WebCrypto only digests a whole buffer and an
 * archive's files must be hashed as they stream. Node passes its own `createHash` instead
 * (several times faster); both satisfy `Hasher`.
 */
export type Hasher = { update(bytes: Uint8Array): void; digestHex(): string };
export type HasherFactory = () => Hasher;

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

export function sha256Hasher(): Hasher {
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  const block = new Uint8Array(64);
  let filled = 0;
  let length = 0;
  const compress = (b: Uint8Array, at: number) => {
    for (let i = 0; i < 16; i++) w[i] = ((b[at + 4 * i]! << 24) | (b[at + 4 * i + 1]! << 16) | (b[at + 4 * i + 2]! << 8) | b[at + 4 * i + 3]!) >>> 0;
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!, c = w[i - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((c >>> 17) | (c << 15)) ^ ((c >>> 19) | (c << 13)) ^ (c >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) >>> 0;
    }
    let [a, b1, c, d, e, f, g, hh] = h as unknown as number[];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e! >>> 6) | (e! << 26)) ^ ((e! >>> 11) | (e! << 21)) ^ ((e! >>> 25) | (e! << 7));
      const t1 = (hh! + S1 + ((e! & f!) ^ (~e! & g!)) + K[i]! + w[i]!) >>> 0;
      const S0 = ((a! >>> 2) | (a! << 30)) ^ ((a! >>> 13) | (a! << 19)) ^ ((a! >>> 22) | (a! << 10));
      const t2 = (S0 + ((a! & b1!) ^ (a! & c!) ^ (b1! & c!))) >>> 0;
      hh = g; g = f; f = e; e = (d! + t1) >>> 0; d = c; c = b1; b1 = a; a = (t1 + t2) >>> 0;
    }
    const add = [a, b1, c, d, e, f, g, hh];
    for (let i = 0; i < 8; i++) h[i] = (h[i]! + add[i]!) >>> 0;
  };
  return {
    update(bytes) {
      length += bytes.length;
      let i = 0;
      if (filled > 0) {
        const take = Math.min(64 - filled, bytes.length);
        block.set(bytes.subarray(0, take), filled);
        filled += take;
        i = take;
        if (filled < 64) return;
        compress(block, 0);
        filled = 0;
      }
      for (; i + 64 <= bytes.length; i += 64) compress(bytes, i);
      block.set(bytes.subarray(i), 0);
      filled = bytes.length - i;
    },
    digestHex() {
      const bits = length * 8;
      const tail = new Uint8Array(filled + 9 <= 64 ? 64 : 128);
      tail.set(block.subarray(0, filled));
      tail[filled] = 0x80;
      const view = new DataView(tail.buffer);
      view.setUint32(tail.length - 8, Math.floor(bits / 2 ** 32));
      view.setUint32(tail.length - 4, bits >>> 0);
      for (let at = 0; at < tail.length; at += 64) compress(tail, at);
      return [...h].map((x) => x.toString(16).padStart(8, '0')).join('');
    },
  };
}
