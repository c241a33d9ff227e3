/**
 * One description per HTTP operation: method, path, who may call it, the zod
 * schemas of its input and output, and its handler. The app mounts routes
 * from these descriptions (routes/operations.ts lists them) and `openapi.ts`
 * documents the same ones, so the document cannot drift from what is served
 * and validated.
 *
 * Every operation runs the same way (app.ts): sign-in by its auth kind, then
 * params, query and body validated by its schemas, then the handler — which
 * receives typed input and, by auth kind, the signed-in device or admin.
 */
import type { z } from 'zod';
import type { AdminIdentity } from '../identity/admin-token';
import type { DeviceIdentity } from '../identity/device-token';
import type { AppContext } from '../http/context';
import type { AdminScope } from '../vocabulary';

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface ResponseSpec {
  description: string;
  /** JSON body schema; problem responses are documented as Problem. */
  body?: z.ZodType;
  problem?: boolean;
  headers?: Record<string, string>;
}

export interface ValidatedInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

/** Who signs in, and what the handler is given for it. */
export interface SignedIn {
  none: Record<never, never>;
  /** The device of a verified device token (`Authorization: Bearer` or the `hearth_device` cookie). */
  device: { device: DeviceIdentity };
  /** The admin of a verified admin token that carries the operation's scope. */
  admin: { admin: AdminIdentity };
}
export type AuthKind = keyof SignedIn;

export type OperationInput<P, Q, B, A extends AuthKind> = ValidatedInput<P, Q, B> & SignedIn[A];

/** The zod schemas an operation validates its input with, by where the input comes from. */
export interface InputSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
}
type Validated<S extends InputSchemas, Where extends keyof InputSchemas> = S[Where] extends z.ZodType ? z.output<S[Where]> : undefined;

/** A handler's input, from its auth kind and its schemas: `HandlerInput<'admin', { params: typeof accountParam }>`. */
export type HandlerInput<A extends AuthKind, S extends InputSchemas = Record<never, never>> = OperationInput<Validated<S, 'params'>, Validated<S, 'query'>, Validated<S, 'body'>, A>;

interface OperationBase<P, Q, B, A extends AuthKind> {
  method: Method;
  /** OpenAPI style: `/admin/v1/rollout/{region}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /** Kept for existing callers; the document marks it deprecated. */
  deprecated?: true;
  tag: 'Device' | 'Admin: rollout' | 'Admin: accounts' | 'Admin: audit' | 'Service';
  auth: A;
  /** Its answers are the metrics' *sessions* (`GET /gate/v1/decision`): a token refused here is counted as one. */
  countsSessions?: true;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** The body may be left out: no body (or an empty one) is validated as `{}`. */
  bodyOptional?: true;
  headers?: Record<string, { description: string; required?: boolean }>;
  responses: Record<number, ResponseSpec>;
  handler: (c: AppContext, input: OperationInput<P, Q, B, A>) => Response | Promise<Response>;
}

export type Operation<P = unknown, Q = unknown, B = unknown> =
  (OperationBase<P, Q, B, 'none'> & { scope?: undefined }) | (OperationBase<P, Q, B, 'device'> & { scope?: undefined }) | (OperationBase<P, Q, B, 'admin'> & { scope: AdminScope });

/** Keeps the handler's input typed by the operation's schemas and auth kind. */
export function defineOperation<P = undefined, Q = undefined, B = undefined>(operation: Operation<P, Q, B>): Operation {
  return operation as unknown as Operation;
}

/** `/admin/v1/rollout/{region}` → `/admin/v1/rollout/:region` */
export function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}
