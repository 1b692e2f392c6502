import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cliPath, repoRoot } from './cli.js';

/** The pids of every live process below `root` (Linux /proc). */
export function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 is the ppid; the command name (field 2) may hold spaces, so split after its closing paren.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(state); // a zombie has ended; it only waits to be reaped
  } catch {
    return false;
  }
}

/** The resident set size of `pid` in KiB (VmRSS in /proc/<pid>/status), or undefined once it is gone. */
export function rssKb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The command line of `pid`, arguments joined by spaces ('' once it is gone). For failure messages. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

/** `pids` that are still alive, each with its command line, for a readable assertion. */
export function stillAlive(pids: readonly number[]): string[] {
  return pids.filter(isAlive).map((pid) => `${pid} ${commandLine(pid)}`);
}

/** A JSON-RPC message as the proxy wrote it to stdout. */
export interface WireMessage {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

/** The real CLI spawned with raw pipes: what it writes is seen byte for byte, and signals go to it directly. */
export interface RawProxy {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** Writes one JSON-RPC message (one line). */
  send(message: object): void;
  /** Writes raw text as is (add the newline yourself). Resolves once it is handed to the pipe. */
  write(text: string): Promise<void>;
  stdout(): string;
  stderr(): string;
  /** Every stdout line parsed; a line that is not JSON fails the call, since stdout belongs to the protocol. */
  messages(): WireMessage[];
  /** Responses (result or error) carrying `id`. */
  responsesTo(id: string | number | null): WireMessage[];
  /** Sends initialize + initialized and waits for the answer. */
  initialize(): Promise<void>;
  /** Sends a request and waits for its response (rejects after `timeoutMs`). */
  request(method: string, params?: object, timeoutMs?: number): Promise<WireMessage>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the proxy if it is still running (test cleanup). */
  kill(): void;
}

let rawRequestSequence = 0;

/** Spawns `node apps/proxy/dist/cli.js ...args` with raw stdio pipes. */
export function startRawProxy(args: string[], env: Record<string, string> = {}): RawProxy {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  let outText: string | undefined;
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out.push(chunk);
    outText = undefined;
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  child.stdin.on('error', () => undefined); // EPIPE once the proxy is gone; the test sees it exit
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const stdout = () => (outText ??= Buffer.concat(out).toString('utf8'));
  const parsed: WireMessage[] = [];
  let parsedUpTo = 0;
  const messages = () => {
    const text = stdout();
    const end = text.lastIndexOf('\n') + 1;
    if (end > parsedUpTo) {
      for (const line of text.slice(parsedUpTo, end).split('\n')) {
        if (line.length === 0) continue;
        try {
          parsed.push(JSON.parse(line) as WireMessage);
        } catch {
          throw new Error(`the proxy wrote a line to stdout that is not JSON: ${line.slice(0, 300)}`);
        }
      }
      parsedUpTo = end;
    }
    return parsed;
  };
  const responsesTo = (id: string | number | null) => messages().filter((m) => m.id === id && ('result' in m || 'error' in m) && m.method === undefined);
  const send = (message: object) => void child.stdin.write(`${JSON.stringify(message)}\n`);
  const write = (text: string) => new Promise<void>((resolve, reject) => child.stdin.write(text, (error) => (error ? reject(error) : resolve())));
  const waitFor = async (id: string | number, timeoutMs: number): Promise<WireMessage> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = responsesTo(id)[0];
      if (found) return found;
      if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `no response to ${JSON.stringify(id)} within ${timeoutMs} ms (proxy exit: ${child.exitCode ?? child.signalCode ?? 'running'})\nstderr:\n${err.slice(-4000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const proxy: RawProxy = {
    child,
    pid: child.pid!,
    send,
    write,
    stdout,
    stderr: () => err,
    messages,
    responsesTo,
    async initialize() {
      send({
        jsonrpc: '2.0',
        id: 'raw-init',
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-e2e', version: '1.0.0' } },
      });
      await waitFor('raw-init', 30_000);
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    },
    async request(method, params, timeoutMs = 30_000) {
      const id = `raw-${++rawRequestSequence}`;
      send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
      return waitFor(id, timeoutMs);
    },
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  return proxy;
}
