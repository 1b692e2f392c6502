import { createConnection, createServer, type Server } from 'node:net';
import type { DownstreamConnector, DownstreamLink } from '@mcp-switchboard/plugin-api';
import { afterEach, describe, expect, it } from 'vitest';
import { connectAfterPendingInput } from './connect-after-input.js';

const servers: Server[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

describe('connectAfterPendingInput', () => {
  it('connects only after input already waiting was read, and keeps the rest of the connector', async () => {
    const order: string[] = [];
    const connector: DownstreamConnector = {
      types: ['stdio'],
      accepts: () => true,
      connect: async () => {
        order.push('connect');
        return {} as DownstreamLink;
      },
    };
    const [wrapped] = connectAfterPendingInput([connector]);
    expect(wrapped!.types).toEqual(['stdio']);
    expect(wrapped!.accepts!({} as never)).toBe(true);

    // Bytes sitting in a socket before anyone reads them, as a client's initialize sits on stdin at start.
    let written!: () => void;
    const flushed = new Promise<void>((resolve) => (written = resolve));
    const server = createServer((socket) => socket.end('initialize\n', written));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.pause();
    await flushed;

    const connected = wrapped!.connect({ id: 's', name: 's' } as never, {} as never);
    socket.on('data', (data) => order.push(`read ${String(data).trim()}`));
    socket.resume();
    await connected;
    expect(order).toEqual(['read initialize', 'connect']);
    socket.destroy();
  });
});
