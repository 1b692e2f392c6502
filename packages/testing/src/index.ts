// Test kit for Switchboard and its plugin authors. Each module below owns one concern.
export { fixtureNames, fixturePath, fixtureServerEntry } from './fixture-path.js';
export type { FixtureName, FixtureServerEntry } from './fixture-path.js';
export { longToolName } from './fixtures/long-tool-name.js';
