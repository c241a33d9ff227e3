/**
 * Mints a DEVELOPMENT device or admin token with the keys in
 * dev/development-keys.json (published in this repository — a gate in
 * production never trusts them).
 *
 *   npm run token -- --account acct-1 --device tv-1 --type tv
 *   npm run token -- --account acct-1 --device phone-1 --type mobile --alg ES256 --ttl 600
 *   npm run token -- --admin --scope "rollout:read rollout:write" --sub ana@ops
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { mintAdminToken, mintDeviceToken } from '../dev/tokens.ts';
import { DEVICE_TYPES, ID_PATTERN } from '../src/vocabulary.ts';

const { values } = parseArgs({
  options: {
    account: { type: 'string' },
    device: { type: 'string' },
    type: { type: 'string', default: 'mobile' },
    alg: { type: 'string', default: 'EdDSA' },
    ttl: { type: 'string', default: '86400' },
    admin: { type: 'boolean', default: false },
    scope: { type: 'string' },
    sub: { type: 'string', default: 'developer@hearth.dev.invalid' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`mint-token: ${message}\nRun with --help for usage.\n`);
  process.exit(2);
}

if (values.help) {
  const header = readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]!;
  process.stdout.write(header.replace(/^\/\*\*\n/, '').replace(/^ \* ?/gm, '') + '\n');
  process.exit(0);
}

const ttlSeconds = Number(values.ttl);
if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) fail('--ttl must be a positive number of seconds');

let token: string;
if (values.admin) {
  if (!values.scope) fail('--admin needs --scope, e.g. --scope "rollout:read accounts:read"');
  token = await mintAdminToken({ scope: values.scope, sub: values.sub!, ttlSeconds });
} else {
  if (!values.account || !ID_PATTERN.test(values.account)) fail('--account is required and must match [A-Za-z0-9._:-]{1,128}');
  if (!values.device || !ID_PATTERN.test(values.device)) fail('--device is required and must match [A-Za-z0-9._:-]{1,128}');
  if (!(DEVICE_TYPES as readonly string[]).includes(values.type!)) fail(`--type must be one of ${DEVICE_TYPES.join(', ')}`);
  if (values.alg !== 'EdDSA' && values.alg !== 'ES256') fail('--alg must be EdDSA or ES256');
  token = await mintDeviceToken({ account: values.account, device: values.device, type: values.type!, alg: values.alg, ttlSeconds });
}
process.stdout.write(token + '\n');
