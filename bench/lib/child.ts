import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type ServerChild = {
  port: number;
  url: string;
  proc: ChildProcess;
  heap(): Promise<{ heapUsed: number; rss: number; loaded: number }>;
  /** The server process's CPU time so far, µs (our-server-child only). */
  cpu(): Promise<number>;
  stop(): Promise<void>;
};

/** Starts a server script of bench/lib in its own Node process (own event loop, own core). */
export async function startChild(script: 'our-server-child.ts' | 'ref-server-child.ts', args: string[] = []): Promise<ServerChild> {
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const proc = fork(path, args, {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 30 s`)), 30_000);
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    proc.on('message', (m: { t: string; port?: number }) => {
      if (m.t === 'ready') {
        clearTimeout(timer);
        resolve(m.port!);
      }
    });
  });
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    proc,
    heap() {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('heap query timed out')), 30_000);
        const on = (m: { t: string; heapUsed: number; rss: number; loaded: number }) => {
          if (m.t !== 'heap') return;
          clearTimeout(timer);
          proc.off('message', on);
          resolve(m);
        };
        proc.on('message', on);
        proc.send({ t: 'heap' });
      });
    },
    cpu() {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('cpu query timed out')), 60_000);
        const on = (m: { t: string; micros: number }) => {
          if (m.t !== 'cpu') return;
          clearTimeout(timer);
          proc.off('message', on);
          resolve(m.micros);
        };
        proc.on('message', on);
        proc.send({ t: 'cpu' });
      });
    },
    stop() {
      return new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        const timer = setTimeout(() => {
          proc.kill('SIGKILL');
        }, 5_000);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        proc.send({ t: 'stop' });
      });
    },
  };
}
