/**
 * The status page's words (contract §8), in the catalog's four languages
 * (`pt` is Brazilian Portuguese), apart from ui-text.ts: what each mode does
 * in plain words, the steps ahead and the changes with their notice, and the
 * ways back in with the gate's own numbers. Dates, durations and country
 * names come from Intl in the page's language (`LANGUAGE_TAGS`), so "1 day",
 * "Perú" and "17 de diciembre de 2026" are each language's own.
 *
 * `{x}` marks what `fill` puts in.
 */
import { LANGUAGE_TAGS, type Locale } from '../messages/catalog';
import type { Mode } from '../vocabulary';
import { FALLBACK_REGION } from '../policy/rollout';

const text = {
  title: { en: 'Household check in {place}', es: 'Verificación de hogar en {place}', pt: 'Verificação de casa em {place}', fr: 'Vérification du foyer : {place}' },
  otherCountries: { en: 'other countries', es: 'otros países', pt: 'outros países', fr: 'autres pays' },
  otherCountriesList: { en: 'Every other country', es: 'Todos los demás países', pt: 'Todos os outros países', fr: 'Tous les autres pays' },
  intro: {
    en: 'What the household check of this service does here, and what will change when. This page is made from the very rules the check decides with, so it changes only when they do.',
    es: 'Qué hace aquí la verificación de hogar de este servicio, y qué cambiará y cuándo. Esta página se hace con las mismas reglas con las que decide la verificación, así que solo cambia cuando ellas cambian.',
    pt: 'O que a verificação de casa deste serviço faz aqui, e o que vai mudar e quando. Esta página é feita com as mesmas regras com que a verificação decide, então só muda quando elas mudam.',
    fr: 'Ce que fait ici la vérification du foyer de ce service, et ce qui changera, et quand. Cette page est faite des règles mêmes avec lesquelles la vérification décide : elle ne change que lorsqu’elles changent.',
  },
  follows: {
    en: '{country} has no rule of its own: the rule for every other country applies there.',
    es: '{country} no tiene regla propia: allí se aplica la regla de todos los demás países.',
    pt: '{country} não tem regra própria: lá vale a regra de todos os outros países.',
    fr: '{country} n’a pas de règle propre : la règle de tous les autres pays s’y applique.',
  },
  nowTitle: { en: 'What it does now', es: 'Qué hace ahora', pt: 'O que faz agora', fr: 'Ce qu’elle fait maintenant' },
  since: { en: 'Since {date}.', es: 'Desde el {date}.', pt: 'Desde {date}.', fr: 'Depuis le {date}.' },
  everyAccount: { en: 'For every account.', es: 'Para todas las cuentas.', pt: 'Para todas as contas.', fr: 'Pour tous les comptes.' },
  someAccounts: {
    en: 'For {percent} of accounts; for the others it is watching only.',
    es: 'Para el {percent} de las cuentas; para las demás, solo observa.',
    pt: 'Para {percent} das contas; para as outras, só observa.',
    fr: 'Pour {percent} des comptes ; pour les autres, elle observe seulement.',
  },
  aheadTitle: { en: 'What is announced', es: 'Qué está anunciado', pt: 'O que está anunciado', fr: 'Ce qui est annoncé' },
  aheadNone: { en: 'Nothing stricter is announced.', es: 'No hay nada más estricto anunciado.', pt: 'Nada mais rígido está anunciado.', fr: 'Rien de plus strict n’est annoncé.' },
  from: { en: 'From {date}', es: 'Desde el {date}', pt: 'A partir de {date}', fr: 'À partir du {date}' },
  notBefore: { en: 'Not before {date}', es: 'No antes del {date}', pt: 'Não antes de {date}', fr: 'Pas avant le {date}' },
  notBeforeWhy: {
    en: 'a step of a gradual rollout: it comes only while the check works well for the accounts already under it, so it may come later.',
    es: 'un paso de una aplicación gradual: llega solo mientras la verificación funcione bien para las cuentas que ya la tienen, así que puede llegar más tarde.',
    pt: 'um passo de uma aplicação gradual: só vem enquanto a verificação funcionar bem para as contas que já estão nela, então pode vir mais tarde.',
    fr: 'une étape d’un déploiement progressif : elle ne vient que tant que la vérification fonctionne bien pour les comptes déjà concernés, elle peut donc venir plus tard.',
  },
  noticePolicy: {
    en: 'A stricter rule is announced here {period} before it applies.',
    es: 'Una regla más estricta se anuncia aquí {period} antes de aplicarse.',
    pt: 'Uma regra mais rígida é anunciada aqui {period} antes de valer.',
    fr: 'Une règle plus stricte est annoncée ici {period} avant de s’appliquer.',
  },
  noticeNone: {
    en: 'On this service a stricter rule applies as soon as it is set, with no notice period.',
    es: 'En este servicio una regla más estricta se aplica en cuanto se define, sin plazo de aviso.',
    pt: 'Neste serviço uma regra mais rígida vale assim que é definida, sem prazo de aviso.',
    fr: 'Sur ce service, une règle plus stricte s’applique dès qu’elle est fixée, sans préavis.',
  },
  changesTitle: { en: 'Recent changes', es: 'Cambios recientes', pt: 'Mudanças recentes', fr: 'Changements récents' },
  changesNone: { en: 'No change recorded yet.', es: 'Todavía no hay cambios registrados.', pt: 'Nenhuma mudança registrada ainda.', fr: 'Aucun changement enregistré pour l’instant.' },
  given: { en: 'announced {period} ahead', es: 'anunciado con {period} de antelación', pt: 'anunciado com {period} de antecedência', fr: 'annoncé {period} à l’avance' },
  givenAhead: { en: 'announced ahead', es: 'anunciado con antelación', pt: 'anunciado com antecedência', fr: 'annoncé à l’avance' },
  skipped: { en: 'without notice', es: 'sin aviso', pt: 'sem aviso', fr: 'sans préavis' },
  notNeeded: {
    en: 'not stricter, so no notice was needed',
    es: 'no más estricto, así que no hizo falta aviso',
    pt: 'não mais rígido, então não foi preciso aviso',
    fr: 'pas plus strict, donc sans besoin de préavis',
  },
  waysTitle: { en: 'Ways to keep watching', es: 'Formas de seguir viendo', pt: 'Formas de continuar assistindo', fr: 'Comment continuer à regarder' },
  trusted: {
    en: 'A device that played at home in the last {trust} keeps working wherever it is.',
    es: 'Un dispositivo que reprodujo en casa en los últimos {trust} sigue funcionando donde esté.',
    pt: 'Um dispositivo que assistiu em casa nos últimos {trust} continua funcionando onde estiver.',
    fr: 'Un appareil qui a lu à la maison au cours des derniers {trust} continue de fonctionner où qu’il soit.',
  },
  travel: {
    en: 'Travelling: a code sent to the account owner gives a device {duration} of access, {times} every {window}.',
    es: 'De viaje: un código enviado al titular de la cuenta da a un dispositivo {duration} de acceso, {times} cada {window}.',
    pt: 'Viajando: um código enviado ao titular da conta dá a um dispositivo {duration} de acesso, {times} a cada {window}.',
    fr: 'En voyage : un code envoyé au titulaire du compte donne à un appareil {duration} d’accès, {times} tous les {window}.',
  },
  extra: {
    en: 'Someone who lives elsewhere: the account owner can add up to {slots} extra members.',
    es: 'Alguien que vive en otro lugar: el titular de la cuenta puede añadir hasta {slots} miembros extra.',
    pt: 'Alguém que mora em outro lugar: o titular da conta pode adicionar até {slots} membros extras.',
    fr: 'Quelqu’un qui vit ailleurs : le titulaire du compte peut ajouter jusqu’à {slots} membres supplémentaires.',
  },
  secondHome: {
    en: 'Two homes: with the account owner’s code, the TV in the other home makes it a second home (up to {homes}).',
    es: 'Dos casas: con el código del titular de la cuenta, el televisor de la otra casa la convierte en un segundo hogar (hasta {homes}).',
    pt: 'Duas casas: com o código do titular da conta, a TV da outra casa faz dela uma segunda casa (até {homes}).',
    fr: 'Deux logements : avec le code du titulaire du compte, la télé de l’autre logement en fait une résidence secondaire (jusqu’à {homes}).',
  },
  away: {
    en: 'A long stay away (a posting, a term): the account owner’s code gives one device access from anywhere for up to {duration}, {perYear} times a year per account.',
    es: 'Una estancia larga fuera (un destino, un semestre): el código del titular de la cuenta da a un dispositivo acceso desde cualquier lugar hasta {duration}, {perYear} veces al año por cuenta.',
    pt: 'Uma longa temporada fora (uma transferência, um semestre): o código do titular da conta dá a um dispositivo acesso de qualquer lugar por até {duration}, {perYear} vezes por ano por conta.',
    fr: 'Un long séjour ailleurs (une affectation, un semestre) : le code du titulaire du compte donne à un appareil un accès depuis n’importe où pendant {duration} au plus, {perYear} fois par an et par compte.',
  },
  support: {
    en: 'Anything else: support can help, and can give a device access for up to {duration}.',
    es: 'Cualquier otra cosa: soporte puede ayudar, y dar acceso a un dispositivo hasta {duration}.',
    pt: 'Qualquer outra coisa: o suporte pode ajudar, e dar acesso a um dispositivo por até {duration}.',
    fr: 'Pour tout le reste : le support peut aider, et donner accès à un appareil pendant {duration} au plus.',
  },
  supportNoUrl: {
    en: 'Contact the service’s customer support through its app or website.',
    es: 'Contacta con el servicio de atención al cliente desde su aplicación o sitio web.',
    pt: 'Fale com o atendimento ao cliente pelo aplicativo ou site do serviço.',
    fr: 'Contactez le service client depuis son application ou son site web.',
  },
  contact: { en: 'Contact support', es: 'Contactar con soporte', pt: 'Falar com o suporte', fr: 'Contacter le support' },
  regionsTitle: { en: 'Countries', es: 'Países', pt: 'Países', fr: 'Pays' },
  made: {
    en: 'Made {date} from the rules in force (version {version}).',
    es: 'Hecha el {date} con las reglas vigentes (versión {version}).',
    pt: 'Feita em {date} com as regras em vigor (versão {version}).',
    fr: 'Faite le {date} à partir des règles en vigueur (version {version}).',
  },
  helpLink: {
    en: 'What the household check does in {place}',
    es: 'Qué hace la verificación de hogar en {place}',
    pt: 'O que a verificação de casa faz em {place}',
    fr: 'Ce que fait la vérification du foyer : {place}',
  },
} satisfies Record<string, Record<Locale, string>>;

/** What each mode does, in plain words: the sentence of "What it does now". */
const MODE_SENTENCES: Record<Mode, Record<Locale, string>> = {
  off: {
    en: 'No checks: every device plays, wherever it is.',
    es: 'Sin verificación: todos los dispositivos reproducen, estén donde estén.',
    pt: 'Sem verificação: todos os dispositivos reproduzem, onde quer que estejam.',
    fr: 'Aucune vérification : chaque appareil lit, où qu’il soit.',
  },
  monitor: {
    en: 'Watching only: nothing is refused. The check notes what it would do, to learn before anything changes.',
    es: 'Solo observa: no se rechaza nada. La verificación anota lo que haría, para aprender antes de que algo cambie.',
    pt: 'Só observa: nada é recusado. A verificação anota o que faria, para aprender antes que algo mude.',
    fr: 'Observation seulement : rien n’est refusé. La vérification note ce qu’elle ferait, pour apprendre avant que quoi que ce soit ne change.',
  },
  challenge: {
    en: 'Codes offered: a device outside the household is asked for a code, which the account owner receives.',
    es: 'Se ofrecen códigos: a un dispositivo fuera del hogar se le pide un código, que recibe el titular de la cuenta.',
    pt: 'Códigos oferecidos: um dispositivo fora da casa precisa de um código, que o titular da conta recebe.',
    fr: 'Codes proposés : un appareil hors du foyer se voit demander un code, que reçoit le titulaire du compte.',
  },
  enforce: {
    en: 'Devices outside the household refused, once their travel codes are used up.',
    es: 'Se rechazan los dispositivos fuera del hogar, una vez usados sus códigos de viaje.',
    pt: 'Dispositivos fora da casa recusados, depois de usados os códigos de viagem.',
    fr: 'Les appareils hors du foyer sont refusés, une fois leurs codes de voyage utilisés.',
  },
};

/** What each mode does, in a few words: the steps ahead and the changes. */
const MODE_SHORT: Record<Mode, Record<Locale, string>> = {
  off: { en: 'no checks', es: 'sin verificación', pt: 'sem verificação', fr: 'aucune vérification' },
  monitor: { en: 'watching only', es: 'solo observa', pt: 'só observa', fr: 'observation seulement' },
  challenge: { en: 'codes offered', es: 'se ofrecen códigos', pt: 'códigos oferecidos', fr: 'codes proposés' },
  enforce: { en: 'devices outside the household refused', es: 'se rechazan los dispositivos fuera del hogar', pt: 'dispositivos fora da casa recusados', fr: 'appareils hors du foyer refusés' },
};

const SHARE: Record<Locale, string> = { en: '{percent} of accounts', es: '{percent} de las cuentas', pt: '{percent} das contas', fr: '{percent} des comptes' };
const TIMES: Record<Locale, (n: number) => string> = {
  en: (n) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`),
  es: (n) => (n === 1 ? 'una vez' : n === 2 ? 'dos veces' : `${n} veces`),
  pt: (n) => (n === 1 ? 'uma vez' : n === 2 ? 'duas vezes' : `${n} vezes`),
  fr: (n) => (n === 1 ? 'une fois' : n === 2 ? 'deux fois' : `${n} fois`),
};

export type StatusTextKey = keyof typeof text;

/** The page's words in `locale`. */
export function statusText(locale: Locale): Record<StatusTextKey, string> {
  return Object.fromEntries(Object.entries(text).map(([key, value]) => [key, value[locale]])) as Record<StatusTextKey, string>;
}

/** `template` with each `{name}` replaced. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
}

export const modeSentence = (mode: Mode, locale: Locale) => MODE_SENTENCES[mode][locale];
export const modeShort = (mode: Mode, locale: Locale) => MODE_SHORT[mode][locale];
export const timesIn = (n: number, locale: Locale) => TIMES[locale](n);

/** "50 %" as the page's language writes a percent. */
export function percentIn(percent: number, locale: Locale): string {
  return new Intl.NumberFormat(LANGUAGE_TAGS[locale], { style: 'percent' }).format(percent / 100);
}

/** "50 % of accounts", for a step or a change under challenge or enforce. */
export function shareIn(percent: number, locale: Locale): string {
  return fill(SHARE[locale], { percent: percentIn(percent, locale) });
}

/** A country's name in the page's language (`Intl.DisplayNames`); `*`: "other countries". */
export function placeName(region: string, locale: Locale): string {
  if (region === FALLBACK_REGION) return text.otherCountries[locale];
  try {
    return new Intl.DisplayNames([LANGUAGE_TAGS[locale]], { type: 'region', fallback: 'code' }).of(region) ?? region;
  } catch {
    return region;
  }
}

/** A moment as the page's language writes it, in UTC (the page cannot know the reader's time zone): "17 December 2026 at 14:00 UTC". */
export function dateIn(iso: string, locale: Locale): string {
  return new Intl.DateTimeFormat(LANGUAGE_TAGS[locale], { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' }).format(
    new Date(iso),
  );
}

const MS = { day: 86_400_000, hour: 3_600_000, minute: 60_000, second: 1000 } as const;

/** A duration in the largest unit it is a whole number of (days, hours, minutes, seconds), in the page's language: "14 days", "1 día". */
export function durationIn(ms: number, locale: Locale): string {
  const unit = (Object.keys(MS) as Array<keyof typeof MS>).find((name) => ms >= MS[name] && ms % MS[name] === 0) ?? (ms >= MS.day ? 'day' : 'second');
  const amount = Math.round((ms / MS[unit]) * 10) / 10;
  return new Intl.NumberFormat(LANGUAGE_TAGS[locale], { style: 'unit', unit, unitDisplay: 'long' }).format(amount);
}
