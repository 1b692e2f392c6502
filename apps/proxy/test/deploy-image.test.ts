// deploy/Dockerfile cannot be built here (no container runtime), so this test runs the file's own steps instead:
// the build stage's RUN lines (the repository build is the one `npm test` already ran; every other RUN runs as
// written, /src and /app mapped to this checkout and a temp folder), then the runtime stage as the image would:
// its ENV, its ENTRYPOINT + CMD, as a non-root user, from the assembled folder alone; then its HEALTHCHECK command,
// a real tool call, and SIGTERM. An edit to the Dockerfile or deploy/assemble.sh that breaks the image fails here.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fixtureServerEntry } from '@mcp-switchboard/testing';
import { repoRoot } from './helpers/cli.js';
import { freePort } from './helpers/http-proxy.js';

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  steps: Instruction[];
}

/** The Dockerfile as stages of instructions (comments dropped, `\` continuations joined). */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [from = '', as, name] = args.split(/\s+/);
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, steps: [] });
    } else {
      stages.at(-1)!.steps.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

/** `KEY=value KEY2=value2` (the ENV form the Dockerfile uses). */
function parseEnv(args: string): Record<string, string> {
  return Object.fromEntries([...args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

/** A JSON exec form (`["node", "x"]`), with /app mapped to the assembled folder. */
function execForm(args: string, map: (text: string) => string): string[] {
  const parsed = JSON.parse(args.replace(/^CMD\s+/, '')) as string[];
  expect(Array.isArray(parsed), `exec form expected: ${args}`).toBe(true);
  return parsed.map(map);
}

const dockerfile = join(repoRoot, 'deploy', 'Dockerfile');
const NOBODY = 65534;

describe('deploy/Dockerfile, run step by step without a container runtime', () => {
  const work = mkdtempSync(join(tmpdir(), 'switchboard-image-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('builds a production-only install that runs as a non-root user and answers its HEALTHCHECK', { timeout: 180_000 }, async () => {
    const stages = parseDockerfile(readFileSync(dockerfile, 'utf8'));
    expect(stages.map((s) => s.from)).toEqual(['node:20-slim', 'node:20-slim']);
    const [build, runtime] = stages as [Stage, Stage];
    expect(build.name).toBe('build');

    const app = join(work, 'app');
    const map = (text: string): string => text.replaceAll('/src', repoRoot.replace(/\/$/, '')).replaceAll('/app', app);

    // --- the build stage ---
    const workdir = build.steps.find((s) => s.keyword === 'WORKDIR')?.args;
    expect(workdir).toBe('/src');
    expect(build.steps.find((s) => s.keyword === 'COPY')?.args).toBe('. .');
    const runs = build.steps.filter((s) => s.keyword === 'RUN').map((s) => s.args);
    // The repository build: what `npm test` has already done in this checkout (with its dev dependencies).
    expect(runs[0]).toMatch(/^npm ci\b.*&& npx turbo run build --filter=mcp-switchboard\.\.\.$/);
    expect(existsSync(join(repoRoot, 'apps/proxy/dist/cli.js'))).toBe(true);
    expect(runs.length, 'the production install step').toBeGreaterThan(1);
    for (const step of runs.slice(1)) {
      const result = spawnSync('sh', ['-c', map(step)], {
        cwd: repoRoot,
        encoding: 'utf8',
        // The npm cache of this machine, offline first: the test stays fast and does not depend on the registry.
        env: { ...process.env, NPM_INSTALL_FLAGS: '--prefer-offline' },
      });
      expect(result.status, `RUN ${step}\n${result.stdout}\n${result.stderr}`).toBe(0);
    }

    // No dev dependency made it into the install.
    const installed = (name: string) => existsSync(join(app, 'node_modules', name, 'package.json'));
    expect(installed('mcp-switchboard')).toBe(true);
    expect(installed('@modelcontextprotocol/sdk')).toBe(true);
    for (const dev of ['vitest', 'typescript', 'turbo', '@mcp-switchboard/testing', '@types/node']) expect(installed(dev), dev).toBe(false);

    // --- the runtime stage ---
    const copy = runtime.steps.find((s) => s.keyword === 'COPY')?.args ?? '';
    expect(copy).toMatch(/--from=build\b.*\s\/app \/app$/);
    const user = runtime.steps.filter((s) => s.keyword === 'USER').at(-1)?.args;
    expect(user, 'the image runs as a non-root user').toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    const healthcheck = runtime.steps.find((s) => s.keyword === 'HEALTHCHECK')?.args ?? '';
    const healthCommand = execForm(healthcheck.slice(healthcheck.indexOf('CMD ')), map);
    const entrypoint = execForm(runtime.steps.find((s) => s.keyword === 'ENTRYPOINT')!.args, map);
    const cmd = execForm(runtime.steps.find((s) => s.keyword === 'CMD')?.args ?? '[]', map);
    const imageEnv = Object.assign({}, ...runtime.steps.filter((s) => s.keyword === 'ENV').map((s) => parseEnv(s.args))) as Record<string, string>;
    expect(imageEnv.SWITCHBOARD_TRANSPORT).toBe('streamable-http');
    expect(imageEnv.SWITCHBOARD_CONFIG).toBeDefined();

    // The config the image reads (a ConfigMap in Kubernetes, a bind mount in compose), here a temp file.
    const config = join(work, 'switchboard.config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { echo: fixtureServerEntry('echo') } }));
    // The unprivileged user must be able to read what the image holds, and nothing more.
    for (const path of [work, app, config]) chmodSync(path, 0o755);
    const port = await freePort();
    const env = {
      PATH: process.env.PATH ?? '',
      ...imageEnv,
      // Loopback instead of 0.0.0.0 (the container's network namespace is the machine's here).
      SWITCHBOARD_HOST: '127.0.0.1',
      SWITCHBOARD_PORT: String(port),
      SWITCHBOARD_CONFIG: config,
    };
    const asNonRoot = process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
    const [command, ...args] = [...entrypoint, ...cmd];
    expect(command).toBe('node');
    const child = spawn(process.execPath, args, { cwd: app, env, stdio: ['ignore', 'ignore', 'pipe'], ...asNonRoot });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => (await fetch(`${base}/ready`)).status === 200,
        () => stderr,
      );
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
      expect(uid, 'the server process runs as a non-root user').not.toBe(0);

      const [healthBin, ...healthArgs] = healthCommand;
      expect(healthBin).toBe('node');
      const health = spawnSync(process.execPath, healthArgs, { env, encoding: 'utf8', ...asNonRoot });
      expect(health.status, `HEALTHCHECK ${healthcheck}\n${health.stderr}`).toBe(0);

      const client = new Client({ name: 'image-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
      const result = await client.callTool({ name: 'echo__echo', arguments: { text: 'from the image' } });
      expect(JSON.stringify(result.content)).toContain('from the image');
      await client.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    // With the server gone, the same HEALTHCHECK fails: it is not a command that always passes.
    expect(spawnSync(process.execPath, healthCommand.slice(1), { env, ...asNonRoot }).status).not.toBe(0);
  });
});

async function waitFor(check: () => Promise<boolean>, context: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the image's command did not become ready:\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
