import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { cliPath, repoRoot } from './cli.js';

export interface HttpProxy {
  /** e.g. http://127.0.0.1:41234 */
  base: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/** Runs the real CLI with the Streamable HTTP front door on a free loopback port; resolves once it listens. */
export async function startHttpProxy(args: string[], env: Record<string, string> = {}): Promise<HttpProxy> {
  const child = spawn(process.execPath, [cliPath, '--transport', 'streamable-http', '--host', '127.0.0.1', '--port', '0', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // never leave a proxy behind when the test gives up on it
      reject(new Error(`the HTTP proxy did not start listening:\n${stderr}`));
    }, 30_000);
    child.stderr!.on('data', (d) => {
      stderr += d;
      // The front door's info log line, or (at quieter log levels) the start-up summary line.
      const line = stderr.split('\n').find((l) => l.includes('"HTTP front door listening"'));
      const url = line ? (JSON.parse(line) as { url?: string }).url : /listening on (http:\/\/\S+)/.exec(stderr)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url.replace(/\/mcp$/, ''));
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`the HTTP proxy exited with ${code}:\n${stderr}`));
    });
  });
  return {
    base,
    child,
    stderr: () => `${stderr}${stdout ? `\n(stdout) ${stdout}` : ''}`,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A free TCP port on 127.0.0.1 (for downstream servers that take a PORT). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
