/** Public API of the connect flow (types exported apart). */
export { createConnectFlow } from './flow.js';
export { createConnectHandler, callbackUrl } from './handler.js';
export { connectHandlerFor } from './mount.js';
export { runLoopbackConnect, DEFAULT_LOOPBACK_PORT } from './loopback.js';
export { createLinkTokenStore } from './link-tokens.js';
export { createOAuthStateStore } from './oauth-state.js';
export { revokeGrant } from './revoke.js';
export { completeConnection } from './complete.js';
export { openOperatorRuntime } from './open-runtime.js';
export type { ConnectFlow, ConnectFlowDeps } from './flow.js';
export type { ConnectHandler, ConnectHandlerOptions } from './handler.js';
export type { ConnectOutcome, ConnectTarget, TokenScheduler } from './complete.js';
export type { OAuthConnectSpec, ContextCapture } from './spec.js';
export type { AccountValidator, AuditPort, SecretSealer, ValidationOutcome, WebhookPort } from './ports.js';
export type { AuditEntry, AuditFilter, AuditLog, OperatorRuntime, OpenOperatorRuntime, RevokeOutcome } from './runtime.js';
