/**
 * Mints a DEVELOPMENT device or admin token with the keys in
 * dev/development-keys.json (published in this repository — a gate in
 * production never trusts them).
 *
 *   npm run token -- --account acct-1 --device tv-1 --type tv
 *   npm run token -- --account acct-1 --device phone-1 --type mobile --alg ES256 --ttl 600
 *   npm run token -- --admin --scope "rollout:read rollout:write" --sub ana@ops
 *
 * A device token needs --account, --device and --type (tv, mobile, tablet,
 * web, console or other: a household forms around a tv).
 *
 * Device-bound tokens (DPoP, RFC 9449): make a key pair as a device would,
 * bind a token to its public half, and sign a proof per request.
 *
 *   npm run token -- keypair --out tv-key            (writes tv-key.public.jwk and tv-key.private.jwk)
 *   npm run token -- --account acct-1 --device tv-1 --type tv --bind tv-key.public.jwk
 *   npm run token -- proof --key tv-key.private.jwk --method GET --url http://localhost:8787/gate/v1/decision --token <token>
 *
 * `keypair` takes --alg EdDSA (Ed25519, default) or ES256 (P-256).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { JWK } from 'jose';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { makeDeviceKeyPair, mintAdminToken, mintDeviceProof, mintDeviceToken } from '../dev/tokens.ts';
import { ADMIN_SCOPES, DEVICE_TYPES, ID_PATTERN } from '../src/vocabulary.ts';
import { optionMistake } from './ops/command-line.ts';

const OPTIONS = {
  bind: { type: 'string' },
  out: { type: 'string', default: 'device-key' },
  key: { type: 'string' },
  method: { type: 'string', default: 'GET' },
  url: { type: 'string' },
  token: { type: 'string' },
  account: { type: 'string' },
  device: { type: 'string' },
  type: { type: 'string' },
  alg: { type: 'string', default: 'EdDSA' },
  ttl: { type: 'string', default: '86400' },
  admin: { type: 'boolean', default: false },
  scope: { type: 'string' },
  sub: { type: 'string', default: 'developer@hearth.dev.invalid' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsOptionsConfig;

const USAGE = `Usage: npm run token -- --account ACCOUNT --device DEVICE --type ${DEVICE_TYPES.join('|')} [--bind KEY.public.jwk] [--alg EdDSA|ES256] [--ttl SECONDS]
       npm run token -- --admin --scope "SCOPES" [--sub NAME]
       npm run token -- keypair [--out NAME] [--alg EdDSA|ES256]
       npm run token -- proof --key KEY.private.jwk --method GET --url URL --token TOKEN
Run "npm run token -- --help" for more.`;

/** A mistake in the command line, as the ops CLI answers one: what is wrong, the usage lines, exit 2 (never a stack). */
function fail(message: string): never {
  process.stderr.write(`token: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
try {
  parsed = parseArgs({ args: process.argv.slice(2), options: OPTIONS, allowPositionals: true, strict: true });
} catch (error) {
  fail(error instanceof Error ? optionMistake(error.message, Object.keys(OPTIONS)) : 'cannot read the command line');
}
const { values, positionals } = parsed;

if (values.help) {
  const header = readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]!;
  process.stdout.write(header.replace(/^\/\*\*\n/, '').replace(/^ \* ?/gm, '') + '\n');
  process.exit(0);
}

/** A path as the person typed it: npm runs scripts in the package root, INIT_CWD is where `npm run` was typed. */
const here = (file: string) => resolve(process.env.INIT_CWD ?? process.cwd(), file);

/** A JWK from a file written by `keypair` (or any JWK file). */
function readJwk(file: string, what: string): JWK {
  try {
    return JSON.parse(readFileSync(here(file), 'utf8')) as JWK;
  } catch {
    fail(`${what} ${file} is not a readable JWK file`);
  }
}

const command = positionals[0];
if (command === 'keypair') {
  if (values.alg !== 'EdDSA' && values.alg !== 'ES256') fail('--alg must be EdDSA or ES256');
  const pair = await makeDeviceKeyPair(values.alg);
  writeFileSync(here(`${values.out}.public.jwk`), JSON.stringify(pair.publicJwk) + '\n');
  writeFileSync(here(`${values.out}.private.jwk`), JSON.stringify(pair.privateJwk) + '\n', { mode: 0o600 });
  process.stdout.write(`${values.out}.public.jwk\n${values.out}.private.jwk\n`);
  process.exit(0);
}
if (command === 'proof') {
  if (!values.key) fail('proof needs --key <private JWK file>');
  if (!values.url || !URL.canParse(values.url)) fail('proof needs --url <the request URL>');
  if (!values.token) fail('proof needs --token <the bound token it travels with>');
  const privateJwk = readJwk(values.key, '--key');
  if (typeof privateJwk.d !== 'string') fail('--key must be a private JWK (with "d")');
  process.stdout.write((await mintDeviceProof({ privateJwk, method: values.method!.toUpperCase(), url: values.url, token: values.token })) + '\n');
  process.exit(0);
}
if (command !== undefined) fail(`unknown command ${command}: keypair, proof, or none (a token)`);

const ttlSeconds = Number(values.ttl);
if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) fail('--ttl must be a positive number of seconds');

let token: string;
if (values.admin) {
  if (!values.scope) fail('--admin needs --scope, e.g. --scope "rollout:read accounts:read"');
  const unknown = values.scope.split(/\s+/).filter((name) => name && !(ADMIN_SCOPES as readonly string[]).includes(name));
  if (unknown.length > 0) fail(`--scope: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a scope' : 'are not scopes'}; the scopes are ${ADMIN_SCOPES.join(' ')}`);
  token = await mintAdminToken({ scope: values.scope, sub: values.sub!, ttlSeconds });
} else {
  if (!values.account || !ID_PATTERN.test(values.account)) fail('--account is required and must match [A-Za-z0-9._:-]{1,128}');
  if (!values.device || !ID_PATTERN.test(values.device)) fail('--device is required and must match [A-Za-z0-9._:-]{1,128}');
  // No default: a TV minted as a phone silently cannot form a household (only a TV does).
  if (!values.type) fail(`--type is required: one of ${DEVICE_TYPES.join(', ')} (a household forms around a tv)`);
  if (!(DEVICE_TYPES as readonly string[]).includes(values.type)) fail(`--type must be one of ${DEVICE_TYPES.join(', ')}`);
  if (values.alg !== 'EdDSA' && values.alg !== 'ES256') fail('--alg must be EdDSA or ES256');
  const bindTo = values.bind ? readJwk(values.bind, '--bind') : undefined;
  if (bindTo && 'd' in bindTo) fail('--bind takes the PUBLIC key file (a private key never leaves the device)');
  token = await mintDeviceToken({ account: values.account, device: values.device, type: values.type as (typeof DEVICE_TYPES)[number], alg: values.alg, ttlSeconds, ...(bindTo ? { bindTo } : {}) });
}
process.stdout.write(token + '\n');
