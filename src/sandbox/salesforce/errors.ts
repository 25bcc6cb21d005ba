/** Salesforce REST error bodies: always a JSON array of {message, errorCode, fields?} (PROVIDERS.md §2.2). */
import type { Reply } from '../http.js';

export function sfError(status: number, errorCode: string, message: string, fields?: string[], headers?: Record<string, string>): Reply {
  return { status, json: [{ message, errorCode, ...(fields ? { fields } : {}) }], ...(headers ? { headers } : {}) };
}

export const invalidSession = (): Reply =>
  ({ status: 401, headers: { 'www-authenticate': 'Token' }, json: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }] });

export const notFound = (): Reply => ({ status: 404, json: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }] });

export const limitExceeded = (): Reply => sfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');

export const noSuchColumn = (field: string, entity: string): string =>
  `No such column '${field}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`;
