#!/usr/bin/env node
// The floor of every proxy: `node byte-relay.js COMMAND [ARGS...]` starts COMMAND and copies bytes between its
// own stdin/stdout and the child's, without parsing anything. A JSON-RPC proxy can at best match this.
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: byte-relay COMMAND [ARGS...]\n');
  process.exit(2);
}
const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
process.stdin.pipe(child.stdin);
child.stdout.pipe(process.stdout);
// The end of our stdin ends the child's (pipe() forwards it); when the child is gone, so are we.
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
child.on('error', (error) => {
  process.stderr.write(`byte-relay: ${error.message}\n`);
  process.exit(1);
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
