/** True for `./x`, `../x`, `/abs/x` (and `C:\x`): a file, not a package. */
export function isPathSpecifier(spec: string): boolean {
  return spec.startsWith('.') || spec.startsWith('/') || /^[A-Za-z]:[\\/]/.test(spec);
}

/**
 * The package names a plugin name may mean, in the order they are tried. Short names expand to the first-party
 * scope first, then the community prefix; the bare name is tried last so any package can hold a plugin.
 */
export function candidatePackageNames(spec: string): string[] {
  if (spec.startsWith('@') || spec.startsWith('switchboard-plugin-') || spec.includes('/')) return [spec];
  return [`@mcp-switchboard/plugin-${spec}`, `switchboard-plugin-${spec}`, spec];
}
