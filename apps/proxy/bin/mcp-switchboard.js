#!/usr/bin/env node
// The installed command. It exists before the build (npm links a bin only if its file is there at install time,
// so `npm ci && npm run build && npx mcp-switchboard` works inside the repository) and runs the built CLI.
import('../dist/cli.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    process.stderr.write('mcp-switchboard: not built yet; run `npm run build` in the repository first\n');
    process.exit(1);
  }
  throw error;
});
