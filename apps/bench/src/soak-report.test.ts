import { describe, expect, it } from 'vitest';
import { parseSoakOptions } from './soak-options.js';
import { allowedErrors, errorKindOf, namesServer, soakFailures, type SoakOutcome, type SoakSample } from './soak-report.js';

const sample = (rssKb: number, fds = 20, calls = 0): SoakSample => ({ atMs: 0, calls, rssKb, fds });
const options = parseSoakOptions(['--calls', '10000', '--crash-every', '1000', '--concurrency', '4']);

/** A clean run: 10 crashes, each failing the four calls in flight. */
function cleanRun(overrides: Partial<SoakOutcome> = {}): SoakOutcome {
  return {
    issued: 10_000,
    ok: 9_960,
    errors: 40,
    errorsNamingServer: 40,
    errorKinds: [{ message: 'Server "fault" went away during tools/call "echo"', count: 40 }],
    wrongAnswers: 0,
    hangs: 0,
    serverLives: 11,
    start: sample(80_000),
    afterWarmup: sample(90_000),
    peak: sample(100_000),
    end: sample(95_000),
    samples: [],
    processesWhileRunning: [1, 2],
    leftoverProcesses: [],
    wallMs: 1000,
    closeMs: 10,
    stderrTail: '',
    ...overrides,
  };
}

describe('soak verdict', () => {
  it('passes a run whose errors are the calls in flight at the crashes', () => {
    expect(allowedErrors(options)).toBe(44);
    expect(soakFailures(cleanRun(), options)).toEqual([]);
  });

  it('fails on a hang, a leak, an unexplained error, too many errors, a wrong answer, or growing memory', () => {
    expect(soakFailures(cleanRun({ hangs: 1, ok: 9_959, stoppedEarly: 'call 5 hung' }), options).join('\n')).toMatch(/hung[\s\S]*stopped early/);
    expect(soakFailures(cleanRun({ leftoverProcesses: [4242] }), options).join('\n')).toMatch(/left after the proxy stopped.*4242/);
    expect(soakFailures(cleanRun({ processesWhileRunning: [1, 2, 3] }), options).join('\n')).toMatch(/3 processes of the run alive/);
    expect(soakFailures(cleanRun({ errorsNamingServer: 39 }), options).join('\n')).toMatch(/1 error\(s\) do not name the server/);
    expect(soakFailures(cleanRun({ ok: 9_950, errors: 50, errorsNamingServer: 50 }), options).join('\n')).toMatch(/50 errors, more than the 44/);
    expect(soakFailures(cleanRun({ ok: 9_959, wrongAnswers: 1 }), options).join('\n')).toMatch(/wrong content/);
    expect(soakFailures(cleanRun({ end: sample(90_000 + 51 * 1024) }), options).join('\n')).toMatch(/RSS grew by 51\.0 MiB/);
    expect(soakFailures(cleanRun({ end: sample(95_000, 20 + 33) }), options).join('\n')).toMatch(/file descriptors grew/);
    expect(soakFailures(cleanRun({ ok: 9_000 }), options).join('\n')).toMatch(/do not add up/);
    expect(soakFailures(cleanRun({ afterFuzz: { sample: sample(96_000), requests: 2000, unanswered: 3 } }), options).join('\n')).toMatch(
      /3 malformed request\(s\) got no answer/,
    );
    expect(soakFailures(cleanRun({ afterFuzz: { sample: sample(96_000), requests: 2000, unanswered: 0 } }), options)).toEqual([]);
  });

  it('recognises errors that name the server and groups them with numbers masked', () => {
    expect(namesServer('Server "fault" went away during tools/call "echo"')).toBe(true);
    expect(namesServer('Tool "fault__echo" cannot be reached')).toBe(true);
    expect(namesServer('MCP error -32000: Connection closed')).toBe(false);
    expect(namesServer('the default configuration')).toBe(false);
    expect(errorKindOf('MCP error -32603: request 1234 to pid 99 failed after 2000 ms')).toBe('MCP error -N: request N to pid N failed after N ms');
  });
});

describe('the fuzz phase of the soak', () => {
  it('mixes hostile requests: wrong types, unknown names and methods, bad cursors, too-deep and 1 MB arguments', async () => {
    const { fuzzedRequest, FUZZ_REQUESTS } = await import('./soak.js');
    const requests = Array.from({ length: 16 }, (_, n) => fuzzedRequest(n));
    expect(new Set(requests.map((r) => r.method))).toEqual(
      new Set(['tools/call', 'tools/list', 'resources/read', 'prompts/get', 'no/such/method/5', 'no/such/method/13']),
    );
    expect(JSON.stringify(fuzzedRequest(0)).length).toBeGreaterThan(1 << 20);
    expect(JSON.stringify(fuzzedRequest(4)).split('"deep"').length - 1).toBe(200);
    expect(FUZZ_REQUESTS).toBe(2000);
  });
});
