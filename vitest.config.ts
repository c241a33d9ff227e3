import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { outbound } from './test/support/outbound.ts';

// The same clearly marked development bindings `npm run dev` uses.
const development = parseEnv(readFileSync(new URL('./dev/development.env', import.meta.url), 'utf8'));

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          ...development,
          ORIGIN_URL: 'http://origin.test',
          NOTIFY_URL: 'http://notify.test/hook',
        },
        outboundService: outbound,
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
