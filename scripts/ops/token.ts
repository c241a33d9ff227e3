/** `ops admin-token`: an admin token signed with the development key (only a development gate accepts it). */
import { mintAdminToken } from '../../dev/tokens.ts';
import { ADMIN_SCOPES } from '../../src/vocabulary.ts';
import { closest, integer, required, UsageError, type Command } from './command-line.ts';

export const ADMIN_TOKEN_COMMAND: Command = {
  name: 'admin-token',
  args: [],
  usage: '--scope "rollout:read …" [--sub NAME] [--ttl SECONDS]',
  summary: 'Mint an admin token with the development key (a development gate only).',
  options: ['scope', 'sub', 'ttl'],
  more: `Scopes: ${ADMIN_SCOPES.join(' ')}\n--sub NAME     who the audit trail names (default developer@hearth.dev.invalid)\n--ttl SECONDS  how long it lives (default 3600)`,
  async run(_args, { flags }) {
    const scope = required(flags.scope, `--scope "…" (any of: ${ADMIN_SCOPES.join(' ')})`);
    // A mistyped scope (rollout:reed) made a token the gate then refused action by action, far from the typo.
    const unknown = scope.split(/\s+/).filter((name) => name && !(ADMIN_SCOPES as readonly string[]).includes(name));
    if (unknown.length > 0)
      throw new UsageError(
        `--scope: ${unknown.map((name) => `"${name}"${closest(name, ADMIN_SCOPES) ? ` (did you mean ${closest(name, ADMIN_SCOPES)}?)` : ''}`).join(', ')} ${unknown.length === 1 ? 'is not a scope' : 'are not scopes'}; the scopes are ${ADMIN_SCOPES.join(' ')}`,
      );
    const ttl = integer(flags.ttl, '--ttl') ?? 3600;
    process.stderr.write('admin-token: signed with the DEVELOPMENT admin key; only a development gate accepts it.\n');
    process.stdout.write((await mintAdminToken({ scope, sub: flags.sub ?? 'developer@hearth.dev.invalid', ttlSeconds: ttl })) + '\n');
  },
};
