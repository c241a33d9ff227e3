/** Calls the admin API the way the ops CLI would. */
import { callGate, type GateRequest } from '../support/gate';
import { adminToken } from '../support/tokens';
import { ADMIN_SCOPES } from '../../src/vocabulary';

export const ALL_SCOPES = ADMIN_SCOPES.join(' ');

export async function admin(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; scope?: string; token?: string | null; headers?: Record<string, string>; env?: GateRequest['env'] } = {},
) {
  const token = options.token === null ? undefined : (options.token ?? (await adminToken(options.scope ?? ALL_SCOPES)));
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await callGate({
    method,
    path,
    ip: null,
    ...(token ? { headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...options.headers } } : { headers: options.headers ?? {} }),
    ...(body !== undefined ? { body } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as Record<string, any> };
}
