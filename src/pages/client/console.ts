/**
 * The ops console's shell: sign-in, and the panels wired together — regions
 * (console-rollout.ts), the rule form and its review (console-rule-form.ts),
 * decision charts (console-metrics.ts), the audit trail (console-audit.ts),
 * changes waiting for a second person (console-approvals.ts) and account
 * support (console-account.ts). Each panel is an `enable…` function
 * given a ConsoleContext (console-context.ts); a new panel is one more call
 * here.
 *
 * Server text is only ever set as `textContent`, never parsed as HTML. Free
 * text people wrote (audit notes, grant reasons, labels: every table cell)
 * and problem details also pass through `visibleText`, so control and bidi
 * characters show as escapes instead of reordering what an operator reads;
 * ids are plain `[A-Za-z0-9._:-]` by the API's own rule. Every instant is
 * shown in the viewer's own time with its offset (local-time.ts); a cell
 * holding one keeps the exact instant in its `<time datetime>`.
 */
import { adminApi, type Problem } from '../../admin-client/client';
import { explainRefusal, type RefusalHints } from '../../admin-client/wording';
import { visibleDeep } from '../../admin-client/visible-text';
import { enableRemoteNavigation, setStatus } from './common';
import { enableAccountSupport } from './console-account';
import { enableApprovalsPanel, type ApprovalsPanel } from './console-approvals';
import { enableAuditPanel } from './console-audit';
import { $, confirmDialog, refusal, type ConsoleContext, type SignedInAdmin } from './console-context';
import { enableMetricsPanel } from './console-metrics';
import { enableRolloutPanel, type RolloutPanel } from './console-rollout';
import { enableRuleForm } from './console-rule-form';
import './console-layout.css';

const TOKEN_KEY = 'hearth_admin_token';

function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** The signed-in admin as the token's payload says (the gate checks the token itself on every call). */
function signedInAdmin(): SignedInAdmin {
  try {
    const payload = JSON.parse(atob(token()!.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown; scope?: unknown };
    return { sub: typeof payload.sub === 'string' ? payload.sub : null, scopes: new Set(typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []) };
  } catch {
    return { sub: null, scopes: new Set() };
  }
}

const api = adminApi({ baseUrl: location.origin, token });
const audit = enableAuditPanel(api);
let approvals: ApprovalsPanel | undefined;
const context: ConsoleContext = {
  api,
  status: $('console-status'),
  refusal,
  confirm: confirmDialog,
  changed: async () => void (await Promise.all([audit.load(true), approvals!.load()])),
  admin: signedInAdmin,
};
// The rule form, the regions and the waiting changes hand each other work: Edit fills the form, Apply shows the new rollout.
let rollout: RolloutPanel | undefined;
const ruleForm = enableRuleForm(context, () => rollout!);
rollout = enableRolloutPanel(context, ruleForm.edit);
approvals = enableApprovalsPanel(context, () => rollout!);
const metrics = enableMetricsPanel(context, () => rollout!.rules());

/** The sign-in form's own wording of a refusal: there is nothing to sign out of yet. */
const SIGN_IN_HINTS: RefusalHints = {
  signIn: 'Paste a valid admin token (for the audience hearth-admin, from this gate’s issuer, not expired).',
  scope: () => 'Sign in with a token that carries it.',
  retry: () => 'Try again.',
};

/**
 * Signs in only once the gate has taken the token: the first admin call
 * (the rollout) answers, or refuses for a missing scope alone (a support
 * token without rollout:read is still a good token). A token it refuses
 * (pasted wrong, expired, another issuer) stays out, and the form says why;
 * before, "Signed in · Sign out" showed over an empty console.
 */
async function signIn(candidate: string): Promise<void> {
  const status = $('signin-status');
  setStatus(status, 'Checking the token with the gate…');
  sessionStorage.setItem(TOKEN_KEY, candidate);
  const answer = await api.GET('/admin/v1/rollout').catch(() => null);
  const reason = (answer?.error as Partial<Problem> | undefined)?.reason;
  if (answer && (answer.response.ok || reason === 'SCOPE_REQUIRED')) {
    setStatus(status, '');
    return signedIn();
  }
  sessionStorage.removeItem(TOKEN_KEY);
  const why = answer
    ? explainRefusal(answer.response.status, visibleDeep(answer.error as Partial<Problem> | undefined), SIGN_IN_HINTS)
    : 'The gate could not be reached. Check that it is running, then try again.';
  setStatus(status, `Not signed in. ${why}`, 'bad');
  $('signin').hidden = false;
  $('signed-in').hidden = true;
  $<HTMLTextAreaElement>('token').focus();
}

async function signedIn(): Promise<void> {
  $('signin').hidden = true;
  $('signed-in').hidden = false;
  const { sub, scopes } = signedInAdmin();
  $('whoami').textContent = sub ? `Signed in as ${sub} (${[...scopes].join(' ')})` : 'Signed in';
  // The waiting changes say what they change from: the rules first.
  await Promise.all([rollout!.load().then(() => approvals!.load()), audit.load(true)]);
  await metrics.load();
}

$('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void signIn($<HTMLTextAreaElement>('token').value.trim());
});

$('signout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
});

enableAccountSupport(context);
enableRemoteNavigation();
if (token()) void signIn(token()!);
