/**
 * The typed hono context shared by every route: bindings, the request id,
 * the negotiated locale and the gate built from the bindings.
 */
import type { Context } from 'hono';
import type { HearthEnv } from '../env';
import type { Gate } from '../gate';
import type { Locale } from '../messages/catalog';

export interface HearthContext {
  Bindings: HearthEnv;
  Variables: {
    requestId: string;
    locale: Locale;
    gate: Gate;
  };
}

export type HearthHonoContext = Context<HearthContext>;
