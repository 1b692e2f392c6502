import type { PluginKind } from '@mcp-switchboard/plugin-api';

/** What every template gets. */
export interface TemplateContext {
  /** npm package name, e.g. `switchboard-plugin-team-servers` or `@acme/switchboard-plugin-x`. */
  packageName: string;
  /** Plugin id and short name, e.g. `team-servers`. */
  id: string;
  kind: PluginKind;
  /** Version ranges written into package.json. */
  versions: TemplateVersions;
}

export interface TemplateVersions {
  pluginApi: string;
  testing: string;
  /** The hub, for the test kit's in-process `createTestProxy()`. */
  hub: string;
  zod: string;
  sdk: string;
  typescript: string;
  vitest: string;
  typesNode: string;
}

/** The files one kind contributes: the plugin, its test, and the README parts that differ by kind. */
export interface KindTemplate {
  /** One line for package.json's description and the README. */
  description(ctx: TemplateContext): string;
  index(ctx: TemplateContext): string;
  test(ctx: TemplateContext): string;
  /** The `plugins` entry shown in the README (JSON). */
  configEntry(ctx: TemplateContext): string;
  /** README paragraph: what the plugin does and its options. */
  readme(ctx: TemplateContext): string;
  /** Runtime dependencies beyond zod. */
  dependencies?(ctx: TemplateContext): Record<string, string>;
}

/** A string as a TypeScript single-quoted literal. */
export function tsString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
