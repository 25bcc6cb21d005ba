/**
 * The library API of crm-mcp (the package's `main`/`exports`): open the app the way every
 * command does, serve it over Streamable HTTP, build one account's MCP server on any transport,
 * and the integration definition schema. Types are exported apart.
 */
export { openApp } from './app/open-app.js';
export { serveHttp } from './app/serve-http.js';
export { createServer } from './mcp/server.js';
export { DefinitionSchema } from './integrations/schema.js';

export type { App, OpenAppOptions } from './app/open-app.js';
export type { AppConfig, ConfigFlags } from './app/config.js';
export type { ServeOptions, Serving } from './app/serve-http.js';
export type { CreateServerOptions, CrmMcpServer } from './mcp/server.js';
export type { McpRuntime } from './mcp/runtime.js';
export type { Definition, DefinitionInput } from './integrations/schema.js';
export type { LinkedAccount } from './accounts/model.js';
