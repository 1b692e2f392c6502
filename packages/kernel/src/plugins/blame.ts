import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResolvedPlugin } from './types.js';

/** The folder of a package's code (`…/node_modules/<name>` or `…/node_modules/@scope/<name>`), else the file's folder. */
function codeFolder(file: string): string {
  const match = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(file);
  return match ? match[1]! : dirname(file);
}

/** The file paths a stack names, innermost frame first (`file://` URLs turned into paths). */
function stackFiles(stack: string): string[] {
  const files: string[] = [];
  for (const match of stack.matchAll(/(file:\/\/\/?(?:[A-Za-z]:)?[^\s():]+|(?:[A-Za-z]:)?[\\/][^\s():]+)(?::\d+){1,2}/g)) {
    const location = match[1]!;
    try {
      files.push(location.startsWith('file://') ? fileURLToPath(location) : location);
    } catch {
      // Not a path after all.
    }
  }
  return files;
}

/**
 * The plugin whose code threw, found by the innermost frame of the error's stack that lies in a plugin's module
 * file (a plugin listed by path) or its package's folder. Undefined when no frame does (first-party plugins
 * bundled with the app are not told apart from the app).
 */
export function pluginInStack(error: unknown, plugins: readonly ResolvedPlugin[]): ResolvedPlugin | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack) return undefined;
  const scopes = plugins.flatMap((plugin) => {
    if (!plugin.file) return [];
    const inPackage = plugin.file.includes(`${sep}node_modules${sep}`);
    return [{ plugin, matches: (file: string) => (inPackage ? file.startsWith(`${codeFolder(plugin.file!)}${sep}`) : file === plugin.file) }];
  });
  for (const file of stackFiles(stack)) {
    const found = scopes.find((scope) => scope.matches(file));
    if (found) return found.plugin;
  }
  return undefined;
}
