import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel, type KernelOptions } from '@mcp-switchboard/kernel';
import { definePlugin, type PluginContributions, type PluginKind, type ResolvedDeps, type SwitchboardPlugin, type TokenMap } from '@mcp-switchboard/plugin-api';
import type { z } from 'zod';
import { createMemoryLogger } from './memory-logger.js';
import { writeTempConfig } from './temp-config.js';

/** A temp folder, with the config file in it when one was written. */
interface TempConfig {
  dir: string;
  file?: string;
  cleanup(): Promise<void>;
}

async function emptyTempDir(): Promise<TempConfig> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'switchboard-test-')));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const emptyContribution: { [K in PluginKind]: () => PluginContributions[K] } = {
  'config-source': () => ({ load: async () => [] }),
  reporter: () => ({ onEvent: () => {} }),
  filter: () => ({}),
  middleware: () => ({}),
  service: () => ({}),
  transport: () => ({}),
};

export interface TestPluginSpec<K extends PluginKind, D extends TokenMap> {
  /** Default: `test-<kind>-<n>`. */
  id?: string;
  apiVersion?: string;
  enforce?: 'pre' | 'post';
  options?: z.ZodType;
  deps?: D;
  /** Default: returns a do-nothing contribution of the kind, merged with `contribution`. */
  setup?: (deps: ResolvedDeps<D>, options: unknown) => PluginContributions[K] | Promise<PluginContributions[K]>;
  /** Parts of the contribution to return from the default setup (e.g. `{ load: async () => [server] }`). */
  contribution?: Partial<PluginContributions[K]>;
}

let counter = 0;
const specKeys = new Set(['id', 'apiVersion', 'enforce', 'options', 'deps', 'setup', 'contribution']);

/**
 * A throwaway plugin of a kind: every field optional, a working do-nothing contribution by default. Besides the
 * spec fields, contribution members may be given directly: `defineTestPlugin('config-source', { load })`.
 */
export function defineTestPlugin<K extends PluginKind, D extends TokenMap = {}>(
  kind: K,
  partial: TestPluginSpec<K, D> & Partial<PluginContributions[K]> = {},
): SwitchboardPlugin<K> {
  const spec: Record<string, unknown> = {};
  const members: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(partial)) (specKeys.has(key) ? spec : members)[key] = value;
  const { contribution, setup, ...rest } = spec as TestPluginSpec<K, D>;
  return definePlugin({
    id: `test-${kind}-${++counter}`,
    ...rest,
    kind,
    setup: (setup ?? (() => ({ ...emptyContribution[kind](), ...contribution, ...members }) as PluginContributions[K])) as never,
  });
}

export interface TestKernelOptions extends Partial<Omit<KernelOptions, 'builtinPlugins' | 'env'>> {
  /** Written to a temp folder (removed when the kernel stops) and loaded as the config file. */
  config?: object | string;
  /** Name of the config file; default `switchboard.config.json`. */
  configFilename?: string;
  /** Extra files next to the config (plugins, fixtures). */
  files?: Record<string, string | object>;
  /** Plugins loaded as builtins, in order; `[plugin, options]` passes options. */
  plugins?: Array<SwitchboardPlugin | [SwitchboardPlugin, unknown]>;
  /** Default: an empty environment (nothing leaks in from the machine running the tests). */
  env?: NodeJS.ProcessEnv;
}

/**
 * A created (not started) kernel for tests: config written to a temp folder when given, a memory logger by
 * default (read it with `kernel.logger as MemoryLogger`), the user's own config dir never consulted. The caller
 * starts and stops it; the temp folder goes when it stops.
 */
export async function createTestKernel(options: TestKernelOptions = {}): Promise<Kernel> {
  const { config, configFilename, files, plugins = [], env = {}, ...rest } = options;
  let temp: TempConfig | undefined;
  if (config !== undefined || files) {
    temp = await writeTempConfig(config ?? {}, { ...(configFilename ? { filename: configFilename } : {}), ...(files ? { files } : {}) });
  } else if (!rest.cwd) {
    // No config and no cwd: an empty folder, so a config lying around the test's own cwd is never picked up.
    temp = await emptyTempDir();
  }
  const cwd = rest.cwd ?? temp!.dir;
  try {
    const kernel = await Kernel.create({
      disposeTimeoutMs: 1000,
      logger: createMemoryLogger(),
      // Fence the search into the temp folder and away from ~/.config, so tests never read a real config.
      ...(temp ? { stopDir: temp.dir } : {}),
      globalConfigDir: join(temp?.dir ?? cwd, '.switchboard-test-no-global-config'),
      ...(config !== undefined && temp?.file ? { configFile: temp.file } : {}),
      ...rest,
      cwd,
      env,
      builtinPlugins: plugins.map((entry) => (Array.isArray(entry) ? { plugin: entry[0], options: entry[1] } : { plugin: entry })),
    });
    if (temp) {
      const stop = kernel.stop.bind(kernel);
      let stopping: ReturnType<Kernel['stop']> | undefined;
      // Same promise on every call, like Kernel.stop; the folder goes after everything is disposed.
      kernel.stop = () => (stopping ??= stop().then(async (result) => (await temp.cleanup(), result)));
    }
    return kernel;
  } catch (error) {
    await temp?.cleanup();
    throw error;
  }
}
