/**
 * Every request and response schema of the HTTP contract, from one place:
 * the devices' (device-schemas.ts, feedback-schemas.ts) and the admin API's
 * (admin-schemas.ts).
 * Routes, the OpenAPI builder and the tests import them from here.
 */
export * from './device-schemas';
export * from './admin-schemas';
export * from './feedback-schemas';
