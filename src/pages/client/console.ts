/** The ops console: regions, rule changes with confirmation and If-Match, audit trail, account support. */
import { callApi, enableRemoteNavigation, setStatus } from './common';

const TOKEN_KEY = 'hearth_admin_token';
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const statusLine = $('console-status');
let rolloutVersion = 0;
let auditCursor: string | null = null;
let currentAccount: string | null = null;

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

function admin(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
  return callApi(method, path, { ...options, headers: { Authorization: `Bearer ${token()}`, ...options.headers } });
}

/** A refusal in words: what happened and what to do. */
function explainRefusal(status: number, body: any): string {
  if (status === 401) return 'The gate refused this admin token (' + (body?.reason ?? 'invalid') + '). Sign out and sign in with a valid token.';
  if (status === 403 && body?.reason === 'SCOPE_REQUIRED') return `This token lacks the “${body.requiredScope}” scope.`;
  if (status === 412) return `Someone changed the rollout since you loaded it (it is now at version ${body?.currentVersion}). Nothing was changed: reload, check their change, then try again.`;
  return `${body?.title ?? 'Refused'}: ${body?.detail ?? status}`;
}

function cell(text: unknown): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined || text === '' ? '–' : String(text);
  return td;
}

function row(cells: unknown[], extra?: HTMLElement): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const value of cells) tr.append(cell(value));
  if (extra) {
    const td = document.createElement('td');
    td.append(extra);
    tr.append(td);
  }
  return tr;
}

function button(label: string, onClick: () => void, accessibleName?: string): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  if (accessibleName) b.setAttribute('aria-label', accessibleName);
  b.addEventListener('click', onClick);
  return b;
}

function confirmDialog(text: string): Promise<boolean> {
  const dialog = $<HTMLDialogElement>('confirm');
  $('confirm-text').textContent = text;
  dialog.showModal();
  $<HTMLButtonElement>('confirm-ok').focus();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

function showReload(message: string): void {
  setStatus(statusLine, message, 'bad');
  const reload = button('Reload', () => void loadRollout().then(() => setStatus(statusLine, 'Reloaded: the regions table shows the current rules.')));
  reload.id = 'reload-rollout';
  statusLine.append(' ', reload);
  reload.focus();
}

async function loadRollout(): Promise<void> {
  const result = await admin('GET', '/admin/v1/rollout');
  if (!result.ok) return setStatus(statusLine, explainRefusal(result.status, result.body), 'bad');
  rolloutVersion = result.body.version;
  $('rollout-version').textContent = `Version ${result.body.version}${result.body.updatedAt ? `, updated ${result.body.updatedAt}` : ''}. Regions without a rule follow *; with no * rule, monitor at 100 %.`;
  const tbody = $('regions');
  tbody.replaceChildren();
  const regions = Object.entries(result.body.regions as Record<string, any>).toSorted(([a], [b]) => (a === '*' ? -1 : b === '*' ? 1 : a.localeCompare(b)));
  for (const [region, rule] of regions) {
    const actions = document.createElement('span');
    actions.className = 'row';
    actions.append(
      button('Edit', () => editRule(region, rule), `Edit ${region}`),
      button('Delete', () => void deleteRule(region), `Delete the rule for ${region}`),
    );
    tbody.append(row([region, rule.mode, `${rule.percent} %`, rule.failOpen ? 'open' : 'closed', `${rule.updatedAt ?? ''} ${rule.updatedBy ?? ''}`.trim(), rule.note], actions));
  }
  if (regions.length === 0) tbody.append(row(['(no rules: every region is monitor at 100 %)']));
}

function editRule(region: string, rule: any): void {
  $<HTMLInputElement>('rule-region').value = region;
  $<HTMLSelectElement>('rule-mode').value = rule.mode;
  $<HTMLInputElement>('rule-percent').value = String(rule.percent);
  $<HTMLSelectElement>('rule-fail').value = rule.failOpen ? 'open' : 'closed';
  $<HTMLInputElement>('rule-note').focus();
}

async function deleteRule(region: string): Promise<void> {
  if (!(await confirmDialog(`Delete the rule for ${region}? The region will follow the * rule.`))) return;
  const result = await admin('DELETE', `/admin/v1/rollout/${encodeURIComponent(region)}`, { headers: { 'If-Match': `"${rolloutVersion}"` } });
  if (result.status === 412) return showReload(explainRefusal(412, result.body));
  if (!result.ok) return setStatus(statusLine, explainRefusal(result.status, result.body), 'bad');
  setStatus(statusLine, `Deleted the rule for ${region}.`, 'ok');
  await Promise.all([loadRollout(), loadAudit(true)]);
}

$('rule-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const region = $<HTMLInputElement>('rule-region').value.trim().toUpperCase();
  const mode = $<HTMLSelectElement>('rule-mode').value;
  const percent = Number($<HTMLInputElement>('rule-percent').value);
  const failOpen = $<HTMLSelectElement>('rule-fail').value === 'open';
  const note = $<HTMLInputElement>('rule-note').value.trim();
  if (!note) return setStatus(statusLine, 'A note is required: say why, it goes into the audit trail.', 'bad');
  const ok = await confirmDialog(`Set ${region} to ${mode} for ${percent} % of accounts, failing ${failOpen ? 'open' : 'closed'}? Note: “${note}”. This applies to the next request.`);
  if (!ok) return setStatus(statusLine, 'Nothing changed.');
  const result = await admin('PUT', `/admin/v1/rollout/${encodeURIComponent(region)}`, { body: { mode, percent, failOpen, note }, headers: { 'If-Match': `"${rolloutVersion}"` } });
  if (result.status === 412) return showReload(explainRefusal(412, result.body));
  if (!result.ok) return setStatus(statusLine, explainRefusal(result.status, result.body), 'bad');
  setStatus(statusLine, `${region} is now ${mode} at ${percent} % (version ${result.body.version}).`, 'ok');
  $<HTMLInputElement>('rule-note').value = '';
  await Promise.all([loadRollout(), loadAudit(true)]);
});

function summarise(value: any): string {
  if (value === null || value === undefined) return '∅';
  if (typeof value !== 'object') return String(value);
  if ('mode' in value) return `${value.mode} ${value.percent ?? 100} %${value.failOpen === false ? ' fail-closed' : ''}`;
  return Object.entries(value).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ');
}

async function loadAudit(reset: boolean): Promise<void> {
  if (reset) auditCursor = null;
  const result = await admin('GET', `/admin/v1/audit?limit=20${auditCursor ? `&cursor=${auditCursor}` : ''}`);
  if (!result.ok) return;
  const tbody = $('audit');
  if (reset) tbody.replaceChildren();
  for (const entry of result.body.entries) tbody.append(row([entry.at, entry.actor, entry.action, entry.target, `${summarise(entry.before)} → ${summarise(entry.after)}`, entry.note]));
  auditCursor = result.body.nextCursor;
  $('audit-more').hidden = !auditCursor;
}
$('audit-more').addEventListener('click', () => void loadAudit(false));

async function loadAccount(account: string): Promise<void> {
  const result = await admin('GET', `/admin/v1/accounts/${encodeURIComponent(account)}`);
  if (!result.ok) {
    $('account').hidden = true;
    return setStatus(statusLine, explainRefusal(result.status, result.body), 'bad');
  }
  currentAccount = account;
  const s = result.body;
  $('account').hidden = false;
  $('account-summary').textContent = `${s.accountId}: ${s.established ? `household since ${s.establishedAt}` : 'no household yet'} · ${s.homeNetworkCount} home network(s) · anchor ${s.anchorDeviceId ?? '–'} · extra members ${s.extraMemberSlots.used}/${s.extraMemberSlots.total} · location changes this window ${s.primaryLocationChangesInWindow}`;
  $('account-devices').replaceChildren(...s.devices.map((d: any) => row([d.deviceId, d.type, d.status, d.accessUntil, d.lastSeenAt])));
  $('account-grants').replaceChildren(
    ...s.grants.map((g: any) =>
      row([g.deviceId ?? 'whole account', g.expiresAt, g.actor, g.reason], button('End', () => void endGrant(g.grantId), `End grant for ${g.deviceId ?? 'the whole account'}`)),
    ),
  );
  $('account-members').replaceChildren(
    ...s.extraMembers.map((m: any) => row([m.deviceId, m.label, m.addedAt], button('Remove', () => void removeMember(m.deviceId), `Remove extra member ${m.deviceId}`))),
  );
}

async function accountWrite(promise: ReturnType<typeof admin>, done: string): Promise<void> {
  const result = await promise;
  if (!result.ok) return setStatus(statusLine, explainRefusal(result.status, result.body), 'bad');
  setStatus(statusLine, done, 'ok');
  await Promise.all([loadAccount(currentAccount!), loadAudit(true)]);
}

async function endGrant(grantId: string): Promise<void> {
  if (!(await confirmDialog('End this support grant now?'))) return;
  await accountWrite(admin('DELETE', `/admin/v1/accounts/${encodeURIComponent(currentAccount!)}/grants/${grantId}`), 'Grant ended.');
}

async function removeMember(deviceId: string): Promise<void> {
  if (!(await confirmDialog(`Free the extra-member slot of ${deviceId}?`))) return;
  await accountWrite(admin('DELETE', `/admin/v1/accounts/${encodeURIComponent(currentAccount!)}/extra-members/${encodeURIComponent(deviceId)}`), 'Extra member removed.');
}

$('account-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void loadAccount($<HTMLInputElement>('account-id').value.trim());
});

$('grant-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const deviceId = $<HTMLInputElement>('grant-device').value.trim();
  const body: Record<string, unknown> = { days: Number($<HTMLInputElement>('grant-days').value), reason: $<HTMLInputElement>('grant-reason').value.trim() };
  if (deviceId) body.deviceId = deviceId;
  void accountWrite(admin('POST', `/admin/v1/accounts/${encodeURIComponent(currentAccount!)}/grants`, { body }), 'Grant added.');
});

$('member-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const label = $<HTMLInputElement>('member-label').value.trim();
  const body: Record<string, unknown> = { deviceId: $<HTMLInputElement>('member-device').value.trim() };
  if (label) body.label = label;
  void accountWrite(admin('POST', `/admin/v1/accounts/${encodeURIComponent(currentAccount!)}/extra-members`, { body }), 'Extra member added.');
});

$('explain-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const query = new URLSearchParams({ deviceId: $<HTMLInputElement>('explain-device').value.trim() });
  const ip = $<HTMLInputElement>('explain-ip').value.trim();
  const country = $<HTMLInputElement>('explain-country').value.trim();
  if (ip) query.set('ip', ip);
  if (country) query.set('country', country);
  const result = await admin('GET', `/admin/v1/accounts/${encodeURIComponent(currentAccount!)}/explain?${query}`);
  if (!result.ok) return setStatus(statusLine, explainRefusal(result.status, result.body), 'bad');
  const e = result.body;
  $('explain-result').textContent = `${e.decision.toUpperCase()} — ${e.reason}. Region ${e.region}: rule ${e.rule.key} = ${e.rule.mode} at ${e.rule.percent} %, bucket ${e.bucket} → ${e.mode}. The person sees: “${e.message}”`;
  $('explain-trace').replaceChildren(...e.trace.map((step: any) => row([step.row, step.check, step.matched ? 'decides' : 'pass', step.detail])));
});

async function signedIn(): Promise<void> {
  $('signin').hidden = true;
  $('signed-in').hidden = false;
  try {
    const payload = JSON.parse(atob(token()!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    $('whoami').textContent = `Signed in as ${payload.sub} (${payload.scope})`;
  } catch {
    $('whoami').textContent = 'Signed in';
  }
  await Promise.all([loadRollout(), loadAudit(true)]);
}

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $<HTMLTextAreaElement>('token').value.trim());
  void signedIn();
});

$('signout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
});

enableRemoteNavigation();
if (token()) void signedIn();
