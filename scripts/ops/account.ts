/**
 * `ops account …`: support for one account — show its household, explain a
 * device's decision, grant access, end a grant or away access, extra members,
 * erase. A grant or an extra member for an account Hearth never saw asks for
 * --yes first (confirmKnownAccount).
 */
import type { Problem } from '../../src/admin-client/client.ts';
import { visibleText } from '../../src/admin-client/visible-text.ts';
import { traceLines } from '../../src/admin-client/trace-wording.ts';
import { DEVICE_TYPES } from '../../src/vocabulary.ts';
import { accountReport } from '../account-report.ts';
import { table } from '../text-table.ts';
import { addressOption, integer, oneOf, regionArg, required, UsageError, type Command, type OpsContext } from './command-line.ts';

/**
 * A grant or an extra member for an account Hearth has never seen is almost
 * always a typo in the id (it would help nobody, silently): look the account
 * up first, and ask for --yes when there is no household for it.
 */
async function confirmKnownAccount({ admin, confirm }: OpsContext, account: string, change: string): Promise<void> {
  if (!process.env.HEARTH_ADMIN_TOKEN) return; // The change itself says what is missing.
  let result: { response: Response; error?: unknown };
  try {
    result = await admin.GET('/admin/v1/accounts/{account}', { params: { path: { account } } });
  } catch {
    return; // Unreachable: the change itself says so.
  }
  if (result.response.status === 404 && (result.error as Partial<Problem> | undefined)?.reason === 'ACCOUNT_NOT_FOUND') {
    confirm(
      `warning: Hearth has never seen account ${visibleText(account)} (no device of it was ever decided), so ${change} would help nobody yet. Check the id with "npm run ops -- account show ${visibleText(account)}".`,
      `${change} anyway`,
    );
  } else if (result.response.status === 403) {
    process.stderr.write(`note: could not check that Hearth knows account ${visibleText(account)} (the token lacks accounts:read).\n`);
  }
}

/**
 * Explain answers for any device id, seen or not (a device never seen is
 * decided as new), so a typo in --device used to read like a verdict on the
 * real device: say so when the account's household does not list it.
 */
async function warnIfNeverSeen({ admin }: Pick<OpsContext, 'admin'>, account: string, deviceId: string): Promise<void> {
  const known = await admin.GET('/admin/v1/accounts/{account}', { params: { path: { account } } }).catch(() => null);
  if (!known) return;
  const never =
    known.response.status === 404
      ? `Hearth holds nothing about account ${visibleText(account)} (no device of it was ever decided)`
      : known.data && !known.data.devices.some((device) => device.deviceId === deviceId)
        ? `the household of ${visibleText(account)} does not list device ${visibleText(deviceId)} ("account show ${visibleText(account)}" lists its devices; a device only ever refused is not kept)`
        : null;
  if (never) process.stderr.write(`warning: ${never}: this explains it as a device the household does not know. Check the id if you meant another.\n`);
}

/** Every `account …` command, in the order --help lists them. */
export const ACCOUNT_COMMANDS: readonly Command[] = [
  {
    name: 'account show',
    args: ['ACCOUNT'],
    usage: 'ACCOUNT',
    summary: "An account's household: networks, homes, away access, devices and their keys, anchor conflicts, events, feedback, grants, extra members.",
    options: [],
    more: [
      'Homes: the primary home, then second homes the owner set from their TVs with a code; for each, how many networks',
      'it holds (never which) and the TV that keeps it. Away access: how many the owner gave in the last 365 days (of',
      'AWAY_ACCESS_PER_YEAR), and the devices holding it now, until when (end one early with "account away-access end").',
      'Never an address. Devices: key is the first 8 characters of the thumbprint of the key the device is bound to',
      '(DPoP; only that key speaks for its id until a sign-out), or "not bound". Anchor conflicts: times a copy of the',
      "anchor TV's id tried to move the household while the TV was at home. Household events: what the owner was told",
      '(signed out and by whom, a key refused, the anchor changed, an anchor conflict), newest first, the last 100 within 31 days.',
      'Feedback: what refused devices said when asked why they are where they are (live-here, travelling, studying,',
      'posted-away, second-home, other), with the comment and the refusal’s request id, newest first, the last TRUST_WINDOW’s.',
    ].join('\n'),
    async run([account], { admin, call, output }) {
      const summary = await call(() => admin.GET('/admin/v1/accounts/{account}', { params: { path: { account: account! } } }));
      output(summary, () => accountReport(summary));
    },
  },
  {
    name: 'account explain',
    args: ['ACCOUNT'],
    usage: `ACCOUNT --device DEVICE [--ip 203.0.113.7] [--country PE] [--type ${DEVICE_TYPES.join('|')}]`,
    summary: 'Why a device would be allowed or refused, row by row.',
    options: ['device', 'ip', 'country', 'type'],
    async run([account], { flags, admin, call, output }) {
      // The address goes in the body of a POST, never in a URL (URLs are kept in logs).
      const body = {
        deviceId: required(flags.device, '--device DEVICE'),
        ...(flags.ip !== undefined ? { ip: addressOption(flags.ip) } : {}),
        ...(flags.country !== undefined ? { country: regionArg(flags.country, '--country') } : {}),
        ...(flags.type ? { deviceType: oneOf(flags.type, DEVICE_TYPES, '--type') } : {}),
      };
      const explained = await call(() => admin.POST('/admin/v1/accounts/{account}/explain', { params: { path: { account: account! } }, body }));
      await warnIfNeverSeen({ admin }, account!, body.deviceId);
      output(explained, () =>
        [
          `${explained.decision.toUpperCase()} — ${explained.reason}${explained.wouldDecision && explained.wouldDecision !== explained.decision ? ` (enforce would ${explained.wouldDecision})` : ''}`,
          ...(explained.networkShared ? ['On a shared home network: only the TV’s own address counts as home there.'] : []),
          ...(explained.bound ? ['The device is bound to a key: explained as a request proving it (another key, or an unbound token, is DEVICE_PROOF_REQUIRED).'] : []),
          `Region ${explained.region}: rule ${explained.rule.key} = ${explained.rule.mode} at ${explained.rule.percent}%, account bucket ${explained.bucket} → ${explained.mode}; policy version ${explained.policyVersion}`,
          `The person sees: “${explained.message}”`,
          '',
          table(traceLines(explained.trace), ['row', 'check', 'answer']),
        ].join('\n'),
      );
    },
  },
  {
    name: 'account grant',
    args: ['ACCOUNT'],
    usage: 'ACCOUNT --days N --reason "why" [--device DEVICE] [--yes]',
    summary: 'Give a device (or the whole account) access for N days.',
    options: ['days', 'reason', 'device', 'yes'],
    more: '--yes  grant even though Hearth has never seen the account (a typo grants nobody)',
    async run([account], context) {
      const { flags, admin, call, output } = context;
      const days = integer(required(flags.days, '--days N (1–180)'), '--days')!;
      const body = { days, reason: required(flags.reason, '--reason "why"'), ...(flags.device ? { deviceId: flags.device } : {}) };
      await confirmKnownAccount(context, account!, 'grant');
      const grant = await call(() => admin.POST('/admin/v1/accounts/{account}/grants', { params: { path: { account: account! } }, body }));
      output(grant, () => `Granted ${flags.device ? `device ${flags.device}` : 'the whole account'} access until ${grant.expiresAt} (grant ${grant.grantId}).`);
    },
  },
  {
    name: 'account grant-end',
    args: ['ACCOUNT', 'GRANT_ID'],
    usage: 'ACCOUNT GRANT_ID',
    summary: 'End a support grant early.',
    options: [],
    async run([account, grantId], { admin, call, output }) {
      await call(() => admin.DELETE('/admin/v1/accounts/{account}/grants/{grantId}', { params: { path: { account: account!, grantId: grantId! } } }));
      output({ ended: grantId }, () => `Ended grant ${grantId}.`);
    },
  },
  {
    name: 'account away-access end',
    args: ['ACCOUNT', 'DEVICE'],
    usage: 'ACCOUNT DEVICE',
    summary: "End a device's away access early (the owner gave it with their code; audited).",
    options: [],
    more: [
      "The device is then decided as before it had away access (it may be outside the household again). The owner's",
      'away access given this year still counts. "account show" lists the devices holding away access.',
    ].join('\n'),
    async run([account, deviceId], { admin, call, output }) {
      await call(() => admin.DELETE('/admin/v1/accounts/{account}/away-access/{deviceId}', { params: { path: { account: account!, deviceId: deviceId! } } }));
      output({ ended: deviceId }, () => `Ended the away access of ${visibleText(deviceId!)}; it is decided as before from its next request.`);
    },
  },
  {
    name: 'account extra-member add',
    args: ['ACCOUNT', 'DEVICE'],
    usage: 'ACCOUNT DEVICE [--label "Sofía"] [--yes]',
    summary: 'Give a device an extra-member slot.',
    options: ['label', 'yes'],
    more: "--yes  add it even though Hearth has never seen the account (a typo uses nobody's slot)",
    async run([account, deviceId], context) {
      const { flags, admin, call, output } = context;
      const body = { deviceId: deviceId!, ...(flags.label ? { label: flags.label } : {}) };
      await confirmKnownAccount(context, account!, 'add the extra member');
      const member = await call(() => admin.POST('/admin/v1/accounts/{account}/extra-members', { params: { path: { account: account! } }, body }));
      output(member, () => `Device ${member.deviceId} holds an extra-member slot (since ${member.addedAt}).`);
    },
  },
  {
    name: 'account extra-member remove',
    args: ['ACCOUNT', 'DEVICE'],
    usage: 'ACCOUNT DEVICE',
    summary: "Free a device's extra-member slot.",
    options: [],
    async run([account, deviceId], { admin, call, output }) {
      await call(() => admin.DELETE('/admin/v1/accounts/{account}/extra-members/{deviceId}', { params: { path: { account: account!, deviceId: deviceId! } } }));
      output({ removed: deviceId }, () => `Freed the extra-member slot of ${deviceId}.`);
    },
  },
  {
    name: 'account erase',
    args: ['ACCOUNT'],
    usage: 'ACCOUNT --yes',
    summary: 'Delete everything held about the account.',
    options: ['yes'],
    async run([account], { flags, admin, call, output }) {
      if (!flags.yes) throw new UsageError('erase deletes everything held about the account; add --yes to confirm');
      await call(() => admin.DELETE('/admin/v1/accounts/{account}', { params: { path: { account: account! } } }));
      output({ erased: account }, () => `Erased account ${account}. Its tokens issued until now stay refused (DEVICE_REVOKED) for DEVICE_TOKEN_MAX_AGE; a new sign-in starts afresh.`);
    },
  },
];
