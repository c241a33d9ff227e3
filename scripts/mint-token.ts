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
import { importJWK, SignJWT, type JWK } from 'jose';

const DEVICE_TYPES = ['tv', 'mobile', 'tablet', 'web', 'console', 'other'];
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

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
  process.stdout.write(readFileSync(new URL(import.meta.url)).toString().split('*/')[0]!.replace(/^\/\*\*?\n?/, '').replace(/^ \* ?/gm, '') + '\n');
  process.exit(0);
}

const keys = JSON.parse(readFileSync(new URL('../dev/development-keys.json', import.meta.url), 'utf8')) as { device: JWK[]; admin: JWK[] };
const env = Object.fromEntries(
  readFileSync(new URL('../dev/development.env', import.meta.url), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1], match[2]!.replace(/^'(.*)'$/, '$1')]),
);

const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl <= 0) fail('--ttl must be a positive number of seconds');
const now = Math.floor(Date.now() / 1000);

let payload: Record<string, unknown>;
let jwk: JWK | undefined;
if (values.admin) {
  if (!values.scope) fail('--admin needs --scope, e.g. --scope "rollout:read accounts:read"');
  payload = { iss: env.ADMIN_TOKEN_ISSUER, aud: 'hearth-admin', sub: values.sub, scope: values.scope, iat: now, exp: now + ttl };
  jwk = keys.admin[0];
} else {
  if (!values.account || !ID_PATTERN.test(values.account)) fail('--account is required and must match [A-Za-z0-9._:-]{1,128}');
  if (!values.device || !ID_PATTERN.test(values.device)) fail('--device is required and must match [A-Za-z0-9._:-]{1,128}');
  if (!DEVICE_TYPES.includes(values.type!)) fail(`--type must be one of ${DEVICE_TYPES.join(', ')}`);
  payload = { iss: env.DEVICE_TOKEN_ISSUER, aud: 'playback', sub: values.account, did: values.device, dty: values.type, iat: now, exp: now + ttl };
  jwk = keys.device.find((key) => key.alg === values.alg);
  if (!jwk) fail('--alg must be EdDSA or ES256');
}

const key = await importJWK(jwk!, jwk!.alg);
const token = await new SignJWT(payload).setProtectedHeader({ alg: jwk!.alg!, kid: jwk!.kid!, typ: 'JWT' }).sign(key);
process.stdout.write(token + '\n');
