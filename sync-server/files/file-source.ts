import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { FcsSource } from '../../shared/fcs/index.ts';

/**
 * A file on disk as the FCS parser's byte source: the parser asks for HEADER and TEXT only, a
 * few small synchronous reads, so the file is never held whole. The file is closed when `use`
 * returns.
 */
export function withFileSource<T>(path: string, use: (source: FcsSource) => T): T {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    return use({
      size,
      read(from, to) {
        const out = Buffer.alloc(Math.max(0, Math.min(to, size) - from));
        let got = 0;
        while (got < out.length) {
          const n = readSync(fd, out, got, out.length - got, from + got);
          if (n === 0) break;
          got += n;
        }
        return out.subarray(0, got);
      },
    });
  } finally {
    closeSync(fd);
  }
}
