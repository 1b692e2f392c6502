import { PassThrough, Writable } from 'node:stream';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ListToolsRequestSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { writeRecorder } from '../test/write-recorder.js';
import { StdioServerFrontDoor } from './stdio-server-front-door.js';

/** Reads newline-delimited JSON from a stream, one awaited message at a time. */
class LineReader {
  private buffer = '';
  private lines: string[] = [];
  private waiters: Array<(line: string) => void> = [];

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.buffer += chunk;
      let index: number;
      while ((index = this.buffer.indexOf('\n')) !== -1) {
        const line = this.buffer.slice(0, index);
        this.buffer = this.buffer.slice(index + 1);
        const waiter = this.waiters.shift();
        if (waiter) waiter(line);
        else this.lines.push(line);
      }
    });
  }

  next(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async nextJson(): Promise<any> {
    return JSON.parse(await this.next());
  }

  /** Lines received and not yet read. */
  get unread(): string[] {
    return [...this.lines];
  }
}

async function openDoor(options: { maxMessageBytes?: number; onInputEnd?: () => void } = {}) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const door = new StdioServerFrontDoor({ stdin, stdout, ...options });
  const received: JSONRPCMessage[] = [];
  const waiters: Array<(m: JSONRPCMessage) => void> = [];
  door.onmessage = (message) => {
    const waiter = waiters.shift();
    if (waiter) waiter(message);
    else received.push(message);
  };
  let closes = 0;
  door.onclose = () => {
    closes++;
  };
  await door.start();
  const output = new LineReader(stdout);
  const nextMessage = (): Promise<JSONRPCMessage> => {
    const message = received.shift();
    return message ? Promise.resolve(message) : new Promise((resolve) => waiters.push(resolve));
  };
  return { stdin, stdout, door, output, nextMessage, received, closes: () => closes };
}

/** Resolves once the stream has closed (at once if it already has). */
async function closed(stream: PassThrough): Promise<void> {
  if (!stream.closed) await new Promise((resolve) => stream.once('close', resolve));
}

const ping = (id: number | string) => ({ jsonrpc: '2.0' as const, id, method: 'ping' });

describe('StdioServerFrontDoor', () => {
  it('passes JSON-RPC messages on and writes replies as one JSON line each', async () => {
    const { stdin, door, output, nextMessage } = await openDoor();
    stdin.write(JSON.stringify(ping(1)) + '\n');
    expect(await nextMessage()).toEqual(ping(1));
    await door.send({ jsonrpc: '2.0', id: 1, result: {} });
    expect(await output.next()).toBe('{"jsonrpc":"2.0","id":1,"result":{}}');
  });

  it('reassembles messages split across chunks, several per chunk, and CRLF endings', async () => {
    const { stdin, nextMessage } = await openDoor();
    const text = JSON.stringify(ping('a'));
    stdin.write(text.slice(0, 5));
    stdin.write(text.slice(5, 12));
    stdin.write(text.slice(12) + '\r\n' + JSON.stringify(ping(2)) + '\n' + JSON.stringify(ping(3)));
    stdin.write('\n');
    expect(await nextMessage()).toEqual(ping('a'));
    expect(await nextMessage()).toEqual(ping(2));
    expect(await nextMessage()).toEqual(ping(3));
  });

  it('checks the common shapes by hand without letting a near miss through: those still get -32600', async () => {
    const { stdin, output, nextMessage, received } = await openDoor();
    stdin.write('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"},"stray":true}\n');
    expect(await output.nextJson()).toMatchObject({ id: 1, error: { code: -32600 } });
    stdin.write('{"jsonrpc":"2.0","id":1.5,"method":"tools/call"}\n');
    expect(await output.nextJson()).toMatchObject({ id: 1.5, error: { code: -32600 } });
    stdin.write('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"_meta":{"progressToken":{"x":1}}}}\n');
    expect(await output.nextJson()).toMatchObject({ id: 2, error: { code: -32600 } });
    expect(received).toEqual([]);
    const call = {
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'x', arguments: { a: [1] }, future: { kept: true }, _meta: { progressToken: 9 } },
    };
    stdin.write(JSON.stringify(call) + '\n');
    expect(await nextMessage()).toEqual(call);
  });

  it('answers a line that is not JSON with -32700 (id null) and keeps working', async () => {
    const { stdin, output, nextMessage, received } = await openDoor();
    stdin.write('this is not json\n');
    const reply = await output.nextJson();
    expect(reply).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    expect(reply.error.message).toMatch(/^Parse error/);
    expect(received).toEqual([]);
    stdin.write(JSON.stringify(ping(5)) + '\n');
    expect(await nextMessage()).toEqual(ping(5));
  });

  it('answers valid JSON that is not a JSON-RPC message with -32600, echoing a request id it can read', async () => {
    const { stdin, output, nextMessage, received } = await openDoor();
    // The SDK's own stdio transport drops this one silently.
    stdin.write('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":"nonsense"}\n');
    const first = await output.nextJson();
    expect(first).toMatchObject({ jsonrpc: '2.0', id: 7, error: { code: -32600 } });
    expect(first.error.message).toContain('params');

    stdin.write('{"hello":"world"}\n');
    expect(await output.nextJson()).toMatchObject({ id: null, error: { code: -32600 } });

    stdin.write('{"jsonrpc":"1.0","id":"x","method":"ping"}\n');
    const third = await output.nextJson();
    expect(third).toMatchObject({ id: 'x', error: { code: -32600 } });
    expect(third.error.message).toContain('"jsonrpc" must be "2.0"');

    stdin.write('42\n');
    expect(await output.nextJson()).toMatchObject({ id: null, error: { code: -32600 } });

    expect(received).toEqual([]);
    stdin.write(JSON.stringify(ping(8)) + '\n');
    expect(await nextMessage()).toEqual(ping(8));
  });

  it('refuses batches with -32600', async () => {
    const { stdin, output, received } = await openDoor();
    stdin.write(JSON.stringify([ping(1), ping(2)]) + '\n');
    const reply = await output.nextJson();
    expect(reply).toMatchObject({ id: null, error: { code: -32600 } });
    expect(reply.error.message).toMatch(/batch/i);
    expect(received).toEqual([]);
  });

  it('refuses a message nested more than MAX_MESSAGE_DEPTH levels deep with -32600 and its id, and keeps working', async () => {
    const { stdin, output, nextMessage, received } = await openDoor();
    const deep = '{"a":'.repeat(10_000) + '0' + '}'.repeat(10_000);
    stdin.write(`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo","arguments":${deep}}}\n`);
    const reply = await output.nextJson();
    expect(reply).toMatchObject({ jsonrpc: '2.0', id: 9, error: { code: -32600 } });
    expect(reply.error.message).toMatch(/more than 100 levels deep/);
    // Exactly at the limit it passes: the message and params are 2 levels, the arguments the other 98.
    const fits = '{"a":'.repeat(98) + '0' + '}'.repeat(98);
    stdin.write(`{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"echo","arguments":${fits}}}\n`);
    expect(await nextMessage()).toMatchObject({ id: 10, method: 'tools/call' });
    expect(received).toEqual([]);
  });

  it('does not echo the id of a malformed response (it would answer one of the client’s own requests)', async () => {
    const { stdin, output } = await openDoor();
    stdin.write('{"jsonrpc":"2.0","id":3,"result":"not an object"}\n');
    expect(await output.nextJson()).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it('answers an oversize line with -32600 without buffering it, then keeps working', async () => {
    const { stdin, door, output, nextMessage, received } = await openDoor({ maxMessageBytes: 1024 });
    const big = JSON.stringify({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'x', arguments: { blob: 'a'.repeat(50_000) } }, id: 42 });
    // Feed it in pieces: memory held for the line never exceeds the limit.
    for (let i = 0; i < big.length; i += 700) {
      stdin.write(big.slice(i, i + 700));
      expect(door.bufferedBytes).toBeLessThanOrEqual(1024);
    }
    expect(output.unread).toEqual([]);
    stdin.write('\n');
    const reply = await output.nextJson();
    // The id sits at the very end of this message (the SDK client writes it last); it is still found.
    expect(reply).toMatchObject({ jsonrpc: '2.0', id: 42, error: { code: -32600 } });
    expect(reply.error.message).toContain('1024');

    const headFirst = JSON.stringify({ jsonrpc: '2.0', id: 'head', method: 'x', params: { blob: 'b'.repeat(5000) } });
    stdin.write(headFirst + '\n');
    expect(await output.nextJson()).toMatchObject({ id: 'head', error: { code: -32600 } });

    const noId = 'z'.repeat(5000);
    stdin.write(noId + '\n');
    expect(await output.nextJson()).toMatchObject({ id: null, error: { code: -32600 } });

    expect(received).toEqual([]);
    stdin.write(JSON.stringify(ping(9)) + '\n');
    expect(await nextMessage()).toEqual(ping(9));
    expect(door.bufferedBytes).toBe(0);
  });

  it('fires onclose once and calls onInputEnd once when stdin ends', async () => {
    let inputEnds = 0;
    const { stdin, door, closes } = await openDoor({ onInputEnd: () => inputEnds++ });
    stdin.end();
    await closed(stdin);
    expect(inputEnds).toBe(1);
    expect(closes()).toBe(1);
    await door.close();
    expect(closes()).toBe(1);
    await expect(door.send({ jsonrpc: '2.0', id: 1, result: {} })).rejects.toThrow(/Not connected/);
  });

  it('does not call onInputEnd when closed by the server side', async () => {
    let inputEnds = 0;
    const { stdin, door, closes } = await openDoor({ onInputEnd: () => inputEnds++ });
    await door.close();
    stdin.end();
    await closed(stdin);
    expect(closes()).toBe(1);
    expect(inputEnds).toBe(0);
  });

  it('after stdin ends, still answers the requests it already received before closing', async () => {
    const { stdin, door, output, nextMessage, closes } = await openDoor();
    // The last line has no newline: it still counts (`printf ... | switchboard`).
    stdin.end(JSON.stringify(ping(1)) + '\n' + JSON.stringify(ping(2)));
    await nextMessage();
    await nextMessage();
    await closed(stdin);
    expect(door.pendingRequests).toBe(2);
    expect(closes()).toBe(0);
    await door.send({ jsonrpc: '2.0', id: 1, result: {} });
    expect(closes()).toBe(0);
    await door.send({ jsonrpc: '2.0', id: 2, result: {} });
    expect(closes()).toBe(1);
    expect(await output.nextJson()).toMatchObject({ id: 1 });
    expect(await output.nextJson()).toMatchObject({ id: 2 });
  });

  it('tells a request with id 5 from one with id "5": each waits for its own answer', async () => {
    const { stdin, door, nextMessage } = await openDoor();
    stdin.write(`${JSON.stringify(ping(5))}\n${JSON.stringify(ping('5'))}\n`);
    await nextMessage();
    await nextMessage();
    expect(door.pendingRequests).toBe(2);
    await door.send({ jsonrpc: '2.0', id: '5', result: {} });
    expect(door.pendingRequests).toBe(1);
    await door.send({ jsonrpc: '2.0', id: '5', result: {} });
    expect(door.pendingRequests).toBe(1);
    await door.send({ jsonrpc: '2.0', id: 5, result: {} });
    expect(door.pendingRequests).toBe(0);
  });

  it('stops waiting for a request the client cancelled', async () => {
    const { stdin, door, nextMessage, closes } = await openDoor();
    stdin.write(JSON.stringify(ping(1)) + '\n');
    await nextMessage();
    expect(door.pendingRequests).toBe(1);
    stdin.end('{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}\n');
    await nextMessage();
    await closed(stdin);
    expect(door.pendingRequests).toBe(0);
    expect(closes()).toBe(1);
  });

  it('send waits for the output to drain when the client reads slowly', async () => {
    const stdin = new PassThrough();
    const pendingWrites: Array<() => void> = [];
    const written: string[] = [];
    const stdout = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, callback) {
        written.push(chunk.toString());
        pendingWrites.push(callback);
      },
    });
    const door = new StdioServerFrontDoor({ stdin, stdout });
    await door.start();
    let sent = false;
    const sending = door.send({ jsonrpc: '2.0', id: 1, result: { text: 'x'.repeat(100) } }).then(() => (sent = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toBe(false);
    pendingWrites.shift()!();
    await sending;
    expect(sent).toBe(true);
    expect(JSON.parse(written.join(''))).toMatchObject({ id: 1 });
  });

  it('redirects anyone else’s writes to stdout while open, and stops doing so once closed', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const door = new StdioServerFrontDoor({ stdin, stdout, redirectForeignWritesTo: stderr });
    await door.start();
    const out = new LineReader(stdout);
    const err = new LineReader(stderr);
    stdout.write('stray console.log\n');
    await door.send({ jsonrpc: '2.0', id: 1, result: {} });
    expect(await err.next()).toBe('stray console.log');
    expect(await out.next()).toBe('{"jsonrpc":"2.0","id":1,"result":{}}');
    await door.close();
    stdout.write('after close\n');
    expect(await out.next()).toBe('after close');
  });

  it('serves a real SDK Server', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const server = new Server({ name: 'test', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async () => ({
      tools: [{ name: 'hello', inputSchema: { type: 'object' as const } }],
    }));
    await server.connect(new StdioServerFrontDoor({ stdin, stdout }));
    const output = new LineReader(stdout);
    stdin.write(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
      }) + '\n',
    );
    expect(await output.nextJson()).toMatchObject({ id: 1, result: { serverInfo: { name: 'test' } } });
    stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
    stdin.write('{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n');
    expect(await output.nextJson()).toMatchObject({ id: 2, result: { tools: [{ name: 'hello' }] } });
    await server.close();
  });

  it('writes a lone answer at once, and the answers to a chunk of several requests in one writev', async () => {
    const stdin = new PassThrough();
    const { stream: stdout, calls: writes } = writeRecorder();
    const door = new StdioServerFrontDoor({ stdin, stdout });
    // Answered synchronously, as the hub's relay answers once a server's answer is read.
    door.onmessage = (message) => {
      if ('id' in message && 'method' in message) void door.send({ jsonrpc: '2.0', id: message.id, result: {} });
    };
    await door.start();
    stdin.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual([['{"jsonrpc":"2.0","id":1,"result":{}}\n']]);
    stdin.write('{"jsonrpc":"2.0","id":2,"method":"ping"}\n{"jsonrpc":"2.0","id":3,"method":"ping"}\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes.slice(1)).toEqual([['{"jsonrpc":"2.0","id":2,"result":{}}\n', '{"jsonrpc":"2.0","id":3,"result":{}}\n']]);
    expect(door.pendingRequests).toBe(0);
    await door.close();
  });
});
