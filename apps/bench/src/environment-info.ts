import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import type { BenchReport } from './bench-report.js';

/** The SDK's version, read from its package.json (its exports map does not expose that file). */
function sdkVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/sdk/client/index.js'));
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
    if (name === '@modelcontextprotocol/sdk' && version) return version;
  }
  return 'unknown';
}

/** Where the numbers came from: ratios travel between machines, absolute latencies do not. */
export function environmentInfo(): BenchReport['environment'] {
  const cpuList = cpus();
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    sdkVersion: sdkVersion(),
  };
}
