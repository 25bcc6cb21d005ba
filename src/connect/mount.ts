/**
 * One call for `crm-mcp serve` (or any node:http server) to mount the connect endpoints:
 *   const connect = connectHandlerFor(operatorRuntime, publicUrl);
 *   if (await connect(req, res)) return;   // handled /connect/*
 */
import { createConnectFlow } from './flow.js';
import { createConnectHandler, type ConnectHandler } from './handler.js';
import type { OperatorRuntime } from './runtime.js';

export function connectHandlerFor(rt: OperatorRuntime, publicBaseUrl: string): ConnectHandler {
  const flow = createConnectFlow({ ...rt, ...rt.deps, validator: rt.connectValidator, connectSpec: rt.connectSpec, actor: 'connect-link' });
  return createConnectHandler({ flow, publicBaseUrl, logger: rt.deps.logger });
}
