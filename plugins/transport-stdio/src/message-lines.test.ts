import { describe, expect, it } from 'vitest';
import { MessageLines } from './message-lines.js';

describe('MessageLines', () => {
  it('splits output into messages across chunks, drops a CR, and throws for a bad line after consuming it', () => {
    const lines = new MessageLines(1024);
    lines.append(Buffer.from('{"jsonrpc":"2.0","id":1,"result":{}}\r\n{"jsonrpc":"2.0",'));
    expect(lines.next()).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    expect(lines.next()).toBeNull();
    lines.append(Buffer.from('"id":2,"error":{"code":-1,"message":"m","extra":1}}\nnot json\n{"jsonrpc":"2.0","method":"x"}\n'));
    // An error answer goes through the SDK's schema, as before (which drops what `error` may not carry).
    expect(lines.next()).toEqual({ jsonrpc: '2.0', id: 2, error: { code: -1, message: 'm' } });
    expect(() => lines.next()).toThrow(SyntaxError);
    expect(lines.next()).toEqual({ jsonrpc: '2.0', method: 'x' });
    expect(lines.next()).toBeNull();
    lines.append(Buffer.from('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":[]}\n'));
    expect(() => lines.next()).toThrow();
  });

  it('refuses output past its cap, as the SDK ReadBuffer does', () => {
    const lines = new MessageLines(16);
    expect(() => lines.append(Buffer.alloc(17, 0x20))).toThrow(/exceeded maximum size of 16 bytes/);
    lines.append(Buffer.from('{"jsonrpc":"2.0"'));
    expect(lines.next()).toBeNull();
  });
});
