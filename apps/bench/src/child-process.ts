import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once something accepts TCP connections on the port; rejects after `deadlineMs`. */
export async function waitForPort(port: number, deadlineMs: number, what: string): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`${what} did not listen on port ${port} within ${deadlineMs} ms`);
    await sleep(25);
  }
}

/** A child the bench started itself (an HTTP server, a hub): its stderr tail, and a bounded stop. */
export interface BenchChild {
  process: ChildProcess;
  stderrTail(): string;
  /** Ends its stdin, then SIGTERM after 2 s, SIGKILL after 4 s; resolves when it is gone. */
  stop(): Promise<void>;
}

export function startChild(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): BenchChild {
  const child = spawn(command, args, { stdio: ['pipe', 'ignore', 'pipe'], env });
  let tail = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8192);
  });
  child.on('error', (error) => {
    tail += `\nspawn failed: ${error.message}`;
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    }
  });
  return {
    process: child,
    stderrTail: () => tail,
    async stop() {
      child.stdin!.end();
      const term = setTimeout(() => child.kill('SIGTERM'), 2000);
      const kill = setTimeout(() => child.kill('SIGKILL'), 4000);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
    },
  };
}
