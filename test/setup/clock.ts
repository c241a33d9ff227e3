/**
 * A setup file of the workerd project (run before each test file): the
 * files share one isolate, so time one file passed (test/support/clock.ts)
 * would otherwise stay passed for every file after it, and a Durable Object
 * alarm set on the moved clock would wait that long in real time.
 */
import { beforeAll } from 'vitest';
import { resetClock } from '../support/clock';

beforeAll(() => resetClock());
