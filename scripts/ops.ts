/**
 * Hearth ops CLI — rollout, audit and account support against a running gate.
 * Every command and its options are in scripts/ops/commands.ts (one file per
 * command group under scripts/ops/): `npm run ops -- --help` lists them,
 * `npm run ops -- COMMAND --help` explains one. The CLI is strict: an option
 * the command does not take, a word too many or a missing one is a usage
 * error (exit 2) with the command's usage line, never a guess.
 *
 * Reads HEARTH_URL (default http://localhost:8787) and HEARTH_ADMIN_TOKEN.
 */
import { commandsUnder, readCommandLine, UsageError, type Command, type CommandLine } from './ops/command-line.ts';
import { COMMANDS } from './ops/commands.ts';
import { opsContext } from './ops/gate.ts';
import { commandHelp, fail, overview } from './ops/usage.ts';

const argv = process.argv.slice(2);
let commandLine: CommandLine | undefined;
try {
  commandLine = readCommandLine(COMMANDS, argv);
  const { command, args, flags, help } = commandLine;
  const words = argv.filter((arg) => !arg.startsWith('-'));
  if (command) {
    if (help) process.stdout.write(commandHelp(command) + '\n');
    else await command.run(args, opsContext(flags));
  } else if (help && words.length === 0) {
    process.stdout.write(overview(COMMANDS) + '\n');
  } else if (words.length === 0) {
    // No command at all: the overview, as a mistake (a script that forgot its command must not pass).
    process.stderr.write(overview(COMMANDS) + '\n');
    process.exit(2);
  } else {
    const under = commandsUnder(COMMANDS, words[0]!);
    throw new UsageError(under.length > 0 ? `${words[0]} takes ${under.join(', ')}${words[1] ? `, not "${words[1]}"` : ''}` : `unknown command "${words[0]}"`);
  }
} catch (error) {
  // A mistake found while running (a missing --note) is shown with the command's usage line too.
  if (error instanceof UsageError && !(error as UsageError & { command?: Command }).command) Object.assign(error, { command: commandLine?.command });
  fail(error);
}
