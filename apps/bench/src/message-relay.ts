#!/usr/bin/env node
// The floor of any proxy that reads the messages: `node message-relay.js COMMAND [ARGS...]` starts COMMAND and,
// for every line each way, parses the JSON, gives requests ids of its own (and their answers the client's ids
// back), and writes the message serialized again. No routing, no checks, no bookkeeping beyond the ids. The byte
// relay is the floor of a proxy; this is the floor of one that has to know what it forwards.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: message-relay COMMAND [ARGS...]\n');
  process.exit(2);
}
const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });

type Message = { id?: string | number | null; method?: unknown };

/** Calls `onMessage` with each newline-terminated JSON message of `stream`. */
function eachMessage(stream: Readable, onMessage: (message: Message) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      if (line.trim() !== '') onMessage(JSON.parse(line) as Message);
    }
  });
}

const clientIds = new Map<number, Message['id']>();
let nextId = 0;
eachMessage(process.stdin, (message) => {
  if (message.method !== undefined && message.id !== undefined) {
    clientIds.set(++nextId, message.id);
    message.id = nextId;
  }
  child.stdin.write(`${JSON.stringify(message)}\n`);
});
eachMessage(child.stdout, (message) => {
  if (message.method === undefined && typeof message.id === 'number' && clientIds.has(message.id)) {
    const id = message.id;
    message.id = clientIds.get(id);
    clientIds.delete(id);
  }
  process.stdout.write(`${JSON.stringify(message)}\n`);
});
process.stdin.on('end', () => child.stdin.end());
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
child.on('error', (error) => {
  process.stderr.write(`message-relay: ${error.message}\n`);
  process.exit(1);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
