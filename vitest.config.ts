import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{packages,plugins,apps,examples}/*/{src,test}/**/*.test.ts', 'docs/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The machines here have two cores; e2e tests spawn real processes.
    maxWorkers: 2,
    // The JSON report lets .ci/run print one plain "N passed, N failed" line at the end.
    reporters: ['default', ['json', { outputFile: 'tmp/vitest-report.json' }]],
  },
});
