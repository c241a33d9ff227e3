/**
 * What the account owner reads with a code and of a household event
 * (contract §6): every purpose and every event in every language, naming
 * the device, and for away access how long — so an owner never passes on a
 * code without knowing what it approves.
 */
import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../../src/messages/catalog';
import { CODE_MESSAGE_TEXTS, SECOND_HOME_REMOVAL_TEXTS, codeMessageText } from '../../../src/messages/code-messages';
import { HOUSEHOLD_EVENT_TEXTS, householdEventText } from '../../../src/messages/household-events';
import { CHALLENGE_PURPOSES, HOUSEHOLD_EVENT_NAMES, SIGN_OUT_AUTHORITIES } from '../../../src/vocabulary';

describe("the owner's texts", () => {
  it.each(CHALLENGE_PURPOSES.flatMap((purpose) => LOCALES.map((locale) => [purpose, locale] as const)))('a %s code in %s names the code, the device, and what it approves', (purpose, locale) => {
    expect(CODE_MESSAGE_TEXTS[purpose][locale].length).toBeGreaterThan(40);
    const text = codeMessageText(purpose, locale, { code: '123456', deviceId: 'tv-den', targetDeviceId: 'phone-old', days: 120, perYear: 2 });
    expect(text).toContain('123456');
    expect(text).toContain('tv-den');
    expect(text).not.toMatch(/\{\w+\}/);
    // A sign-out code names the device it signs out; an away-access code, how long.
    expect(purpose !== 'sign-out' || text.includes('phone-old')).toBe(true);
    expect(purpose !== 'away-access' || text.includes('120')).toBe(true);
  });

  it.each(LOCALES)('a second-home code asked to remove the home in %s says so, not that it makes one', (locale) => {
    const text = codeMessageText('second-home', locale, { code: '123456', deviceId: 'tv-den', removing: true });
    expect(text).toBe(SECOND_HOME_REMOVAL_TEXTS[locale].replace('{code}', '123456').replace('{device}', 'tv-den'));
    expect(text).not.toBe(codeMessageText('second-home', locale, { code: '123456', deviceId: 'tv-den' }));
    expect(text).not.toMatch(/\{\w+\}/);
  });

  it('away access says its days with the plural of its language: one day, 120 days', () => {
    const text = (days: number, locale: 'en' | 'es' | 'pt' | 'fr') => codeMessageText('away-access', locale, { code: '123456', deviceId: 'phone', days, perYear: 2 });
    expect(text(1, 'en')).toContain('for 1 day ');
    expect(text(120, 'en')).toContain('for 120 days ');
    expect(text(1, 'es')).toContain('durante 1 día ');
    expect(text(1, 'pt')).toContain('por 1 dia ');
    expect(text(1, 'fr')).toContain('pendant 1 jour ');
    expect(text(2, 'fr')).toContain('pendant 2 jours ');
  });

  it.each(HOUSEHOLD_EVENT_NAMES.flatMap((event) => LOCALES.map((locale) => [event, locale] as const)))('the %s event in %s names the device and leaves no placeholder', (event, locale) => {
    expect(HOUSEHOLD_EVENT_TEXTS[event][locale].length).toBeGreaterThan(40);
    for (const by of SIGN_OUT_AUTHORITIES) {
      const text = householdEventText(event, locale, 'tv-den', by);
      expect(text).toContain('tv-den');
      expect(text).not.toMatch(/\{\w+\}/);
    }
  });
});
