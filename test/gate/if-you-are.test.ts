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
    const answers = ifYouAreAnswers(accessNumbers(parsed.config));
    expect(answers.map((a) => a.id)).toEqual(['travelling', 'studying-away', 'posted-abroad', 'two-homes', 'shared-network-home']);
    for (const answer of answers) expect(html).toContain(answer.answer.replace(/"/g, '&quot;'));
    // The defaults: trusted 31 days after home, a code gives 7 days, twice every 30 days.
    expect(answers[0]!.answer).toContain('in the last 31 days');
    expect(answers[0]!.answer).toContain('7 days, twice every 30 days');
  });
});
