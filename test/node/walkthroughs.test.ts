/**
 * The documents' walkthroughs, run as a reader would run them, against a
 * `wrangler dev` of their own (development bindings, as `npm run dev`, fresh
 * state), so an answer shown in a document can never drift from the gate's.
 * The convention (markers, `# =>` lines, placeholders, how the dev-log code
 * is read) is CONTRIBUTING.md, "Walkthroughs are tests".
 *
 * Each walkthrough runs in one bash from the repository's root: variables
 * carry from command to command. Every command is wrapped in markers so its
 * output and exit status can be told apart; documents say `localhost:8787`,
 * which becomes this gate's address.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalWorker, type LocalWorker } from '../../scripts/local-worker.ts';
import { commandsOf, unmatchedLines, walkthroughsOf, type Walkthrough } from './walkthroughs.ts';

/** The documents whose shell blocks are walkthroughs, in the order they run (later ones may rely on earlier ones). */
const WALKTHROUGH_DOCUMENTS = [
  'README.md',
  'docs/clients.md',
  'docs/api.md',
  'docs/ops.md',
  'docs/design.md',
  'docs/performance.md',
  'SECURITY.md',
  'CONTRIBUTING.md',
  'docs/players.md',
  'docs/fairness.md',
  'docs/testing.md',
];

/** A line that stands for the code the owner receives; the test reads it from its gate's log instead. */
const CODE_LINE = /^(\s*)([A-Z_][A-Z0-9_]*)=\d{6}(\s+#\s*the code in the `?npm run dev`? log.*)$/m;

const documents = WALKTHROUGH_DOCUMENTS.map((document) => {
  const found = walkthroughsOf(document, readFileSync(document, 'utf8'));
  return { document, walkthroughs: found.walkthroughs, unmarked: found.unmarked };
});
const walkthroughs: Walkthrough[] = documents.flatMap((entry) => entry.walkthroughs);

let gate: LocalWorker;
let scratch: string;
let logFile: string;

/**
 * `npm run [-s] <script> [-- args]` as npm runs it — the package's script with
 * node_modules/.bin first on PATH, npm's two-line banner on stdout unless
 * silent (a walkthrough that pipes `npm run` without -s into jq must fail
 * here as it does for a reader) — without starting npm itself, which costs
 * seconds per command on a busy machine. Anything else goes to the real npm;
 * WALKTHROUGH_NPM=real uses it throughout.
 */
function npmRunShim(): string[] {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string; scripts: Record<string, string> };
  const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
  const cases = Object.entries(pkg.scripts).map(([name, command]) => `    ${quote(name)}) command=${quote(command)} ;;`);
  return [
    `export PATH=${quote(join(process.cwd(), 'node_modules/.bin'))}:"$PATH"`,
    'npm() {',
    '  [ "$1" = run ] || { command npm "$@"; return; }',
    '  local silent= name command',
    '  shift; case "$1" in -s|--silent) silent=1; shift ;; esac',
    '  name=$1; shift; [ "$1" = -- ] && shift',
    '  case "$name" in',
    ...cases,
    '    *) command npm run "$name" "$@"; return ;;',
    '  esac',
    `  [ -n "$silent" ] || printf '\\n> %s %s\\n> %s\\n\\n' ${quote(`${pkg.name}@${pkg.version}`)} "$name" "$command${'$'}{*:+ $*}"`,
    '  eval "$command \\"\\$@\\""',
    '}',
  ];
}

/** Where a document's exported variables wait for its next walkthrough. */
const envFile = (walkthrough: Walkthrough) => join(scratch, `${walkthrough.document.replaceAll('/', '_')}.env`);

/** The script bash runs: helpers, then each command between markers that carry its index and exit status. */
function script(walkthrough: Walkthrough, gateUrl: string): string {
  const host = new URL(gateUrl).host;
  const lines = [
    ...(process.env.WALKTHROUGH_NPM === 'real' ? [] : npmRunShim()),
    `HEARTH_LOG=${JSON.stringify(logFile)}`,
    `hearth_codes() { grep -c '"event":"verification_code_development_delivery"' "$HEARTH_LOG"; }`,
    // The code delivered since the command before this one began (the one that opened the challenge).
    `hearth_code() { local i=0; while [ "$(hearth_codes)" -le "$HEARTH_CODES_PREV" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done;` +
      ` grep '"event":"verification_code_development_delivery"' "$HEARTH_LOG" | tail -n 1 | grep -o '"code":"[0-9]*"' | grep -o '[0-9][0-9]*'; }`,
    'HEARTH_CODES_NOW=$(hearth_codes)',
    // What a reader exported earlier in the same document (an admin token, say) is still set: one terminal per document.
    `[ -f ${JSON.stringify(envFile(walkthrough))} ] && source ${JSON.stringify(envFile(walkthrough))} 2>/dev/null`,
    // …but not the gate's address: the exports include the HEARTH_URL of the walkthrough before, and one with a gate of its own must not talk to the shared one.
    `export HEARTH_URL=${JSON.stringify(gateUrl)}`,
  ];
  walkthrough.commands.forEach((command, index) => {
    const text = command.text
      .replaceAll('http://localhost:8787', gateUrl)
      .replaceAll('localhost:8787', host)
      .replace(CODE_LINE, (_all, indent: string, name: string) => `${indent}${name}=$(hearth_code)`);
    lines.push('HEARTH_CODES_PREV=$HEARTH_CODES_NOW; HEARTH_CODES_NOW=$(hearth_codes)');
    lines.push(`printf '\\n@@walkthrough-begin ${index}@@\\n'`);
    // What a reader sees in the terminal: errors and warnings too.
    lines.push(`{\n${text}\n} 2>&1`);
    lines.push(`printf '\\n@@walkthrough-end ${index} %s@@\\n' "$?"`);
  });
  lines.push(`export -p > ${JSON.stringify(envFile(walkthrough))}`);
  return lines.join('\n') + '\n';
}

interface Outcome {
  output: string;
  status: number;
}

async function runWalkthrough(walkthrough: Walkthrough, on: LocalWorker = gate): Promise<{ outcomes: Outcome[]; stderr: string; exit: number | null }> {
  const file = join(scratch, `${walkthrough.name}.sh`);
  writeFileSync(file, script(walkthrough, on.url));
  const child = spawn('bash', [file], { env: { ...process.env, HEARTH_URL: on.url, HEARTH_ADMIN_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const outcomes: Outcome[] = [];
  for (const match of stdout.matchAll(/@@walkthrough-begin (\d+)@@\n([\s\S]*?)\n@@walkthrough-end \1 (\d+)@@/g)) {
    outcomes[Number(match[1])] = { output: match[2]!, status: Number(match[3]) };
  }
  return { outcomes, stderr, exit };
}

describe('how a walkthrough is read and judged', () => {
  const block = (lines: string[]) => ({ document: 'doc.md', line: 1, kind: 'walkthrough' as const, label: 'w', lines });

  it('joins continuation lines and loops into one command, with its # => lines', () => {
    const commands = commandsOf(block(['# prose', 'curl -s a \\', '  -H b', '# => {"ok":true}', 'for i in 1 2; do', '  echo $i', 'done']));
    expect(commands.map((command) => [command.text, command.expected])).toEqual([
      ['curl -s a \\\n  -H b', ['{"ok":true}']],
      ['for i in 1 2; do\n  echo $i\ndone', []],
    ]);
  });

  it('finds marked blocks, and the ones marked neither way', () => {
    const text = [
      '<!-- walkthrough: a -->',
      '```sh',
      'echo 1',
      '```',
      '<!-- illustrative: production -->',
      '```sh',
      'deploy',
      '```',
      '```sh',
      'echo 2',
      '```',
      '````md',
      '```sh',
      'inside an example',
      '```',
      '````',
    ].join('\n');
    const found = walkthroughsOf('doc.md', text);
    expect(found.walkthroughs.map((walkthrough) => [walkthrough.name, walkthrough.commands.map((command) => command.text)])).toEqual([['a', ['echo 1']]]);
    expect(found.unmarked.map((shell) => shell.line)).toEqual([9]);
  });

  it('matches JSON by the members shown, and refuses a value that differs', () => {
    const answer = '{"decision":"allow","reason":"TRUSTED_DEVICE","mode":"monitor","accessUntil":"2027-01-02T11:46:36.700Z","actions":[{"id":"verify"},{"id":"help"}]}';
    expect(unmatchedLines(['{"reason":"TRUSTED_DEVICE","accessUntil":"<time>",…}'], answer)).toEqual([]);
    expect(unmatchedLines(['{"decision":"allow","actions":[{"id":"verify"},…]}'], answer)).toEqual([]);
    expect(unmatchedLines(['{"decision":"challenge",…}'], answer)).toHaveLength(1);
    expect(unmatchedLines(['{"actions":[{"id":"verify"}]}'], answer)).toHaveLength(1); // an array shown whole must be whole
    expect(unmatchedLines(['{"reason":"TRUSTED_DEVICE","wouldDecision":"allow"}'], answer)).toHaveLength(1); // a member shown must be there
  });

  it('matches other lines in order, with placeholders', () => {
    const output = 'HTTP/1.1 200 OK\r\nHearth-Decision: allow; reason=IN_HOUSEHOLD\r\nHearth-Request-Id: 6548f317-968b\r\n';
    expect(unmatchedLines(['HTTP/1.1 200 OK', 'Hearth-Request-Id: <id>'], output)).toEqual([]);
    expect(unmatchedLines(['Hearth-Request-Id: <id>', 'HTTP/1.1 200 OK'], output)).toEqual(['HTTP/1.1 200 OK']);
    expect(unmatchedLines(['Hearth-Decision: allow; reason=TEMPORARY_ACCESS'], output)).toHaveLength(1);
  });
});

describe('every shell block in the documents is a walkthrough or says why it is not', () => {
  it.each(documents.map((entry) => [entry.document, entry.unmarked] as const))('%s', (document, unmarked) => {
    expect(
      unmarked.map((block) => `${document}:${block.line}`),
      'mark each with <!-- walkthrough: name --> or <!-- illustrative: reason --> (CONTRIBUTING.md)',
    ).toEqual([]);
  });
});

describe('walkthroughs, run against wrangler dev', () => {
  let stopped = false;
  // Files a walkthrough makes in the repository's root as a reader's would (a device key pair): removed after, unless they were there before.
  const made = ['tv-key.public.jwk', 'tv-key.private.jwk'].filter((file) => !existsSync(file));
  beforeAll(async () => {
    // What a reader's terminal needs besides the project (`.ci/run` installs them when missing).
    for (const tool of ['bash', 'curl', 'jq']) {
      if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`the walkthroughs need ${tool} on PATH`);
    }
    scratch = mkdtempSync(join(tmpdir(), 'hearth-walkthroughs-'));
    logFile = join(scratch, 'dev.log');
    writeFileSync(logFile, '');
    // The bindings `npm run dev` has: .dev.vars and wrangler.toml, nothing overridden.
    gate = await startLocalWorker({ envFile: '.dev.vars', onOutput: (chunk) => stopped || appendFileSync(logFile, chunk) });
  }, 120_000);

  afterAll(() => {
    stopped = true;
    gate?.stop();
    for (const file of made) rmSync(file, { force: true });
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it.each(walkthroughs.map((walkthrough) => [`${walkthrough.document}: ${walkthrough.name}`, walkthrough] as const))(
    '%s',
    async (_title, walkthrough) => {
      // A walkthrough that asks for bindings of its own (its document says which lines go in .dev.vars.local) gets a gate of its own.
      const own = walkthrough.vars ? await startLocalWorker({ envFile: '.dev.vars', vars: walkthrough.vars, onOutput: (chunk) => stopped || appendFileSync(logFile, chunk) }) : null;
      const { outcomes, stderr } = await runWalkthrough(walkthrough, own ?? gate).finally(() => own?.stop());
      const problems: string[] = [];
      walkthrough.commands.forEach((command, index) => {
        const outcome = outcomes[index];
        const where = `${walkthrough.document}:${command.line}`;
        if (!outcome) {
          problems.push(`${where}: did not finish\n${command.text}`);
          return;
        }
        if (command.expected.length === 0) {
          if (outcome.status !== 0) problems.push(`${where}: exited ${outcome.status}\n${command.text}\n--- output\n${outcome.output}`);
          return;
        }
        const missing = unmatchedLines(command.expected, outcome.output);
        if (missing.length > 0) problems.push(`${where}: expected\n  ${missing.join('\n  ')}\n${command.text}\n--- output\n${outcome.output}`);
      });
      expect(problems, `${problems.join('\n\n')}\n--- stderr\n${stderr.slice(-4000)}`).toEqual([]);
    },
    180_000,
  );
});
