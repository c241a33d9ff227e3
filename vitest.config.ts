import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { outbound } from './test/support/outbound.ts';

// The same clearly marked development bindings `npm run dev` uses (never .dev.vars.local: the suite
// runs on the published development values, whatever a developer overrides locally).
const development = parseEnv(readFileSync(new URL('./.dev.vars', import.meta.url), 'utf8'));

// The workers pool reads wrangler.toml through wrangler, whose logger says "Using secrets defined in
// .dev.vars" each time a test file's Worker starts (dozens of lines between the results). Wrangler's
// own level, warn: its warnings and errors still show, and a test's failure is vitest's to report.
// The `wrangler dev` the Node tests start sets its own level (scripts/local-worker.ts).
process.env.WRANGLER_LOG ??= 'warn';

// Node's compile cache for every Node process the suite starts (vitest's own workers, wrangler, and the
// ops CLI the Node tests run once per command — dozens of times): a process that has run once before
// loads its modules from the cache instead of compiling them again, half the CPU of `node scripts/ops.ts`.
process.env.NODE_COMPILE_CACHE ??= fileURLToPath(new URL('./node_modules/.cache/node-compile-cache', import.meta.url));

/** Node test files that run alone, after the others (the `node-alone` project below). */
const NODE_ALONE = ['test/node/personas-replay.test.ts'];

export default defineConfig({
  test: {
    // The Worker's structured log lines (decisions, deliveries) are asserted where they matter; elsewhere they are noise.
    onConsoleLog: (log) => !log.startsWith('{"event":'),
    // `npm test` ends with vitest's summary. CI asks for the JSON report it reads on its own command line (.ci/run).
    reporters: ['default'],
    projects: [
      {
        // Everything about the Worker runs inside workerd, with real local KV and Durable Objects.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // Counts flush at the end of every request (METRICS_FLUSH_INTERVAL=PT0S), so a test reads them right after it.
              bindings: { ...development, ORIGIN_URL: 'http://origin.test', NOTIFY_URL: 'http://notify.test/hook', OPS_NOTIFY_URL: 'http://notify.test/ops', METRICS_FLUSH_INTERVAL: 'PT0S' },
              outboundService: outbound,
            },
          }),
        ],
        // groupOrder: after the unit tests, before the Node tests (vitest runs the groups in turn).
        test: {
          name: 'workers',
          globalSetup: ['test/setup/custom-build.ts'],
          // The files share one isolate, and with it one set of Durable Objects and one KV (docs/testing.md, "The workerd
          // projects without isolation"): each file's homes, regions and audit entries are its own, and nothing in src keeps
          // request state at module scope. About half the time of a runtime per file.
          isolate: false,
          // Two files at a time, each in a workerd runtime of its own (its own Durable Objects, KV and clock, so one
          // file's passTime never moves the other's): 75-80 s became 52-61 s on two cores. What the runtimes share is
          // the outbound mock in Node (test/support/outbound.ts): accounts and regions tell their deliveries apart.
          maxWorkers: 2,
          // Before each file: the clock back on the runtime's own time (test/support/clock.ts).
          setupFiles: ['test/setup/clock.ts'],
          include: ['test/**/*.test.ts'],
          exclude: ['test/node/**', 'test/unit/**', 'test/shards/**', 'test/defaults/**'],
          testTimeout: 20_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Pure modules (policy, household document, codecs, counters): no bindings, no Worker, so plain Node runs them
        // without a workerd isolate per file. A test that needs `cloudflare:test` or `env` belongs beside the others above.
        // Nothing here mocks or keeps global state, so the files share one worker's module cache (isolate: false).
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', isolate: false, testTimeout: 60_000 },
      },
      {
        // The same Worker with each region's counts spread over four RegionMetrics objects (docs/ops.md, "Metrics shards"):
        // every Durable Object reads METRICS_SHARDS from its bindings, so these tests need a runtime of their own.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ...development,
                ORIGIN_URL: 'http://origin.test',
                NOTIFY_URL: 'http://notify.test/hook',
                OPS_NOTIFY_URL: 'http://notify.test/ops',
                METRICS_FLUSH_INTERVAL: 'PT0S',
                METRICS_SHARDS: '4',
              },
              outboundService: outbound,
            },
          }),
        ],
        // maxWorkers as the workers project's, so both run in one group (vitest groups projects by it).
        test: {
          name: 'workers-shards',
          globalSetup: ['test/setup/custom-build.ts'],
          include: ['test/shards/**/*.test.ts'],
          testTimeout: 20_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Production's rollout defaults (contract §8): a stricter rule waits NOTICE_PERIOD (P14D) and a second person's
        // approval (ROLLOUT_APPROVAL=stricter). The other projects run with .dev.vars' PT0S and none, as local play does;
        // the ControlStore reads them from its own bindings, so this needs a runtime of its own.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                ...development,
                // The defaults written out: wrangler reads .dev.vars by itself, so leaving them out would not unset them.
                NOTICE_PERIOD: 'P14D',
                ROLLOUT_APPROVAL: 'stricter',
                ORIGIN_URL: 'http://origin.test',
                NOTIFY_URL: 'http://notify.test/hook',
                OPS_NOTIFY_URL: 'http://notify.test/ops',
                METRICS_FLUSH_INTERVAL: 'PT0S',
              },
              outboundService: outbound,
            },
          }),
        ],
        test: {
          name: 'workers-defaults',
          globalSetup: ['test/setup/custom-build.ts'],
          setupFiles: ['test/setup/clock.ts'],
          include: ['test/defaults/**/*.test.ts'],
          testTimeout: 20_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Tools that run in Node against a real `wrangler dev`: the ops CLI and the OpenAPI document.
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          exclude: NODE_ALONE,
          environment: 'node',
          globalSetup: ['test/node/start-gate.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Two files at a time: most of a Node test's time is waiting (a video playing in real time, a lapse,
          // compressed days, a gate starting), not CPU. No two files change the same gate: each page, replay,
          // power-cut and walkthrough file starts its own `wrangler dev`, and of the two on the shared one
          // (start-gate.ts) only the ops CLI writes (the OpenAPI test reads /openapi.json).
          maxWorkers: 2,
          // Last, after the workerd projects (which run one file at a time on two cores): vitest runs projects
          // with different maxWorkers in separate groups.
          sequence: { groupOrder: 2 },
        },
      },
      {
        // The personas replay, alone after the others: it keeps pace with the wall clock (compressed days of 2 s, a
        // 10 s bound on a write landing), and beside another file its writes missed that bound. The players and the
        // power cut ran alone too, until two defects behind the players' extra requests were found and fixed (a
        // session already over in an access's last second; video.js not stopped): they now run two at a time with
        // the rest, green in two runs in a row (docs/testing.md).
        test: {
          name: 'node-alone',
          include: NODE_ALONE,
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
