import type { KindTemplate, TemplateContext } from './context.js';

/** package.json of a new plugin package. */
export function packageJson(ctx: TemplateContext, template: KindTemplate): string {
  const { versions } = ctx;
  const manifest = {
    name: ctx.packageName,
    version: '0.1.0',
    description: template.description(ctx),
    license: 'MIT',
    type: 'module',
    keywords: ['switchboard-plugin', 'switchboard', 'mcp', 'model-context-protocol'],
    engines: { node: '>=20' },
    main: './dist/index.js',
    types: './dist/index.d.ts',
    exports: {
      '.': { types: './dist/index.d.ts', import: './dist/index.js' },
      './package.json': './package.json',
    },
    files: ['dist', '!dist/**/*.test.*', '!dist/**/*.map', 'README.md'],
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json',
      test: 'vitest run',
      prepublishOnly: 'npm run build',
    },
    peerDependencies: { '@mcp-switchboard/plugin-api': versions.pluginApi },
    // zod is imported at run time (the options schema), so it is a dependency, not a dev dependency.
    dependencies: { zod: versions.zod, ...(template.dependencies?.(ctx) ?? {}) },
    devDependencies: {
      '@mcp-switchboard/plugin-api': versions.pluginApi,
      '@mcp-switchboard/testing': versions.testing,
      // createTestProxy() runs the hub in process; the SDK makes the in-process servers of an end-to-end test.
      '@mcp-switchboard/hub': versions.hub,
      '@modelcontextprotocol/sdk': versions.sdk,
      '@types/node': versions.typesNode,
      typescript: versions.typescript,
      vitest: versions.vitest,
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Type-checks sources and tests (no output). */
export function tsconfigJson(): string {
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023'],
      types: ['node'],
      strict: true,
      noImplicitOverride: true,
      noFallthroughCasesInSwitch: true,
      esModuleInterop: true,
      skipLibCheck: true,
      forceConsistentCasingInFileNames: true,
      isolatedModules: true,
      declaration: true,
      sourceMap: true,
      rootDir: 'src',
      outDir: 'dist',
      noEmit: true,
    },
    include: ['src'],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Emits `dist/` without the tests. */
export function tsconfigBuildJson(): string {
  const config = {
    extends: './tsconfig.json',
    compilerOptions: { noEmit: false },
    exclude: ['src/**/*.test.ts'],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Its own vitest config, so a config further up (a monorepo's) is never picked up instead. */
export function vitestConfig(): string {
  return `import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
  },
});
`;
}

export function gitignore(): string {
  return 'node_modules/\ndist/\n*.tsbuildinfo\n';
}

export function readme(ctx: TemplateContext, template: KindTemplate): string {
  const folder = ctx.packageName.split('/').pop()!;
  return `# ${ctx.packageName}

${template.description(ctx)}

${template.readme(ctx)}

## Use it

Install it next to your Switchboard config file:

\`\`\`sh
npm install ${ctx.packageName}
\`\`\`

and list it in the config's \`plugins\`, with its options:

\`\`\`json
{
  "plugins": [${template.configEntry(ctx)}]
}
\`\`\`

${
  ctx.packageName === `switchboard-plugin-${ctx.id}`
    ? `\`${ctx.id}\` is the short name: Switchboard tries \`@mcp-switchboard/plugin-${ctx.id}\`, then \`${ctx.packageName}\`. `
    : `The package name is used as written. `
}While you develop, list the built package by path instead (relative to the config file), e.g.
\`["./${folder}", { ... }]\`.

## Develop

\`\`\`sh
npm install
npm test          # vitest: runs the plugin in a test kernel from @mcp-switchboard/testing
npm run typecheck # tsc, strict
npm run build     # dist/
\`\`\`

The plugin is written against \`@mcp-switchboard/plugin-api\` only (a peer dependency, so it shares Switchboard's
copy). Logs go through the logger Switchboard gives the plugin, never to stdout: in stdio mode stdout carries the
MCP protocol. See the plugin authors' guide (\`docs/plugins.md\` in the Switchboard repository) for the four kinds,
the core services, lifecycle, errors and testing.
`;
}
