/**
 * Child process: the unvalidated reference relay, @y/websocket-server 0.1.1 (`setupWSConnection`
 * from its utils, no persistence), on a `ws` 8 WebSocketServer over an http server on
 * 127.0.0.1, port 0 — the same ws version and the same process arrangement as our server.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';

const http = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('okay');
});
const wss = new WebSocketServer({ noServer: true });
http.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => setupWSConnection(ws, req));
});
http.listen(0, '127.0.0.1', () => {
  process.send!({ t: 'ready', port: (http.address() as AddressInfo).port });
});
process.on('message', (msg: { t: string }) => {
  if (msg.t === 'heap') {
    const g = globalThis as { gc?: () => void };
    g.gc?.();
    const m = process.memoryUsage();
    process.send!({ t: 'heap', heapUsed: m.heapUsed, rss: m.rss, loaded: -1, gc: !!g.gc });
  } else if (msg.t === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
