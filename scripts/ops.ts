/**
 * Hearth ops CLI — rollout, audit and account support against a running gate.
 *
 *   npm run ops -- rollout list
 *   npm run ops -- rollout set PE challenge --percent 10 --note "Peru: challenge 10%"
 *   npm run ops -- rollout set PE enforce --fail-closed --if-match 7 --note "Peru: enforce"
 *   npm run ops -- rollout delete PE
 *   npm run ops -- audit [--limit 20] [--cursor ID]
 *   npm run ops -- account show ACCOUNT
 *   npm run ops -- account explain ACCOUNT --device DEVICE [--ip 203.0.113.7] [--country PE] [--type tv]
 *   npm run ops -- account grant ACCOUNT --days 30 --reason "University term abroad" [--device DEVICE]
 *   npm run ops -- account grant-end ACCOUNT GRANT_ID
 *   npm run ops -- account extra-member add ACCOUNT DEVICE [--label "Sofía"]
 *   npm run ops -- account extra-member remove ACCOUNT DEVICE
 *   npm run ops -- account erase ACCOUNT --yes
 *   npm run ops -- admin-token --scope "rollout:read rollout:write"   (development keys only)
 *
 * Reads HEARTH_URL (default http://localhost:8787) and HEARTH_ADMIN_TOKEN.
 * Add --json to any command for machine-readable output.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { mintAdminToken } from './dev-tokens.ts';

const ALL_SCOPES = 'rollout:read rollout:write accounts:read accounts:write audit:read';

class UsageError extends Error {}
class RefusedError extends Error {}

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    percent: { type: 'string' },
    'fail-closed': { type: 'boolean', default: false },
    'fail-open': { type: 'boolean', default: false },
    note: { type: 'string' },
    'if-match': { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    device: { type: 'string' },
    ip: { type: 'string' },
    country: { type: 'string' },
    type: { type: 'string' },
    days: { type: 'string' },
    reason: { type: 'string' },
    label: { type: 'string' },
    scope: { type: 'string' },
    sub: { type: 'string', default: 'developer@hearth.dev.invalid' },
    ttl: { type: 'string', default: '3600' },
    yes: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const baseUrl = (process.env.HEARTH_URL ?? 'http://localhost:8787').replace(/\/+$/, '');

type Json = Record<string, any>;

async function api(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Json | null> {
  const token = process.env.HEARTH_ADMIN_TOKEN;
  if (!token) {
    throw new RefusedError(
      'HEARTH_ADMIN_TOKEN is not set. In development:\n' +
        `  export HEARTH_ADMIN_TOKEN=$(npm run -s ops -- admin-token --scope "${ALL_SCOPES}")`,
    );
  }
  let response: Response;
  try {
    response = await fetch(baseUrl + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...options.headers },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch {
    throw new RefusedError(`Could not reach the gate at ${baseUrl}. Is it running (npm run dev)? Set HEARTH_URL to point elsewhere.`);
  }
  const text = await response.text();
  const body = text ? (JSON.parse(text) as Json) : null;
  if (response.ok) return body;
  throw new RefusedError(explainRefusal(response.status, body));
}

/** A refusal in words, with what to do about it. */
export function explainRefusal(status: number, problem: Json | null): string {
  const reason = problem?.reason ?? 'UNKNOWN';
  switch (status) {
    case 401:
      return (
        `The gate refused your admin token (${reason}): ${problem?.detail ?? ''}\n` +
        'Get a fresh token and set HEARTH_ADMIN_TOKEN. In development:\n' +
        `  export HEARTH_ADMIN_TOKEN=$(npm run -s ops -- admin-token --scope "${ALL_SCOPES}")`
      );
    case 403:
      if (reason === 'SCOPE_REQUIRED') {
        return `Your admin token lacks the "${problem?.requiredScope}" scope needed for this.\nAsk for a token that carries it (in development: admin-token --scope "${problem?.requiredScope}").`;
      }
      break;
    case 412:
      return (
        `The rollout changed since you read it: it is now at version ${problem?.currentVersion}.\n` +
        `Nothing was changed. Review it with "rollout list", then retry with --if-match ${problem?.currentVersion}.`
      );
  }
  const field = problem?.field ? ` (field: ${problem.field})` : '';
  return `${status} ${reason}${field}: ${problem?.detail ?? problem?.title ?? 'no details'}`;
}

function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((column) => (row[column] === undefined || row[column] === null ? '-' : String(row[column]))));
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) => values.map((value, i) => value.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function output(value: unknown, human: () => string): void {
  process.stdout.write((flags.json ? JSON.stringify(value, null, 2) : human()) + '\n');
}

function required(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

function integer(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number)) throw new UsageError(`${what} must be a whole number`);
  return number;
}

function rolloutTable(rollout: Json): string {
  const rows = Object.entries(rollout.regions as Record<string, Json>)
    .toSorted(([a], [b]) => (a === '*' ? -1 : b === '*' ? 1 : a.localeCompare(b)))
    .map(([region, rule]) => ({ region, mode: rule.mode, percent: rule.percent, failOpen: rule.failOpen ? 'open' : 'closed', updatedBy: rule.updatedBy, updatedAt: rule.updatedAt, note: rule.note }));
  const header = `Rollout version ${rollout.version}${rollout.updatedAt ? `, updated ${rollout.updatedAt}` : ''}${rows.some((r) => r.region === '*') ? '' : '\n(no * rule: unlisted regions are monitor at 100%)'}`;
  return `${header}\n${table(rows, ['region', 'mode', 'percent', 'failOpen', 'updatedBy', 'updatedAt', 'note'])}`;
}

async function rolloutCommand(command: string | undefined, args: string[]): Promise<void> {
  switch (command) {
    case 'list': {
      const body = await api('GET', '/admin/v1/rollout');
      return output(body, () => rolloutTable(body!));
    }
    case 'set': {
      const region = required(args[0], 'REGION (PE, CL, … or *)').toUpperCase();
      const mode = required(args[1], 'MODE (off, monitor, challenge, enforce)');
      if (flags['fail-closed'] && flags['fail-open']) throw new UsageError('choose --fail-closed or --fail-open, not both');
      const body: Json = { mode };
      const percent = integer(flags.percent, '--percent');
      if (percent !== undefined) body.percent = percent;
      if (flags['fail-closed']) body.failOpen = false;
      if (flags['fail-open']) body.failOpen = true;
      body.note = required(flags.note, '--note "why": every change is audited with its reason');
      const headers: Record<string, string> = flags['if-match'] ? { 'If-Match': `"${flags['if-match']}"` } : {};
      const result = await api('PUT', `/admin/v1/rollout/${encodeURIComponent(region)}`, { body, headers });
      return output(result, () => `Set ${region} to ${mode}.\n\n${rolloutTable(result!)}`);
    }
    case 'delete': {
      const region = required(args[0], 'REGION').toUpperCase();
      const headers: Record<string, string> = flags['if-match'] ? { 'If-Match': `"${flags['if-match']}"` } : {};
      const result = await api('DELETE', `/admin/v1/rollout/${encodeURIComponent(region)}`, { headers });
      return output(result, () => `Deleted the rule for ${region}; it now follows *.\n\n${rolloutTable(result!)}`);
    }
    default:
      throw new UsageError('rollout takes list, set or delete');
  }
}

async function auditCommand(): Promise<void> {
  const query = new URLSearchParams();
  if (flags.limit) query.set('limit', flags.limit);
  if (flags.cursor) query.set('cursor', flags.cursor);
  const body = await api('GET', `/admin/v1/audit${query.size ? `?${query}` : ''}`);
  output(body, () => {
    const rows = (body!.entries as Json[]).map((entry) => ({
      id: entry.id,
      at: entry.at,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      change: `${summarise(entry.before)} → ${summarise(entry.after)}`,
      note: entry.note,
    }));
    const more = body!.nextCursor ? `\nOlder entries: npm run ops -- audit --cursor ${body!.nextCursor}` : '';
    return table(rows, ['id', 'at', 'actor', 'action', 'target', 'change', 'note']) + more;
  });
}

function summarise(value: unknown): string {
  if (value === null || value === undefined) return '∅';
  if (typeof value !== 'object') return String(value);
  const record = value as Json;
  if ('mode' in record) return `${record.mode} ${record.percent ?? 100}%${record.failOpen === false ? ' fail-closed' : ''}`;
  return Object.entries(record)
    .map(([key, v]) => `${key}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(' ');
}

async function accountCommand(command: string | undefined, args: string[]): Promise<void> {
  const id = (what = 'ACCOUNT') => encodeURIComponent(required(args[command === 'extra-member' ? 1 : 0], what));
  switch (command) {
    case 'show': {
      const body = await api('GET', `/admin/v1/accounts/${id()}`);
      return output(body, () =>
        [
          `Account ${body!.accountId}: ${body!.established ? `household established ${body!.establishedAt}` : 'no household yet'}`,
          `Home networks: ${body!.homeNetworkCount}   Anchor TV: ${body!.anchorDeviceId ?? '-'}   Extra members: ${body!.extraMemberSlots.used}/${body!.extraMemberSlots.total}   Location changes this window: ${body!.primaryLocationChangesInWindow}`,
          '',
          'Devices',
          table(body!.devices, ['deviceId', 'type', 'status', 'accessUntil', 'lastSeenAt', 'lastHomeSeenAt']),
          '',
          'Support grants',
          table(body!.grants, ['grantId', 'deviceId', 'expiresAt', 'actor', 'reason']),
          '',
          'Extra members',
          table(body!.extraMembers, ['deviceId', 'label', 'addedAt']),
        ].join('\n'),
      );
    }
    case 'explain': {
      const query = new URLSearchParams({ deviceId: required(flags.device, '--device DEVICE') });
      if (flags.ip) query.set('ip', flags.ip);
      if (flags.country) query.set('country', flags.country);
      if (flags.type) query.set('deviceType', flags.type);
      const body = await api('GET', `/admin/v1/accounts/${id()}/explain?${query}`);
      return output(body, () =>
        [
          `${body!.decision.toUpperCase()} — ${body!.reason}${body!.wouldDecision && body!.wouldDecision !== body!.decision ? ` (enforce would ${body!.wouldDecision})` : ''}`,
          `Region ${body!.region}: rule ${body!.rule.key} = ${body!.rule.mode} at ${body!.rule.percent}%, account bucket ${body!.bucket} → ${body!.mode}; policy version ${body!.policyVersion}`,
          `The person sees: “${body!.message}”`,
          '',
          table(
            (body!.trace as Json[]).map((step) => ({ row: step.row, check: step.check, result: step.matched ? 'DECIDES' : 'pass', detail: step.detail })),
            ['row', 'check', 'result', 'detail'],
          ),
        ].join('\n'),
      );
    }
    case 'grant': {
      const days = integer(required(flags.days, '--days N (1–180)'), '--days');
      const body: Json = { days, reason: required(flags.reason, '--reason "why"') };
      if (flags.device) body.deviceId = flags.device;
      const result = await api('POST', `/admin/v1/accounts/${id()}/grants`, { body });
      return output(result, () => `Granted ${flags.device ? `device ${flags.device}` : 'the whole account'} access until ${result!.expiresAt} (grant ${result!.grantId}).`);
    }
    case 'grant-end': {
      const grantId = required(args[1], 'GRANT_ID');
      await api('DELETE', `/admin/v1/accounts/${id()}/grants/${encodeURIComponent(grantId)}`);
      return output({ ended: grantId }, () => `Ended grant ${grantId}.`);
    }
    case 'extra-member': {
      const action = args[0];
      const device = encodeURIComponent(required(args[2], 'DEVICE'));
      if (action === 'add') {
        const body: Json = { deviceId: decodeURIComponent(device) };
        if (flags.label) body.label = flags.label;
        const result = await api('POST', `/admin/v1/accounts/${id()}/extra-members`, { body });
        return output(result, () => `Device ${result!.deviceId} holds an extra-member slot (since ${result!.addedAt}).`);
      }
      if (action === 'remove') {
        await api('DELETE', `/admin/v1/accounts/${id()}/extra-members/${device}`);
        return output({ removed: decodeURIComponent(device) }, () => `Freed the extra-member slot of ${decodeURIComponent(device)}.`);
      }
      throw new UsageError('extra-member takes add or remove');
    }
    case 'erase': {
      if (!flags.yes) throw new UsageError('erase deletes everything held about the account; add --yes to confirm');
      await api('DELETE', `/admin/v1/accounts/${id()}`);
      return output({ erased: decodeURIComponent(id()) }, () => `Erased account ${decodeURIComponent(id())}.`);
    }
    default:
      throw new UsageError('account takes show, explain, grant, grant-end, extra-member or erase');
  }
}

async function adminToken(): Promise<void> {
  const scope = required(flags.scope, `--scope "…" (any of: ${ALL_SCOPES})`);
  const ttl = integer(flags.ttl, '--ttl') ?? 3600;
  process.stderr.write('admin-token: signed with the DEVELOPMENT admin key; only a development gate accepts it.\n');
  process.stdout.write((await mintAdminToken(scope, flags.sub!, ttl)) + '\n');
}

function usage(): string {
  const header = readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]!;
  return header.replace(/^\/\*\*\n/, '').replace(/^ \* ?/gm, '');
}

const [group, command, ...rest] = positionals;
try {
  if (flags.help || !group) process.stdout.write(usage() + '\n');
  else if (group === 'rollout') await rolloutCommand(command, rest);
  else if (group === 'audit') await auditCommand();
  else if (group === 'account') await accountCommand(command, rest);
  else if (group === 'admin-token') await adminToken();
  else throw new UsageError(`unknown command "${group}"`);
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`ops: ${error.message}\nRun "npm run ops -- --help" for usage.\n`);
    process.exit(2);
  }
  if (error instanceof RefusedError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
