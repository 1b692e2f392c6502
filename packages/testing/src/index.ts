// Test kit for Switchboard and its plugin authors. Each module below owns one concern.
export { fixtureNames, fixturePath, fixtureServerEntry } from './fixture-path.js';
export type { FixtureName, FixtureServerEntry } from './fixture-path.js';
export { longToolName } from './fixtures/long-tool-name.js';
export { connectFixture } from './fixtures/connect-fixture.js';
export type { ConnectedFixture } from './fixtures/connect-fixture.js';
export { createTestKernel, defineTestPlugin } from './test-kernel.js';
export type { TestKernelOptions, TestPluginSpec } from './test-kernel.js';
export { createTestProxy } from './test-proxy.js';
export type { TestProxy, TestProxyOptions } from './test-proxy.js';
export { createMemoryLogger } from './memory-logger.js';
export type { MemoryLogger, MemoryLogLine } from './memory-logger.js';
export { createFakeConfig } from './fake-config.js';
export type { FakeConfig } from './fake-config.js';
export { writeTempConfig, writeTempPackage } from './temp-config.js';
export type { TempConfig, WriteTempConfigOptions } from './temp-config.js';
export { startFakePluggedinApp, FAKE_PLUGGEDIN_API_KEY, FAKE_PLUGGEDIN_PROFILE_UUID, PLUGGEDIN_AUTH_ERRORS } from './fake-pluggedin-app.js';
export type {
  FakePluggedinApp,
  FakePluggedinAppOptions,
  FakeAppServer,
  FakeAppTool,
  FakeAppRequest,
  FakeAppState,
  FakeAppRoute,
  FakeDiscoverRateLimit,
} from './fake-pluggedin-app.js';
export { createConformanceServer, JSON_SCHEMA_2020_12_INPUT_SCHEMA, TEST_IMAGE_BASE64, TEST_AUDIO_BASE64 } from './fixtures/conformance-server.js';
