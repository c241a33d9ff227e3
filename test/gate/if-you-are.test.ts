import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config';
import { accessNumbers, ifYouAreAnswers } from '../../src/pages/if-you-are';
import { callGate } from '../support/gate';

describe('the help page’s “If you are…” answers', () => {
  it('answers the traveller, the student, the posting, two homes and a shared network with the configured numbers', async () => {
    const html = await (await callGate({ path: '/gate/help' })).text();
    expect(html).toContain('id="if-you-are"');
    const parsed = parseConfig(env);
    if (!parsed.ok) throw new Error('development bindings do not parse');
    const answers = ifYouAreAnswers(accessNumbers(parsed.value));
    expect(answers.map((a) => a.id)).toEqual(['travelling', 'studying-away', 'posted-abroad', 'two-homes', 'shared-network-home']);
    for (const answer of answers) expect(html).toContain(answer.answer.replace(/"/g, '&quot;'));
    // The defaults: trusted 31 days after home, a code gives 7 days, twice every 30 days.
    expect(answers[0]!.answer).toContain('in the last 31 days');
    expect(answers[0]!.answer).toContain('7 days, twice every 30 days');
  });

  it('speaks the page’s language: the same answers, with the same numbers, in Spanish, Brazilian Portuguese and French', async () => {
    const parsed = parseConfig(env);
    if (!parsed.ok) throw new Error('development bindings do not parse');
    const numbers = accessNumbers(parsed.value);
    const english = ifYouAreAnswers(numbers, 'en');
    for (const [language, locale, heading] of [
      ['es-PE', 'es', 'Si tú…'],
      ['pt-BR', 'pt', 'Se você…'],
      ['fr-CA', 'fr', 'Si vous…'],
    ] as const) {
      const html = await (await callGate({ path: '/gate/help', headers: { 'Accept-Language': language } })).text();
      const answers = ifYouAreAnswers(numbers, locale);
      expect(answers.map((a) => a.id)).toEqual(english.map((a) => a.id));
      expect(html).toContain(heading);
      for (const [i, answer] of answers.entries()) {
        expect(html).toContain(answer.answer.replace(/"/g, '&quot;'));
        expect(html).not.toContain(english[i]!.answer.replace(/"/g, '&quot;'));
        // The numbers the rule gives, whatever the words.
        for (const figure of english[i]!.answer.match(/\d+/g) ?? []) expect(answer.answer).toContain(figure);
      }
      // No English section marked as such on a page in another language.
      expect(html).not.toContain('id="if-you-are" aria-labelledby="if-you-are-title" lang="en"');
    }
  });
});
