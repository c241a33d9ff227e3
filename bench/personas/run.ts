/**
 * Runs every persona under every preset over DAYS simulated days and
 * publishes the result: the tables on stdout and in docs/fairness.md
 * (between its `personas:tables` marks), docs/fairness/personas.json and one
 * SVG strip per persona in docs/fairness/. With `--check` it writes
 * nothing and fails when any published file differs from what the rules
 * give today (CI runs it, so the page never drifts from the gate).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { MS_PER_DAY } from '../../src/time.ts';
import { runPersona } from './engine.ts';
import { PERSONAS } from './personas.ts';
import { configFor, PRESETS, presetOf } from './presets.ts';
import { householdTable, messagesSeen, sharerTable, strip, summarise, type Summary } from './report.ts';
import { accessNumbers, ifYouAreAnswers } from '../../src/pages/if-you-are.ts';
import { heard, heardTable } from './feedback.ts';

export const DAYS = 120;
/** Day 0: a Monday. */
export const ORIGIN = Date.UTC(2027, 0, 4);

// npm runs scripts from the package root.
const root = process.cwd();
const check = process.argv.includes('--check');
const stale: string[] = [];
/** Writes a published file, or with --check notes it when it differs from what is published. */
function publish(path: string, content: string): void {
  if (!check) return writeFileSync(path, content);
  let published: string | null = null;
  try {
    published = readFileSync(path, 'utf8');
  } catch {
    // Missing: stale.
  }
  if (published !== content) stale.push(path.slice(root.length + 1));
}
const base = parseEnv(readFileSync(join(root, '.dev.vars'), 'utf8'));
const presets = PRESETS.map((definition) => ({ definition, preset: presetOf(definition, base) }));

const results: Array<{ personaId: string; presetId: string; summary: Summary }> = [];
for (const persona of PERSONAS) {
  for (const { preset } of presets) {
    const run = await runPersona(persona, preset, { origin: ORIGIN, dayMs: MS_PER_DAY }, DAYS);
    results.push({ personaId: persona.id, presetId: preset.id, summary: summarise(run, DAYS) });
  }
}

const rowsOf = (kind: 'household' | 'sharer') =>
  PERSONAS.filter((persona) => persona.kind === kind).flatMap((persona) =>
    presets.map(({ preset }) => ({ persona, preset: preset.label, summary: results.find((r) => r.personaId === persona.id && r.presetId === preset.id)!.summary })),
  );
/** Who answers what, in words: `A family at home and … say \`live-here\`; …`. */
const whoSays = () =>
  [...new Set(PERSONAS.flatMap((persona) => (persona.says ? [persona.says] : [])))]
    .map((situation) => {
      const names = PERSONAS.filter((persona) => persona.says === situation).map((persona) => persona.name.charAt(0).toLowerCase() + persona.name.slice(1));
      return `${names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)} say` : `${names[0]} says`} \`${situation}\``;
    })
    .join('; ');
const heardRows = presets.map(({ preset }) =>
  heard(
    preset.label,
    PERSONAS.map((persona) => ({ persona, summary: results.find((r) => r.personaId === persona.id && r.presetId === preset.id)!.summary })),
  ),
);
const tables =
  [
    `### Households\n\n${householdTable(rowsOf('household'))}`,
    `### Sharers\n\n${sharerTable(rowsOf('sharer'))}`,
    `### What ops would have seen: the refused, heard\n\nEach household persona answers the question after a refusal on every day one of its sessions is refused, with its own situation (${whoSays()}); the gate counts households (\`households.feedback\`), so a household counts once however often or from however many devices it answers. Over the ${DAYS} days, per preset:\n\n${heardTable(heardRows)}`,
    `### The messages seen\n\nThe catalog's words (English), as the player and the help page show them:\n\n${messagesSeen(results.map((r) => r.summary))}`,
  ].join('\n\n') + '\n';
if (!check) console.log(tables);

const out = join(root, 'docs/fairness');
if (!check) mkdirSync(out, { recursive: true });
for (const persona of PERSONAS) {
  const rows = presets.map(({ preset }) => ({ label: preset.label, summary: results.find((r) => r.personaId === persona.id && r.presetId === preset.id)!.summary }));
  publish(join(out, `${persona.id}.svg`), strip(persona, rows, DAYS));
}
const json = {
  generatedBy: 'npm run personas',
  days: DAYS,
  presets: presets.map(({ definition, preset }) => ({
    id: preset.id,
    label: preset.label,
    mode: preset.mode,
    bindings: definition.bindings,
    anchorFollows: preset.anchorFollows,
    deviceBinding: preset.deviceBinding,
    why: definition.why,
    limits: preset.limits,
  })),
  personas: PERSONAS.map((persona) => ({
    id: persona.id,
    name: persona.name,
    kind: persona.kind,
    summary: persona.summary,
    ...(persona.says ? { says: persona.says } : {}),
    results: Object.fromEntries(
      results
        .filter((r) => r.personaId === persona.id)
        .map((r) => {
          const { strip: days, ...numbers } = r.summary;
          return [r.presetId, { ...numbers, days: days.map((d) => (d.mark === 'none' ? '.' : d.mark[0]! + (d.unplayed ? '!' : ''))).join(' ') }];
        }),
    ),
  })),
};
publish(join(out, 'personas.json'), JSON.stringify({ ...json, heard: heardRows }, null, 2) + '\n');

// The tables and the help page's answers in docs/fairness.md, between their marks, so the page always shows the latest run
// and the help page's own words (src/pages/if-you-are.ts, at the default settings).
const hearth = presets.find(({ preset }) => preset.id === 'hearth-enforce')!;
const answers = ifYouAreAnswers(accessNumbers(configFor(base, hearth.definition.bindings)))
  .map((item) => `**${item.title}.** ${item.answer}`)
  .join('\n\n');
const page = join(root, 'docs/fairness.md');
let text = readFileSync(page, 'utf8');
for (const [name, content] of [
  ['tables', tables],
  ['if-you-are', `${answers}\n`],
] as const) {
  const start = `<!-- personas:${name}:start (npm run personas writes this) -->`;
  const end = `<!-- personas:${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`docs/fairness.md has no ${name} marks`);
  text = `${text.slice(0, from + start.length)}\n\n${content}\n${text.slice(to)}`;
}
publish(page, text);
if (check) {
  if (stale.length > 0) {
    console.error(`npm run personas: what the rules give today differs from what is published in ${stale.join(', ')}. Run npm run personas and commit the result.`);
    process.exit(1);
  }
  console.log(`npm run personas -- --check: docs/fairness.md, personas.json and ${PERSONAS.length} strips match the rules.`);
}
