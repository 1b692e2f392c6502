// The hub's tests of tool calls once more, with call events wanted (as when a reporter is configured): every call
// then takes the promise pipeline (Router.callTool, RequestForwarder.send) instead of the relay
// (Router.relayToolCall, RelayedCall), and both ways must give clients the same answers, errors and timings.
import { wantCallEventsByDefault } from './support/harness.js';

wantCallEventsByDefault();
await import('../src/hub.routing.test.js');
await import('../src/hub.connections.test.js');
await import('../src/hub.supervision.test.js');
await import('../src/session/relayed-requests.test.js');
