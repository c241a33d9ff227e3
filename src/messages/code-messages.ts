/**
 * What the account owner reads with a verification code (contract §6): in
 * their language, what the code approves — which device, and for a second
 * home or away access what changes and for how long — so an owner never
 * passes a code on without knowing what it does. The webhook carries the
 * text as `message` beside the code's fields.
 */
import type { ChallengePurpose } from '../vocabulary';
import type { Locale } from './catalog';

type Texts = Record<Locale, string>;

const CODE_TEXT: Record<ChallengePurpose, Texts> = {
  access: {
    en: 'Your code is {code}. It gives the device "{device}" temporary access while it is away from home. Share it only with someone you let watch on your account.',
    es: 'Tu código es {code}. Da al dispositivo "{device}" acceso temporal mientras está fuera de casa. Compártelo solo con quien dejas ver en tu cuenta.',
    pt: 'Seu código é {code}. Ele dá ao dispositivo "{device}" acesso temporário enquanto está fora de casa. Compartilhe só com quem você deixa assistir na sua conta.',
    fr: 'Votre code est {code}. Il donne à l’appareil « {device} » un accès temporaire hors du foyer. Ne le partagez qu’avec quelqu’un que vous laissez regarder sur votre compte.',
  },
  'primary-location': {
    en: 'Your code is {code}. It moves your household to the network of the TV "{device}": devices at your current home will no longer count as at home.',
    es: 'Tu código es {code}. Mueve tu hogar a la red del televisor "{device}": los dispositivos de tu casa actual dejarán de contar como en casa.',
    pt: 'Seu código é {code}. Ele muda sua casa para a rede da TV "{device}": os dispositivos da sua casa atual deixarão de contar como em casa.',
    fr: 'Votre code est {code}. Il déplace votre foyer vers le réseau du téléviseur « {device} » : les appareils de votre domicile actuel ne compteront plus comme à la maison.',
  },
  'sign-out': {
    en: 'Your code is {code}. It lets the device "{device}" sign the device "{target}" out of your account; "{target}" keeps nothing it had. If you do not know "{device}", do not share it.',
    es: 'Tu código es {code}. Permite que el dispositivo "{device}" cierre la sesión de "{target}" en tu cuenta; "{target}" no conserva nada. Si no conoces "{device}", no lo compartas.',
    pt: 'Seu código é {code}. Ele permite que o dispositivo "{device}" desconecte "{target}" da sua conta; "{target}" não mantém nada. Se você não conhece "{device}", não compartilhe.',
    fr: 'Votre code est {code}. Il permet à l’appareil « {device} » de déconnecter « {target} » de votre compte ; « {target} » ne garde rien. Si vous ne connaissez pas « {device} », ne le partagez pas.',
  },
  'second-home': {
    en: 'Your code is {code}. It makes the network of the TV "{device}" a second home of your household, for as long as you keep it: every device there will play as at home. You may change second homes once every 90 days.',
    es: 'Tu código es {code}. Convierte la red del televisor "{device}" en un segundo hogar de tu cuenta, mientras lo mantengas: todos los dispositivos allí se reproducirán como en casa. Puedes cambiar de segundo hogar una vez cada 90 días.',
    pt: 'Seu código é {code}. Ele torna a rede da TV "{device}" uma segunda casa da sua conta, enquanto você a mantiver: todos os dispositivos ali funcionarão como em casa. Você pode mudar de segunda casa uma vez a cada 90 dias.',
    fr: 'Votre code est {code}. Il fait du réseau du téléviseur « {device} » une résidence secondaire de votre foyer, tant que vous la gardez : tous les appareils là-bas joueront comme à la maison. Vous pouvez en changer une fois tous les 90 jours.',
  },
  'away-access': {
    en: 'Your code is {code}. It lets the device "{device}" play from anywhere for {days} (a posting, a term or a long stay). Your account may give this {perYear} times a year.',
    es: 'Tu código es {code}. Permite que el dispositivo "{device}" se reproduzca desde cualquier lugar durante {days} (un destino, un semestre o una estadía larga). Tu cuenta puede darlo {perYear} veces al año.',
    pt: 'Seu código é {code}. Ele permite que o dispositivo "{device}" funcione de qualquer lugar por {days} (uma missão, um semestre ou uma estadia longa). Sua conta pode dar isso {perYear} vezes por ano.',
    fr: 'Votre code est {code}. Il permet à l’appareil « {device} » de jouer de n’importe où pendant {days} (une affectation, un semestre ou un long séjour). Votre compte peut le donner {perYear} fois par an.',
  },
};

/** A `second-home` code asked by the TV that keeps a second home: it removes that home, and says so. */
const SECOND_HOME_REMOVAL_TEXT: Texts = {
  en: 'Your code is {code}. It removes the second home your household keeps at the TV "{device}": devices there will no longer play as at home. You may change second homes once every 90 days.',
  es: 'Tu código es {code}. Quita el segundo hogar que tu cuenta mantiene en el televisor "{device}": los dispositivos allí dejarán de reproducirse como en casa. Puedes cambiar de segundo hogar una vez cada 90 días.',
  pt: 'Seu código é {code}. Ele remove a segunda casa que sua conta mantém na TV "{device}": os dispositivos ali deixarão de funcionar como em casa. Você pode mudar de segunda casa uma vez a cada 90 dias.',
  fr: 'Votre code est {code}. Il retire la résidence secondaire que votre foyer garde au téléviseur « {device} » : les appareils là-bas ne joueront plus comme à la maison. Vous pouvez en changer une fois tous les 90 jours.',
};

export interface CodeMessageFacts {
  code: string;
  deviceId: string;
  targetDeviceId?: string;
  days?: number;
  perYear?: number;
  /** For a `second-home` code: asked to remove the second home the TV keeps. */
  removing?: boolean;
}

/** The owner's text for a code of `purpose`, in `locale`. */
export function codeMessageText(purpose: ChallengePurpose, locale: Locale, facts: CodeMessageFacts): string {
  const texts = purpose === 'second-home' && facts.removing === true ? SECOND_HOME_REMOVAL_TEXT : CODE_TEXT[purpose];
  return texts[locale]
    .replaceAll('{code}', facts.code)
    .replaceAll('{device}', facts.deviceId)
    .replaceAll('{target}', facts.targetDeviceId ?? '')
    .replaceAll('{days}', facts.days === undefined ? '' : daysText(facts.days, locale))
    .replaceAll('{perYear}', String(facts.perYear ?? ''));
}

const DAY_WORDS: Record<Locale, { one: string; other: string }> = {
  en: { one: 'day', other: 'days' },
  es: { one: 'día', other: 'días' },
  pt: { one: 'dia', other: 'dias' },
  fr: { one: 'jour', other: 'jours' },
};

/** "1 day", "120 days" — the plural as the language has it (Intl.PluralRules). */
function daysText(days: number, locale: Locale): string {
  const words = DAY_WORDS[locale];
  return `${days} ${new Intl.PluralRules(locale).select(days) === 'one' ? words.one : words.other}`;
}

/** Every purpose's text in every locale, for the catalog's agreement test. */
export const CODE_MESSAGE_TEXTS = CODE_TEXT;

/** The removal's text of a `second-home` code, in every locale (the catalog's agreement test). */
export const SECOND_HOME_REMOVAL_TEXTS = SECOND_HOME_REMOVAL_TEXT;
