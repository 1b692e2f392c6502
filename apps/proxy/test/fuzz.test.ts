// 10,000 malformed or odd messages on the real CLI's stdin. Every request that carries an id gets exactly one
// response with that id; everything else (unparseable lines, notifications, responses to nothing, messages whose
// id cannot be known) gets at most one error with id null; the proxy serves normally afterwards and its memory does
// not grow. The generator is seeded (FUZZ_SEED overrides it), so a failure reproduces with the seed it prints.
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { tempDir } from './helpers/cli.js';
import { rssKb, startRawProxy, stillAlive, descendants, type RawProxy, type WireMessage } from './helpers/processes.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261121);
const TOTAL = 10_000;
// The heap settles within the first few thousand messages; growth after that is what a leak would show.
const WARMUP = 3_000;
/** Lines per write. */
const CHUNK = 250;
/** The stdio front door's default limit on one message. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** A bound, not a timing: RSS after all messages minus RSS after the warm-up batch. */
const RSS_GROWTH_LIMIT_KB = 50 * 1024;

type RequestId = string | number;

interface FuzzCase {
  kind: string;
  line: string;
  /** Set when the line is a request with an id the proxy can read: exactly one response must carry it. */
  id?: RequestId;
  /** For well-formed echo calls: the text the answer must carry. */
  echo?: string;
}

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const idKey = (id: unknown): string => `${typeof id}:${String(id)}`;

/**
 * Builds the cases. Ids are unique across the run (a duplicate id would make "exactly one response" ambiguous), and
 * no cancellation names an id that a request uses (a cancelled request gets no answer, per MCP).
 */
function generateCases(seed: number, total: number): FuzzCase[] {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const usedIds = new Set<string>();
  let sequence = 0;

  /** A new id; `valid` limits it to what the SDK accepts (a string or a safe integer). */
  const freshId = (valid = false): RequestId => {
    for (;;) {
      const n = ++sequence;
      const candidates: RequestId[] = valid
        ? [n, `f-${n}`, -n, Number.MAX_SAFE_INTEGER - n, `ünï-😀-${n}`, '']
        : [
            n,
            `f-${n}`,
            -n,
            n + 0.5, // not an integer: the SDK refuses it, but it is still an id to answer
            Number(`${n}e200`), // huge
            Number.MAX_SAFE_INTEGER - n,
            `${'x'.repeat(int(20_000))}-${n}`, // huge string
            `ünï-😀-${n}`,
            '',
          ];
      const id = pick(candidates);
      const key = idKey(JSON.parse(JSON.stringify(id)));
      if (!usedIds.has(key)) {
        usedIds.add(key);
        return id;
      }
    }
  };

  const deep = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
  const junkValues = (): unknown[] => [
    null,
    true,
    0,
    -1.5,
    'nonsense',
    [],
    {},
    [1, 'two', null],
    { a: { b: [null, { c: 'd' }] } },
    'x'.repeat(int(5000)),
    { name: 42 },
    { name: null, arguments: 'not an object' },
    { uri: 17 },
    { cursor: { nested: true } },
    { _meta: 'not an object' },
    { _meta: { progressToken: { bad: true } } },
  ];
  const junk = () => pick(junkValues());
  const methods = [
    'tools/list',
    'tools/call',
    'prompts/list',
    'prompts/get',
    'resources/list',
    'resources/read',
    'resources/templates/list',
    'resources/subscribe',
    'resources/unsubscribe',
    'completion/complete',
    'logging/setLevel',
    'ping',
    'initialize',
  ];
  const request = (method: string, params?: unknown, extra: Record<string, unknown> = {}, validId = false): FuzzCase => {
    const id = freshId(validId);
    const message: Record<string, unknown> = { jsonrpc: '2.0', id, method, ...extra };
    if (params !== undefined) message.params = params;
    return { kind: `request ${method}`, line: JSON.stringify(message), id };
  };
  const notification = (method: string, params?: unknown): FuzzCase => ({
    kind: `notification ${method}`,
    line: JSON.stringify(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params }),
  });

  const generators: Array<[weight: number, make: () => FuzzCase]> = [
    // Not JSON at all.
    [6, () => ({ kind: 'not JSON: printable', line: Array.from({ length: 1 + int(200) }, () => String.fromCharCode(32 + int(95))).join('') })],
    [
      3,
      () => ({
        kind: 'not JSON: control and unicode',
        line: Array.from({ length: 1 + int(100) }, () => String.fromCharCode(pick([0, 1, 8, 27, 127, 0xfffd, 0xd800, 0x1f600 & 0xffff, 0x7f, int(0xffff)])))
          .join('')
          .replace(/[\n\r]/g, ' '),
      }),
    ],
    [
      3,
      () => {
        const whole = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo__echo', arguments: { text: 'cut' } } });
        return { kind: 'not JSON: truncated', line: whole.slice(0, 1 + int(whole.length - 2)) };
      },
    ],
    [
      2,
      () => ({
        kind: 'not JSON: near misses',
        line: pick(["{'jsonrpc':'2.0'}", 'undefined', 'NaN', '{"a":1,}', '[1,2', '"unterminated', '{"id":1 "method":"ping"}', 'tru', '\u0000', '0x10']),
      }),
    ],
    [1, () => ({ kind: 'blank line', line: pick(['', ' ', '\t', '   \t ']) })],
    // JSON, but not a JSON-RPC message.
    [3, () => ({ kind: 'not an object', line: JSON.stringify(pick([null, 1, 'str', true, [], [1, 2]])) })],
    [
      2,
      () => ({
        kind: 'batch',
        line: JSON.stringify([
          { jsonrpc: '2.0', id: 1, method: 'ping' },
          { jsonrpc: '2.0', method: 'notifications/initialized' },
        ]),
      }),
    ],
    [1, () => ({ kind: 'deep nesting', line: deep(1 + int(3000)) })],
    // Wrong types where a request is recognisable (string method, string or number id): answered with its id.
    [4, () => request(pick(methods), undefined, { jsonrpc: pick(['1.0', 2, null, '2.0 ']) })],
    [4, () => request(pick(methods), junk())],
    [2, () => request(pick(methods), {}, { unexpected: junk() })],
    [2, () => request(pick(['', ' ', 'TOOLS/LIST', 'tools/list/', 'notifications/initialized', 'notifications/cancelled', 'x'.repeat(int(3000))]))],
    // Wrong types where no id can be known: at most one error with id null.
    [
      3,
      () => ({
        kind: 'method not a string',
        line: JSON.stringify({ jsonrpc: '2.0', id: freshId(), method: pick([5, true, null, [], {}, ['tools/list'], { name: 'ping' }]) }),
      }),
    ],
    [3, () => ({ kind: 'id of a wrong type', line: JSON.stringify({ jsonrpc: '2.0', id: pick([null, true, {}, [], { n: 1 }]), method: pick(methods) }) })],
    // Unknown methods.
    [
      5,
      () =>
        request(
          pick(['tools/explode', 'sampling/createMessage', 'roots/list', 'elicitation/create', 'server/discover', `x/${int(1e6)}`, 'rpc.discover']),
          pick([undefined, {}, junk()]),
        ),
    ],
    // Params of the wrong shape for real methods.
    [
      6,
      () =>
        request(
          'tools/call',
          pick([
            { name: 42 },
            { name: 'echo__echo', arguments: 'text' },
            { name: 'echo__echo', arguments: [1] },
            { arguments: {} },
            { name: ['echo__echo'] },
            { name: 'echo__echo', arguments: { text: 42 } },
          ]),
        ),
    ],
    [
      3,
      () =>
        request(
          pick(['resources/read', 'prompts/get', 'resources/subscribe', 'completion/complete', 'logging/setLevel']),
          pick([{ uri: 42 }, { name: {} }, { level: 'loudest' }, { ref: 'nope', argument: 1 }, {}]),
        ),
    ],
    [2, () => request('initialize', pick([{}, { protocolVersion: 42 }, { capabilities: 'all' }, { protocolVersion: '2025-06-18' }]))],
    // Valid requests for tools that do not exist.
    [
      5,
      () =>
        request('tools/call', {
          name: pick(['nope__nothing', 'echo__missing', 'echo', 'echo__', '__echo', 'x'.repeat(200), 'echo__echo__echo']),
          arguments: {},
        }),
    ],
    // Notifications with bad params, and unknown notifications.
    [
      5,
      () =>
        notification(
          pick([
            'notifications/cancelled',
            'notifications/progress',
            'notifications/initialized',
            'notifications/roots/list_changed',
            'notifications/message',
            'notifications/unknown',
          ]),
          junk(),
        ),
    ],
    [2, () => notification('notifications/cancelled', { requestId: `never-used-${++sequence}`, reason: junk() })],
    [1, () => notification('notifications/cancelled', { requestId: { object: true } })],
    // Responses to requests nobody sent.
    [
      4,
      () => ({
        kind: 'response to nothing',
        line: JSON.stringify({
          jsonrpc: '2.0',
          id: `nobody-${++sequence}`,
          ...(random() < 0.5 ? { result: junk() ?? {} } : { error: { code: -1, message: 'no such request' } }),
        }),
      }),
    ],
    [1, () => ({ kind: 'malformed response', line: JSON.stringify({ jsonrpc: '2.0', id: `nobody-${++sequence}`, error: 'not an object' }) })],
    // Normal traffic in between, so well-formed requests are shown to keep working while all this goes on.
    [
      4,
      () => {
        const text = `fuzz ${++sequence} ${'é'.repeat(int(50))}`;
        return { ...request('tools/call', { name: 'echo__echo', arguments: { text } }, {}, true), kind: 'valid echo', echo: text };
      },
    ],
    [2, () => request(pick(['tools/list', 'ping', 'prompts/list', 'resources/list']))],
  ];
  const totalWeight = generators.reduce((sum, [weight]) => sum + weight, 0);
  const one = (): FuzzCase => {
    let roll = random() * totalWeight;
    for (const [weight, make] of generators) {
      roll -= weight;
      if (roll < 0) return make();
    }
    return generators[0]![1]();
  };

  const cases = Array.from({ length: total }, one);
  // Over the size limit: a request whose id is at the head (the door reads it from the first bytes), and garbage.
  const bigText = 'y'.repeat(MAX_MESSAGE_BYTES + 1024);
  const bigId = `big-${seed}`;
  cases[Math.floor(WARMUP / 2)] = {
    kind: 'oversize request',
    line: `{"jsonrpc":"2.0","id":${JSON.stringify(bigId)},"method":"tools/call","params":{"name":"echo__echo","arguments":{"text":"${bigText}"}}}`,
    id: bigId,
  };
  cases[WARMUP + Math.floor((total - WARMUP) / 2)] = { kind: 'oversize garbage', line: `not json ${bigText}` };
  return cases;
}

interface Tally {
  byId: Map<string, WireMessage[]>;
  nullErrors: WireMessage[];
}

function tally(messages: readonly WireMessage[]): Tally {
  const byId = new Map<string, WireMessage[]>();
  const nullErrors: WireMessage[] = [];
  for (const message of messages) {
    if (message.method !== undefined) continue; // a notification or request from the proxy
    if (message.id === null) nullErrors.push(message);
    else byId.set(idKey(message.id), [...(byId.get(idKey(message.id)) ?? []), message]);
  }
  return { byId, nullErrors };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function waitForAnswers(proxy: RawProxy, cases: readonly FuzzCase[], timeoutMs: number): Promise<void> {
  const expected = cases.filter((c) => c.id !== undefined).map((c) => idKey(c.id));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { byId } = tally(proxy.messages());
    const missing = expected.filter((key) => !byId.has(key));
    if (missing.length === 0) return;
    if (Date.now() > deadline || proxy.child.exitCode !== null || proxy.child.signalCode !== null) {
      const kinds = cases.filter((c) => c.id !== undefined && missing.includes(idKey(c.id))).map((c) => c.kind);
      throw new Error(
        `seed ${SEED}: ${missing.length} requests got no response (kinds: ${[...new Set(kinds)].join(', ')}; first ids: ${missing.slice(0, 5).join(', ')}); proxy exit: ${proxy.child.exitCode ?? proxy.child.signalCode ?? 'still running'}\nstderr tail:\n${proxy.stderr().slice(-3000)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe(`fuzzing stdin with ${TOTAL} malformed messages (seed ${SEED})`, () => {
  it('answers each per JSON-RPC, keeps serving, and does not grow in memory', { timeout: 240_000 }, async () => {
    const t = tempDir({ 'c.json': { mcpServers: { echo: fixtureServerEntry('echo') } } });
    cleanups.push(t.cleanup);
    const proxy = startRawProxy(['--config', t.path('c.json'), '--log-level', 'warn']);
    let tree: number[] = [];
    cleanups.push(() => proxy.kill());
    cleanups.push(() => {
      for (const pid of tree) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    });
    await proxy.initialize();
    const listed = await proxy.request('tools/list');
    expect(JSON.stringify(listed.result)).toContain('echo__echo');
    tree = descendants(proxy.pid);

    const cases = generateCases(SEED, TOTAL);
    // Chunks of CHUNK lines in one write each, as a fast client would, the next once the last is answered: the
    // burst in flight is the same in the warm-up and after it, so RSS growth measures what accumulates.
    const send = async (batch: readonly FuzzCase[]) => {
      for (let i = 0; i < batch.length; i += CHUNK) {
        const chunk = batch.slice(i, i + CHUNK);
        await proxy.write(chunk.map((c) => `${c.line}\n`).join(''));
        await waitForAnswers(proxy, chunk, 60_000);
      }
    };

    await send(cases.slice(0, WARMUP));
    const rssAfterWarmup = rssKb(proxy.pid);

    await send(cases.slice(WARMUP));
    await waitForAnswers(proxy, cases, 60_000);

    // Still serving: a normal call works and answers correctly.
    const after = await proxy.request('tools/call', { name: 'echo__echo', arguments: { text: 'after the storm' } });
    expect(after.result, `seed ${SEED}`).toMatchObject({ content: [{ type: 'text', text: 'after the storm' }] });
    const rssAfterAll = rssKb(proxy.pid);

    const { byId, nullErrors } = tally(proxy.messages());
    const sentIds = new Set(cases.filter((c) => c.id !== undefined).map((c) => idKey(c.id)));
    // Exactly one response per request id.
    const duplicated = [...sentIds].filter((key) => (byId.get(key)?.length ?? 0) !== 1);
    expect(duplicated, `seed ${SEED}: ids without exactly one response`).toEqual([]);
    // No response carries an id we did not send as a request (e.g. echoing the id of a stray response).
    const ownIds = new Set([...sentIds, idKey('raw-init'), ...[...byId.keys()].filter((key) => key.startsWith('string:raw-'))]);
    expect(
      [...byId.keys()].filter((key) => !ownIds.has(key)),
      `seed ${SEED}`,
    ).toEqual([]);
    // Everything without a readable id: at most one error each, always with id null, and an error.
    const withoutId = cases.filter((c) => c.id === undefined).length;
    expect(nullErrors.length).toBeLessThanOrEqual(withoutId);
    for (const error of nullErrors) expect(error.error, JSON.stringify(error).slice(0, 300)).toBeDefined();
    // Each response is a JSON-RPC 2.0 response with either a result or an error.
    for (const messages of byId.values()) {
      for (const message of messages) {
        expect(message.jsonrpc).toBe('2.0');
        expect('result' in message !== 'error' in message, JSON.stringify(message).slice(0, 300)).toBe(true);
      }
    }
    // Well-formed echo calls in the middle of the noise got their own text back.
    for (const c of cases.filter((each) => each.echo !== undefined)) {
      expect(byId.get(idKey(c.id))?.[0]?.result, `seed ${SEED}: ${c.line.slice(0, 200)}`).toMatchObject({
        content: [{ type: 'text', text: c.echo }],
      });
    }
    // The oversize request was refused by id, not parsed.
    expect(byId.get(idKey(`big-${SEED}`))?.[0]?.error).toMatchObject({ code: -32600 });

    // Memory: a bound on growth after the warm-up, not a timing.
    expect(rssAfterWarmup).toBeGreaterThan(0);
    expect(rssAfterAll! - rssAfterWarmup!, `RSS ${rssAfterWarmup} kB after warm-up, ${rssAfterAll} kB after ${TOTAL}`).toBeLessThan(RSS_GROWTH_LIMIT_KB);

    // And it still stops cleanly, taking its server with it.
    proxy.child.stdin.end();
    expect((await proxy.exited).code).toBe(0);
    await expect.poll(() => stillAlive(tree), { timeout: 10_000 }).toEqual([]);
  });
});
