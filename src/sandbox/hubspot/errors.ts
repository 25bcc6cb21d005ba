/** HubSpot error bodies, byte-for-byte in the shapes of PROVIDERS.md §1.2–1.3. */
import { randomUUID } from 'node:crypto';
import type { Reply } from '../http.js';

const cid = (): string => randomUUID();

export function expiredAuth(expiredAtMs: number, nowMs: number): Reply {
  const ago = Math.max(0, Math.floor((nowMs - expiredAtMs) / 1000));
  return {
    status: 401,
    json: {
      status: 'error', message: `The OAuth token used to make this call expired ${ago} second(s) ago.`, correlationId: cid(),
      category: 'EXPIRED_AUTHENTICATION', context: { 'expire time': [new Date(expiredAtMs).toISOString()] },
    },
  };
}

export function invalidAuth(): Reply {
  return {
    status: 401,
    headers: { 'x-hubspot-auth-failure': '401 Unauthorized' },
    json: {
      status: 'error',
      message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
      correlationId: cid(), category: 'INVALID_AUTHENTICATION',
    },
  };
}

export function notFound(id: string): Reply {
  return { status: 404, json: { status: 'error', message: 'Object not found.  objectId are usually numeric.', correlationId: cid(), context: { id: [id] }, category: 'OBJECT_NOT_FOUND' } };
}

export function validation(message: string, errors?: unknown[]): Reply {
  return { status: 400, json: { status: 'error', message, correlationId: cid(), ...(errors ? { errors } : {}), category: 'VALIDATION_ERROR' } };
}

export interface PropertyProblem {
  name: string;
  code: 'PROPERTY_DOESNT_EXIST' | 'INVALID_EMAIL' | 'READ_ONLY_VALUE' | 'INVALID_OPTION';
  message: string;
}

/** "Property values were not valid: [<escaped JSON>]" with the structured `errors` beside it. */
export function propertyErrors(problems: PropertyProblem[], portalId: number): Reply {
  const inner = problems.map((p) => ({ isValid: false, message: p.message, error: p.code, name: p.name, localizedErrorMessage: p.message, portalId }));
  return validation(
    `Property values were not valid: ${JSON.stringify(inner)}`,
    problems.map((p) => ({ message: p.message, code: p.code, context: { propertyName: [p.name] } })),
  );
}

export function rateLimited(policy: 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY', headers: Record<string, string>): Reply {
  const what = policy === 'DAILY' ? 'daily' : policy === 'SECONDLY' ? 'secondly' : 'ten_secondly_rolling';
  return {
    status: 429,
    headers,
    json: { status: 'error', message: `You have reached your ${what} limit.`, errorType: 'RATE_LIMIT', correlationId: cid(), policyName: policy, requestId: cid() },
  };
}

export function conflict(message: string): Reply {
  return { status: 409, json: { status: 'error', message, correlationId: cid(), category: 'CONFLICT' } };
}
