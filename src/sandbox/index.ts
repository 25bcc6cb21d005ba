/**
 * Faithful fake providers ("sandboxes") on loopback, shared by tests, the demo and the benches.
 * A leaf: imports only src/core.
 */
export { startLoopback, RequestLog, FaultQueue, parseForm, basicAuth, bearer } from './http.js';
export type { Reply, IncomingCall, Handler, LogEntry, Fault, FaultScope, LoopbackServer } from './http.js';
export * from './oauth/index.js';
export * from './hubspot/index.js';
export * from './salesforce/index.js';
export { startSandboxes } from './sandboxes.js';
export type { Sandboxes, SandboxesOptions, SandboxGrant } from './sandboxes.js';
