/**
 * What the ops CLI says about itself: the overview (`--help`), one command's
 * help (`COMMAND --help`), and how a run ends on a mistake or a refusal
 * (exit 2 with the usage line, or exit 1 with the gate's refusal in words).
 */
import { RefusedError, UnconfirmedError, UsageError, usageLine, type Command } from './command-line.ts';
import { GUARD_HELP, STAGES_GRAMMAR } from './rollout-flags.ts';

/** `npm run ops -- --help`: every command with its summary, then the shared option grammars. */
export function overview(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'Hearth ops CLI — rollout, audit and account support against a running gate.',
    '',
    'Usage: npm run ops -- COMMAND [ARGS] [OPTIONS]        npm run ops -- COMMAND --help',
    '',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Every command takes --json (machine-readable output) and --help.',
    'Reads HEARTH_URL (default http://localhost:8787) and HEARTH_ADMIN_TOKEN.',
    '',
    STAGES_GRAMMAR,
    '',
    GUARD_HELP,
  ].join('\n');
}

/** `npm run ops -- COMMAND --help`. */
export function commandHelp(command: Command): string {
  return [`Usage: ${usageLine(command)} [--json]`, '', command.summary, ...(command.more ? ['', command.more] : [])].join('\n');
}

/** Ends the run on a mistake or a refusal: what went wrong, and for a usage mistake the command's usage line. */
export function fail(error: unknown): never {
  if (error instanceof UsageError) {
    const command = (error as UsageError & { command?: Command }).command;
    const usage = command
      ? `Usage: ${usageLine(command)}\nRun "npm run ops -- ${command.name} --help" for more.`
      : 'Usage: npm run ops -- COMMAND [ARGS] [OPTIONS]\nRun "npm run ops -- --help" for the commands.';
    process.stderr.write(`ops: ${error.message}\n${usage}\n`);
    process.exit(2);
  }
  if (error instanceof UnconfirmedError) {
    process.stderr.write(`ops: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof RefusedError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
