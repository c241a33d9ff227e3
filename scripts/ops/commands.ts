/** Every command of the ops CLI, in the order `npm run ops -- --help` lists them. A new command is one more entry. */
import { ACCOUNT_COMMANDS } from './account.ts';
import { AUDIT_COMMAND } from './audit.ts';
import type { Command } from './command-line.ts';
import { METRICS_COMMAND } from './metrics.ts';
import { ROLLOUT_COMMANDS } from './rollout.ts';
import { ROLLOUT_CHANGE_COMMANDS } from './rollout-changes.ts';
import { ADMIN_TOKEN_COMMAND } from './token.ts';

export const COMMANDS: readonly Command[] = [...ROLLOUT_COMMANDS, ...ROLLOUT_CHANGE_COMMANDS, METRICS_COMMAND, AUDIT_COMMAND, ...ACCOUNT_COMMANDS, ADMIN_TOKEN_COMMAND];
