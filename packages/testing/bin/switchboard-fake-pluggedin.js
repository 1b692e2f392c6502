#!/usr/bin/env node
// The installed command; it exists before the build so npm links it at install time, and runs the built CLI.
import('../dist/fake-pluggedin-cli.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('fake-pluggedin-cli.js')) {
    process.stderr.write('switchboard-fake-pluggedin: not built yet; run `npm run build` in the repository first\n');
    process.exit(1);
  }
  throw error;
});
