/**
 * The hono app's types. `AppEnv` is what hono calls an app's Env — its
 * bindings and per-request variables (the request id, the negotiated locale,
 * the gate built from the bindings); `AppContext` is the per-request context
 * every route handler receives.
 */
import type { Context } from 'hono';
import type { HearthEnv } from '../env';
import type { Gate } from '../gate';
import type { DeviceIdentity } from '../identity/device-token';
import type { Locale } from '../messages/catalog';

/** Where allowed playback goes in development when there is no ORIGIN_URL (development/origin.ts). */
export type DevelopmentOrigin = (request: Request, device: DeviceIdentity) => Promise<Response>;

export interface AppEnv {
  Bindings: HearthEnv;
  Variables: {
    requestId: string;
    locale: Locale;
    gate: Gate;
    /** Development only: where allowed playback goes when there is no ORIGIN_URL. */
    developmentOrigin?: DevelopmentOrigin;
  };
}

export type AppContext = Context<AppEnv>;
