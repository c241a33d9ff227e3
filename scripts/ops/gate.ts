/**
 * The ops CLI's side of the gate: where it is (HEARTH_URL), the admin client,
 * and the one way every command calls it and prints the answer. This is the
 * trust boundary for what the gate says: every string a command prints comes
 * through `call` (made safe for a terminal) or `output` (--json, escaped).
 */
import { adminApi, type Problem } from '../../src/admin-client/client.ts';
import { explainRefusal, type RefusalHints } from '../../src/admin-client/wording.ts';
import { terminalSafeJson, visibleDeep } from '../../src/admin-client/visible-text.ts';
import { ADMIN_SCOPES } from '../../src/vocabulary.ts';
import { RefusedError, UnconfirmedError, type Flags, type OpsContext } from './command-line.ts';

const DEVELOPMENT_TOKEN_COMMAND = `export HEARTH_ADMIN_TOKEN=$(npm run -s ops -- admin-token --scope "${ADMIN_SCOPES.join(' ')}")`;

/** The CLI's way of acting on a refusal; the sentence itself is shared with the console. */
const CLI_HINTS: RefusalHints = {
  signIn: `Get a fresh token and set HEARTH_ADMIN_TOKEN. In development:\n  ${DEVELOPMENT_TOKEN_COMMAND}`,
  scope: (scope) => `Ask for a token that carries it (in development: admin-token --scope "${scope}").`,
  retry: (version) => `Review it with "rollout list", then retry with --if-match ${version}.`,
};

/** The context a command runs in: the gate at HEARTH_URL with HEARTH_ADMIN_TOKEN, answers printed as `flags` ask. */
export function opsContext(flags: Flags, environment: NodeJS.ProcessEnv = process.env): OpsContext {
  const baseUrl = (environment.HEARTH_URL ?? 'http://localhost:8787').replace(/\/+$/, '');
  const admin = adminApi({ baseUrl, token: () => environment.HEARTH_ADMIN_TOKEN });

  /** One admin call: its typed answer as the gate gave it, or a refusal in words. */
  async function exact<T>(request: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    if (!environment.HEARTH_ADMIN_TOKEN) throw new RefusedError(`HEARTH_ADMIN_TOKEN is not set. In development:\n  ${DEVELOPMENT_TOKEN_COMMAND}`);
    let result: Awaited<ReturnType<typeof request>>;
    try {
      result = await request();
    } catch {
      throw new RefusedError(`Could not reach the gate at ${baseUrl}. Is it running (npm run dev)? Set HEARTH_URL to point elsewhere.`);
    }
    if (result.response.ok) return result.data as T;
    throw new RefusedError(explainRefusal(result.response.status, visibleDeep(result.error as Partial<Problem> | undefined), CLI_HINTS));
  }

  return {
    flags,
    admin,
    exact,
    /**
     * One admin call: its answer for people, or a refusal in words. Everything
     * the CLI prints comes from here, so this is where server text is made safe
     * for a terminal: without --json every string of the answer (and of a
     * problem) comes back through `visibleDeep`, control characters and bidi
     * overrides written as escapes, so an audit note cannot erase, rewrite or
     * reorder what the operator sees. With --json the answer stays exact and
     * `output` escapes the same characters the JSON way. An answer that is sent
     * back to the gate is read with `exact` instead.
     */
    async call(request) {
      const answer = await exact(request);
      return flags.json ? answer : visibleDeep(answer);
    },
    output(value, human) {
      process.stdout.write((flags.json ? terminalSafeJson(value, 2) : human()) + '\n');
    },
    /**
     * Stops a change that looks like a mistake unless --yes says it is meant:
     * the warning, and how to go on. Nothing was changed when it stops.
     */
    confirm(warning, goOn) {
      if (flags.yes) {
        process.stderr.write(`${warning} Going on (--yes).\n`);
        return;
      }
      throw new UnconfirmedError(`${warning}\nNothing was changed. Add --yes to ${goOn}.`);
    },
  };
}
