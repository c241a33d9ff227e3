/**
 * Every HTTP operation Hearth serves outside playback, in one list: the
 * devices' (device-operations.ts, feedback-operations.ts) and the admin
 * API's (admin-operations.ts).
 * `app.ts` mounts these and hands them to `api/openapi.ts` to document.
 */
import type { Operation } from '../api/operation';
import { adminOperations } from './admin-operations';
import { deviceOperations } from './device-operations';
import { feedbackOperations } from './feedback-operations';

export const operations: Operation[] = [...deviceOperations, ...feedbackOperations, ...adminOperations];
