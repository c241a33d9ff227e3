/**
 * One description per HTTP operation: method, path, who may call it, the zod
 * schemas of its input and output, and its handler. The app mounts routes
 * from these descriptions and `openapi.ts` documents the same ones, so the
 * OpenAPI document cannot drift from what is served and validated.
 */
import type { z } from 'zod';
import type { AdminIdentity } from '../identity/admin-token';
import type { HearthHonoContext } from '../http/context';
import { type AdminScope } from '../vocabulary';

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface ResponseSpec {
  description: string;
  /** JSON body schema; problem responses are documented as Problem. */
  body?: z.ZodType;
  problem?: boolean;
  headers?: Record<string, string>;
}

export interface OperationInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  admin: AdminIdentity | null;
}

export interface Operation<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** OpenAPI style: `/admin/v1/rollout/{region}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: 'Device' | 'Admin: rollout' | 'Admin: accounts' | 'Admin: audit' | 'Service';
  auth: 'device' | 'admin' | 'none';
  scope?: AdminScope;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  /** Admin operations have their body validated before the handler runs; device operations validate after signing in. */
  body?: z.ZodType<B>;
  headers?: Record<string, { description: string; required?: boolean }>;
  responses: Record<number, ResponseSpec>;
  handler: (c: HearthHonoContext, input: OperationInput<P, Q, B>) => Response | Promise<Response>;
}

/** Keeps the handler's input typed by the operation's schemas. */
export function defineOperation<P = undefined, Q = undefined, B = undefined>(operation: Operation<P, Q, B>): Operation {
  return operation as unknown as Operation;
}

/** `/admin/v1/rollout/{region}` → `/admin/v1/rollout/:region` */
export function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
