import type { IncomingMessage, ServerResponse } from 'node:http';

export type DrainBound = { ms: number; bytes: number };

/**
 * For an answer sent before the request's body was all read (refused, too large, not FCS).
 * Closing the socket at once would leave the client's unread bytes in the kernel, which then
 * resets the connection, and a client still sending loses the answer with it: it sees EPIPE or
 * ECONNRESET instead of the 413 that says why. So the connection stays open a little after the
 * answer, what still comes is read and dropped, and past `bound` (time or bytes) the socket is
 * destroyed: a client that read the answer and stopped costs nothing more, one that goes on
 * sending costs at most `bound.bytes`. A body that ends within the bound leaves the connection
 * reusable, as Node leaves it.
 */
export function drainRefusedBody(req: IncomingMessage, res: ServerResponse, bound: DrainBound): void {
  res.once('finish', () => {
    if (req.complete || req.destroyed) return;
    let drained = 0;
    const cut = () => {
      clearTimeout(timer);
      req.socket.destroy();
    };
    const timer = setTimeout(cut, bound.ms);
    timer.unref();
    req.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > bound.bytes) cut();
    });
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
  });
}
