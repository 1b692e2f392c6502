// The files in deploy/ agree with the product and with each other: their configs are valid Switchboard configs,
// the kill timers leave room for draining, the probes ask the endpoints that exist, and what refers to a file,
// a Secret key or an environment variable finds it. (deploy-image.test.ts runs the Dockerfile; haproxy.test.ts runs
// haproxy.cfg.)
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { switchboardConfigSchema } from '@mcp-switchboard/plugin-api';
import { parseHttpBlock, resolveHttpSettings } from '@mcp-switchboard/plugin-transport-http';
import { cliOptions, extraEnvHelp } from '../src/cli-options.js';
import { repoRoot } from './helpers/cli.js';

const read = (path: string) => readFileSync(join(repoRoot, 'deploy', path), 'utf8');

/** A config as the CLI checks it: the common schema, then the HTTP front door's own block. */
function checkConfig(text: string, where: string) {
  const config = JSON.parse(text) as { http?: unknown };
  const parsed = switchboardConfigSchema.safeParse(config);
  expect(parsed.success, `${where}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
  return resolveHttpSettings({ http: parseHttpBlock(config.http, where) });
}

// Every variable the CLI reads: its flags' and the ones --help lists as read directly.
const envVars = new Set([
  ...cliOptions.map((option) => option.envVar).filter(Boolean),
  ...[...extraEnvHelp.matchAll(/^\s+(SWITCHBOARD_\w+)/gm)].map((m) => m[1]),
]);

describe('deploy/ files', () => {
  it('compose: a valid config, room to drain before SIGKILL, the files it mounts exist, the same haproxy.cfg', () => {
    const compose = read('compose.yaml');
    const http = checkConfig(read('switchboard.config.json'), 'deploy/switchboard.config.json');
    expect(http.drainDelayMs).toBeGreaterThan(0);
    const grace = Number(/stop_grace_period: (\d+)s/.exec(compose)?.[1]);
    expect(grace * 1000).toBeGreaterThan(http.drainDelayMs + http.shutdownGraceMs);
    for (const [, file] of compose.matchAll(/- \.\/([\w.-]+):/g)) expect(existsSync(join(repoRoot, 'deploy', file!)), file).toBe(true);
    expect(compose).toContain('dockerfile: deploy/Dockerfile');
    expect(compose).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg');
    for (const [, name] of compose.matchAll(/^\s+(SWITCHBOARD_\w+):/gm)) expect(envVars.has(name), name).toBe(true);
  });

  it('Kubernetes: the ConfigMap holds a valid config; probes, Secret key, env and grace period fit it', () => {
    const configMap = read('kubernetes/configmap.yaml');
    const block = configMap.slice(configMap.indexOf('switchboard.config.json: |') + 'switchboard.config.json: |'.length);
    const http = checkConfig(block, 'deploy/kubernetes/configmap.yaml');
    const deployment = read('kubernetes/deployment.yaml');
    const grace = Number(/terminationGracePeriodSeconds: (\d+)/.exec(deployment)?.[1]);
    expect(grace * 1000).toBeGreaterThan(http.drainDelayMs + http.shutdownGraceMs);
    expect(deployment).toMatch(/livenessProbe:\s+httpGet: \{ path: \/health, port: http \}/);
    expect(deployment).toMatch(/readinessProbe:[\s\S]*?127\.0\.0\.1:12006\/ready/);
    expect(deployment).toContain('runAsNonRoot: true');
    const secretKeys = [...deployment.matchAll(/secretKeyRef: \{ name: switchboard-tokens, key: ([\w-]+) \}/g)].map((m) => m[1]);
    expect(secretKeys).toEqual(['auth-token', 'request-state-key']);
    for (const key of secretKeys) expect(read('kubernetes/secret.yaml')).toContain(`  ${key}:`);
    for (const [, name] of deployment.matchAll(/name: (SWITCHBOARD_\w+)/g)) expect(envVars.has(name), name).toBe(true);
    const kustomization = read('kubernetes/kustomization.yaml');
    for (const [, file] of kustomization.matchAll(/- ([\w-]+\.yaml)/g)) expect(existsSync(join(repoRoot, 'deploy/kubernetes', file!)), file).toBe(true);
  });
});
