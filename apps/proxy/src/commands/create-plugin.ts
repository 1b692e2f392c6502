import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { SwitchboardError, pluginKinds, type PluginKind } from '@mcp-switchboard/plugin-api';
import {
  gitignore,
  kindTemplates,
  packageJson,
  readme,
  tsconfigBuildJson,
  tsconfigJson,
  vitestConfig,
  type TemplateContext,
  type TemplateVersions,
} from '../templates/index.js';

export interface CreatePluginOptions {
  /** `foo` → `switchboard-plugin-foo`; a scoped name or one starting with `switchboard-plugin-` is kept. */
  name: string;
  kind: string;
  /** Parent folder; the package goes into `<dir>/<package name without scope>`. */
  dir: string;
  /** Version of @mcp-switchboard/plugin-api to build against (`0.1.0` → `^0.1.0`). */
  pluginApiVersion: string;
  /** Version of @mcp-switchboard/testing for the tests. */
  testingVersion: string;
  /** Version of @mcp-switchboard/hub for the test kit's createTestProxy(); default: the test kit's version. */
  hubVersion?: string | undefined;
  /** Ranges for the other dependencies; defaults are the ones Switchboard itself is built with. */
  versions?: Partial<Pick<TemplateVersions, 'zod' | 'sdk' | 'typescript' | 'vitest' | 'typesNode'>>;
}

export interface CreatedPlugin {
  /** The new package's folder (absolute). */
  dir: string;
  packageName: string;
  /** The plugin id (short name). */
  id: string;
  /** Files written, relative to `dir`, in a stable order. */
  files: string[];
}

/** Ranges the templates use unless told otherwise: the toolchain Switchboard itself is built and tested with. */
export const defaultTemplateVersions = {
  zod: '^4.1.0',
  sdk: '~1.32.2',
  typescript: '~5.9.3',
  vitest: '~4.1.9',
  typesNode: '^20.19.0',
} as const;

const PREFIX = 'switchboard-plugin-';

function usage(message: string, fix: string): SwitchboardError {
  return new SwitchboardError('SWB_USAGE', `create-plugin: ${message}`, { fix });
}

/** Why `name` is not a valid npm package name (the rules of validate-npm-package-name for new packages), or undefined. */
export function npmNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the name is empty';
  if (name.trim() !== name) return 'the name has leading or trailing spaces';
  if (name.length > 214) return 'the name is longer than 214 characters';
  if (name.toLowerCase() !== name) return 'the name has capital letters (npm names are lower case)';
  if (/[~'!()*]/.test(name)) return "the name has one of the characters ~'!()*";
  const scoped = /^@([^/]+)\/([^/]+)$/.exec(name);
  if (name.startsWith('@') && !scoped) return 'a scoped name must look like @scope/name';
  const parts = scoped ? [scoped[1]!, scoped[2]!] : [name];
  for (const part of parts) {
    if (part.startsWith('.') || part.startsWith('_')) return 'the name (or scope) starts with "." or "_"';
    if (encodeURIComponent(part) !== part) return `"${part}" has characters that are not URL-safe (use a-z, 0-9, "-", "." and "_")`;
  }
  const bare = parts.at(-1)!;
  if (!scoped && (bare === 'node_modules' || bare === 'favicon.ico')) return `"${bare}" is not allowed as a package name`;
  if (!scoped && builtinModules.includes(bare)) return `"${bare}" is the name of a Node.js core module`;
  return undefined;
}

/** The package name and plugin id for what the user typed. */
export function pluginNames(name: string): { packageName: string; id: string } {
  const given = name.trim();
  if (!given) throw usage('the name is empty', 'Name the plugin, e.g. `create-plugin team-servers --kind config-source`.');
  const scoped = given.startsWith('@');
  const packageName = scoped || given.startsWith(PREFIX) ? given : `${PREFIX}${given}`;
  const problem = npmNameProblem(packageName);
  if (problem) {
    throw usage(
      `"${name}" cannot be used: ${problem}`,
      'Pick a name of lower-case letters, digits and dashes, e.g. `team-servers` (→ switchboard-plugin-team-servers) or `@acme/switchboard-plugin-audit`.',
    );
  }
  const bare = packageName.split('/').pop()!;
  const id = bare.startsWith(PREFIX) ? bare.slice(PREFIX.length) : bare;
  if (!id) throw usage(`"${name}" has nothing after "${PREFIX}"`, 'Name the plugin, e.g. `switchboard-plugin-team-servers` or just `team-servers`.');
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) {
    throw usage(`"${name}" gives the plugin id "${id}", which must start with a letter or digit`, 'Start the name with a-z or 0-9, e.g. `team-servers`.');
  }
  return { packageName, id };
}

function parseKind(kind: string): PluginKind {
  if ((pluginKinds as readonly string[]).includes(kind)) return kind as PluginKind;
  throw usage(`unknown kind "${kind}"`, `Use --kind with one of: ${pluginKinds.join(', ')}.`);
}

/** `0.1.0` → `^0.1.0`; a range is kept as given. */
function caretRange(version: string, what: string): string {
  const v = version.trim();
  if (/^\d+\.\d+\.\d+(?:-[\w.]+)?$/.test(v)) return `^${v}`;
  if (/^[\^~><=]|\|\||^\*$|\.x/.test(v)) return v;
  throw usage(`"${version}" is not a version of ${what}`, 'Give a version such as 1.2.3.');
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw error;
  }
}

/**
 * Writes a ready plugin package: package.json, tsconfig.json (+ tsconfig.build.json), vitest.config.ts,
 * src/index.ts with a minimal plugin of `kind`, src/index.test.ts (passing, on @mcp-switchboard/testing),
 * README.md, .gitignore.
 * Refuses to write into a folder that is not empty.
 */
export async function createPlugin(options: CreatePluginOptions): Promise<CreatedPlugin> {
  const kind = parseKind(options.kind);
  const { packageName, id } = pluginNames(options.name);
  const dir = resolve(options.dir, packageName.split('/').pop()!);
  if (!(await isEmptyOrMissing(dir))) {
    throw usage(`${dir} already exists and is not empty; nothing was written`, 'Pick another name or --dir, or remove the folder.');
  }
  const ctx: TemplateContext = {
    packageName,
    id,
    kind,
    versions: {
      ...defaultTemplateVersions,
      ...options.versions,
      pluginApi: caretRange(options.pluginApiVersion, '@mcp-switchboard/plugin-api'),
      testing: caretRange(options.testingVersion, '@mcp-switchboard/testing'),
      hub: caretRange(options.hubVersion ?? options.testingVersion, '@mcp-switchboard/hub'),
    },
  };
  const template = kindTemplates[kind];
  const files: Array<[string, string]> = [
    ['package.json', packageJson(ctx, template)],
    ['tsconfig.json', tsconfigJson()],
    ['tsconfig.build.json', tsconfigBuildJson()],
    ['vitest.config.ts', vitestConfig()],
    ['.gitignore', gitignore()],
    ['README.md', readme(ctx, template)],
    ['src/index.ts', template.index(ctx)],
    ['src/index.test.ts', template.test(ctx)],
  ];
  for (const [name, text] of files) {
    const file = join(dir, name);
    await mkdir(dirname(file), { recursive: true });
    // `wx`: never replace a file, even one created since the check above.
    await writeFile(file, text, { flag: 'wx' });
  }
  return { dir, packageName, id, files: files.map(([name]) => name) };
}

/** The versions this copy of mcp-switchboard ships with: its plugin-api, and its test kit when installed. */
export function installedVersions(): { pluginApiVersion: string; testingVersion: string; hubVersion: string } {
  const require = createRequire(import.meta.url);
  const version = (specifier: string): string | undefined => {
    try {
      return (require(specifier) as { version?: string }).version;
    } catch {
      return undefined;
    }
  };
  const pluginApiVersion = version('@mcp-switchboard/plugin-api/package.json') ?? '0.1.0';
  // The test kit is released with the plugin API; under npx it is not installed, so fall back to that version.
  const testingVersion = version('@mcp-switchboard/testing/package.json') ?? pluginApiVersion;
  const hubVersion = version('@mcp-switchboard/hub/package.json') ?? testingVersion;
  return { pluginApiVersion, testingVersion, hubVersion };
}

/** Text printed after a successful run. */
export function describeCreated(created: CreatedPlugin, kind: string, cwd: string = process.cwd()): string {
  // A folder below the working directory reads best relative; anything else is clearer absolute.
  const rel = relative(cwd, created.dir);
  const where = rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? created.dir : rel;
  const configPath = where.startsWith('/') || where === '.' ? where : `./${where}`;
  const lines = [
    `Created ${created.packageName} (plugin "${created.id}", kind ${kind}) in ${where}:`,
    ...created.files.map((file) => `  ${file}`),
    '',
    'Next:',
    `  cd ${where.includes(' ') ? JSON.stringify(where) : where}`,
    '  npm install',
    '  npm test',
    '',
    `Then list it in your config's "plugins": "${configPath}" while you develop, "${created.packageName}" once installed.`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `mcp-switchboard create-plugin <name> --kind <kind> [--dir <folder>]`. */
export function registerCreatePluginCommand(program: Command): Command {
  return program
    .command('create-plugin')
    .description('write a new plugin package: package.json, tsconfig, src/index.ts, a passing test and a README')
    .argument('<name>', `plugin name: foo → ${PREFIX}foo (scoped and ${PREFIX}* names are used as given)`)
    .addOption(new Option('-k, --kind <kind>', 'what the plugin contributes').choices([...pluginKinds]).makeOptionMandatory())
    .option('-d, --dir <folder>', 'the folder to create the package in', '.')
    .action(async (name: string, opts: { kind: string; dir: string }) => {
      const created = await createPlugin({ name, kind: opts.kind, dir: resolve(opts.dir), ...installedVersions() });
      // Not a protocol mode: stdout is free for people here.
      process.stdout.write(describeCreated(created, opts.kind));
    });
}
