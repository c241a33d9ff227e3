/**
 * The help page's short answers for the people a household rule is most
 * likely to forget (docs/fairness.md, "If you are…"): travelling, studying
 * away, posted abroad, with two homes, behind a shared network. The numbers
 * come from the gate's configuration, so the page never promises more days
 * than the rule gives. `npm run personas` writes the same words, with the
 * default numbers, into docs/fairness.md.
 *
 * In the four languages of the catalog; docs/fairness.md publishes the
 * English words.
 */
import { html } from 'hono/html';
import type { GateConfig } from '../config/config';
import { MS_PER_DAY } from '../time';
import type { Locale } from '../messages/catalog';
import { uiText } from './ui-text';

/** The numbers the answers quote. */
export interface AccessNumbers {
  trustDays: number;
  temporaryDays: number;
  grantsPerWindow: number;
  travelWindowDays: number;
  /** The owner's two ways (contract §6): away access up to `awayDays`, `awayPerYear` a year (0: off); `secondHomes` (0: off). */
  awayDays: number;
  awayPerYear: number;
  secondHomes: number;
}

/** The longest support grant (the admin API's `days`, docs/api.md). */
export const LONGEST_GRANT_DAYS = 180;

export function accessNumbers(
  config: Pick<GateConfig, 'trustWindowMs' | 'temporaryAccessMs' | 'travelGrantsPerWindow' | 'travelWindowMs' | 'awayAccessMaxMs' | 'awayAccessPerYear' | 'secondHomes'>,
): AccessNumbers {
  const days = (ms: number) => Math.round((ms / MS_PER_DAY) * 10) / 10;
  return {
    trustDays: days(config.trustWindowMs),
    temporaryDays: days(config.temporaryAccessMs),
    grantsPerWindow: config.travelGrantsPerWindow,
    travelWindowDays: days(config.travelWindowMs),
    awayDays: Math.floor(config.awayAccessMaxMs / MS_PER_DAY),
    awayPerYear: config.awayAccessPerYear,
    secondHomes: config.secondHomes,
  };
}

export interface IfYouAre {
  id: string;
  title: string;
  answer: string;
}

type Answers = (n: AccessNumbers) => IfYouAre[];
type Stay = 'term' | 'posting';

/** The last sentence for a long stay away: away access with the owner's code (contract §6), or, where it is off, support. */
const away: Record<Locale, (n: AccessNumbers, stay: Stay) => string> = {
  en: (n, stay) =>
    n.awayPerYear > 0
      ? `For a whole ${stay}, the account owner can give this device away access with their code: choose “${uiText('en').awayTitle}” on this page, and it plays from anywhere for up to ${n.awayDays} days (${n.awayPerYear} a year per account).`
      : `For a whole ${stay}, contact us: support can give a device access for up to ${LONGEST_GRANT_DAYS} days.`,
  es: (n, stay) =>
    n.awayPerYear > 0
      ? `Para todo un ${stay === 'term' ? 'semestre' : 'destino'}, el titular de la cuenta puede dar a este dispositivo acceso fuera de casa con su código: elige “${uiText('es').awayTitle}” en esta página, y reproduce desde cualquier lugar hasta ${n.awayDays} días (${n.awayPerYear} al año por cuenta).`
      : `Para todo un ${stay === 'term' ? 'semestre' : 'destino'}, contáctanos: soporte puede dar acceso a un dispositivo hasta por ${LONGEST_GRANT_DAYS} días.`,
  pt: (n, stay) =>
    n.awayPerYear > 0
      ? `Para ${stay === 'term' ? 'um semestre' : 'uma transferência'} inteir${stay === 'term' ? 'o' : 'a'}, o titular da conta pode dar a este dispositivo acesso fora de casa com o código dele: escolha “${uiText('pt').awayTitle}” nesta página, e ele reproduz de qualquer lugar por até ${n.awayDays} dias (${n.awayPerYear} por ano por conta).`
      : `Para ${stay === 'term' ? 'um semestre' : 'uma transferência'} inteir${stay === 'term' ? 'o' : 'a'}, fale com a gente: o suporte pode dar acesso a um dispositivo por até ${LONGEST_GRANT_DAYS} dias.`,
  fr: (n, stay) =>
    n.awayPerYear > 0
      ? `Pour ${stay === 'term' ? 'tout un semestre' : 'toute une affectation'}, le titulaire du compte peut donner à cet appareil un accès hors du foyer avec son code : choisissez « ${uiText('fr').awayTitle} » sur cette page, et il lit depuis n’importe où pendant ${n.awayDays} jours au plus (${n.awayPerYear} par an et par compte).`
      : `Pour ${stay === 'term' ? 'tout un semestre' : 'toute une affectation'}, contactez-nous : le support peut donner accès à un appareil pour ${LONGEST_GRANT_DAYS} jours au plus.`,
};

const ENGLISH: Answers = (n) => {
  const times = n.grantsPerWindow === 1 ? 'once' : n.grantsPerWindow === 2 ? 'twice' : `${n.grantsPerWindow} times`;
  const code = `a code sent to the account owner gives this device ${n.temporaryDays} days, ${times} every ${n.travelWindowDays} days`;
  return [
    {
      id: 'travelling',
      title: 'If you are travelling',
      answer: `Devices that played at home in the last ${n.trustDays} days keep working wherever you are. On a device that never did — a hotel TV — choose “${uiText('en').sendCode}”: ${code}.`,
    },
    {
      id: 'studying-away',
      title: 'If you are studying away',
      answer: `Your laptop and phone keep working for ${n.trustDays} days after they last played at home, and every visit home starts those days again. After that, ${code}. ${away.en(n, 'term')}`,
    },
    {
      id: 'posted-abroad',
      title: 'If you are posted abroad',
      answer: `A device that goes with you keeps working for ${n.trustDays} days after it last played at home; after that, ${code}. ${away.en(n, 'posting')}`,
    },
    {
      id: 'two-homes',
      title: 'If you have two homes',
      answer: `Your household’s home is the network of its TV. ${n.secondHomes > 0 ? `With the account owner’s code, the TV in your other home makes that home a second home: on that TV, choose “${uiText('en').secondHome}” on this page, and every device there is at home.` : 'A TV in your other home is outside the household: once its codes are used up, ask the account owner for an extra member.'} Phones and tablets that go between both homes keep working while they play at one of them at least every ${n.trustDays} days.`,
    },
    {
      id: 'shared-network-home',
      title: 'If you are behind a shared network',
      answer: `Where many homes share one internet address — some providers, mobile networks, student halls — a device counts as home only on the same connection as your household’s TV. Play something on it once on the same Wi-Fi as the TV, soon after the TV has played: from then on it works away from home too, for ${n.trustDays} days after each time. A device never on that Wi-Fi (mobile data only, or a hall that gives each device its own address) needs a code, then an extra member.`,
    },
  ];
};

const SPANISH: Answers = (n) => {
  const times = n.grantsPerWindow === 1 ? 'una vez' : n.grantsPerWindow === 2 ? 'dos veces' : `${n.grantsPerWindow} veces`;
  const code = `un código enviado al titular de la cuenta le da a este dispositivo ${n.temporaryDays} días, ${times} cada ${n.travelWindowDays} días`;
  return [
    {
      id: 'travelling',
      title: 'Si estás de viaje',
      answer: `Los dispositivos que reprodujeron en casa en los últimos ${n.trustDays} días siguen funcionando donde estés. En un dispositivo que nunca lo hizo —el televisor de un hotel— elige “${uiText('es').sendCode}”: ${code}.`,
    },
    {
      id: 'studying-away',
      title: 'Si estudias lejos de casa',
      answer: `Tu portátil y tu teléfono siguen funcionando ${n.trustDays} días después de la última vez que reprodujeron en casa, y cada visita a casa vuelve a empezar esos días. Después, ${code}. ${away.es(n, 'term')}`,
    },
    {
      id: 'posted-abroad',
      title: 'Si te destinan al extranjero',
      answer: `Un dispositivo que va contigo sigue funcionando ${n.trustDays} días después de la última vez que reprodujo en casa; después, ${code}. ${away.es(n, 'posting')}`,
    },
    {
      id: 'two-homes',
      title: 'Si tienes dos casas',
      answer: `La casa de tu hogar es la red de su televisor. ${n.secondHomes > 0 ? `Con el código del titular de la cuenta, el televisor de tu otra casa la convierte en un segundo hogar: en ese televisor, elige “${uiText('es').secondHome}” en esta página, y todos los dispositivos allí están en casa.` : 'Un televisor en tu otra casa está fuera del hogar: cuando se acaben sus códigos, pide al titular de la cuenta un miembro extra.'} Los teléfonos y tabletas que van de una casa a otra siguen funcionando mientras reproduzcan en una de ellas al menos cada ${n.trustDays} días.`,
    },
    {
      id: 'shared-network-home',
      title: 'Si estás detrás de una red compartida',
      answer: `Donde muchas casas comparten una misma dirección de internet —algunos proveedores, redes móviles, residencias de estudiantes— un dispositivo cuenta como de casa solo en la misma conexión que el televisor de tu hogar. Reproduce algo en él una vez en el mismo Wi-Fi que el televisor, poco después de que el televisor haya reproducido: desde entonces funciona también fuera de casa, ${n.trustDays} días después de cada vez. Un dispositivo que nunca está en ese Wi-Fi (solo datos móviles, o una residencia que da a cada dispositivo su propia dirección) necesita un código y luego un miembro extra.`,
    },
  ];
};

const PORTUGUESE: Answers = (n) => {
  const times = n.grantsPerWindow === 1 ? 'uma vez' : n.grantsPerWindow === 2 ? 'duas vezes' : `${n.grantsPerWindow} vezes`;
  const code = `um código enviado ao titular da conta dá a este dispositivo ${n.temporaryDays} dias, ${times} a cada ${n.travelWindowDays} dias`;
  return [
    {
      id: 'travelling',
      title: 'Se você está viajando',
      answer: `Os dispositivos que assistiram em casa nos últimos ${n.trustDays} dias continuam funcionando onde você estiver. Em um dispositivo que nunca assistiu — a TV de um hotel — escolha “${uiText('pt').sendCode}”: ${code}.`,
    },
    {
      id: 'studying-away',
      title: 'Se você estuda longe de casa',
      answer: `Seu notebook e seu celular continuam funcionando por ${n.trustDays} dias depois da última vez que assistiram em casa, e cada visita em casa recomeça esses dias. Depois disso, ${code}. ${away.pt(n, 'term')}`,
    },
    {
      id: 'posted-abroad',
      title: 'Se você foi transferido para o exterior',
      answer: `Um dispositivo que vai com você continua funcionando por ${n.trustDays} dias depois da última vez que assistiu em casa; depois disso, ${code}. ${away.pt(n, 'posting')}`,
    },
    {
      id: 'two-homes',
      title: 'Se você tem duas casas',
      answer: `A casa da sua conta é a rede da TV dela. ${n.secondHomes > 0 ? `Com o código do titular da conta, a TV da sua outra casa faz dela uma segunda casa: nessa TV, escolha “${uiText('pt').secondHome}” nesta página, e todos os dispositivos ali ficam em casa.` : 'Uma TV na sua outra casa fica fora dessa casa: quando os códigos dela acabarem, peça ao titular da conta um membro extra.'} Celulares e tablets que vão de uma casa para a outra continuam funcionando enquanto assistirem em uma delas pelo menos a cada ${n.trustDays} dias.`,
    },
    {
      id: 'shared-network-home',
      title: 'Se você está atrás de uma rede compartilhada',
      answer: `Onde muitas casas compartilham o mesmo endereço de internet — alguns provedores, redes móveis, moradias estudantis — um dispositivo conta como de casa só na mesma conexão da TV da sua casa. Assista a algo nele uma vez no mesmo Wi-Fi da TV, logo depois que a TV tiver assistido: a partir daí ele funciona também fora de casa, por ${n.trustDays} dias depois de cada vez. Um dispositivo que nunca fica nesse Wi-Fi (só dados móveis, ou uma moradia que dá a cada dispositivo o seu próprio endereço) precisa de um código e depois de um membro extra.`,
    },
  ];
};

const FRENCH: Answers = (n) => {
  const times = n.grantsPerWindow === 1 ? 'une fois' : n.grantsPerWindow === 2 ? 'deux fois' : `${n.grantsPerWindow} fois`;
  const code = `un code envoyé au titulaire du compte donne à cet appareil ${n.temporaryDays} jours, ${times} tous les ${n.travelWindowDays} jours`;
  return [
    {
      id: 'travelling',
      title: 'Si vous voyagez',
      answer: `Les appareils qui ont lu à la maison au cours des ${n.trustDays} derniers jours continuent de fonctionner où que vous soyez. Sur un appareil qui ne l’a jamais fait — la télé d’un hôtel — choisissez « ${uiText('fr').sendCode} » : ${code}.`,
    },
    {
      id: 'studying-away',
      title: 'Si vous étudiez loin de chez vous',
      answer: `Votre ordinateur portable et votre téléphone continuent de fonctionner ${n.trustDays} jours après leur dernière lecture à la maison, et chaque passage à la maison fait repartir ces jours. Ensuite, ${code}. ${away.fr(n, 'term')}`,
    },
    {
      id: 'posted-abroad',
      title: 'Si vous êtes affecté à l’étranger',
      answer: `Un appareil qui part avec vous continue de fonctionner ${n.trustDays} jours après sa dernière lecture à la maison ; ensuite, ${code}. ${away.fr(n, 'posting')}`,
    },
    {
      id: 'two-homes',
      title: 'Si vous avez deux logements',
      answer: `Le domicile de votre foyer est le réseau de sa télé. ${n.secondHomes > 0 ? `Avec le code du titulaire du compte, la télé de votre autre logement en fait une résidence secondaire : sur cette télé, choisissez « ${uiText('fr').secondHome} » sur cette page, et tous les appareils là-bas sont à la maison.` : 'Une télé dans votre autre logement est hors du foyer : quand ses codes sont épuisés, demandez au titulaire du compte un membre supplémentaire.'} Les téléphones et tablettes qui vont d’un logement à l’autre continuent de fonctionner tant qu’ils lisent dans l’un d’eux au moins tous les ${n.trustDays} jours.`,
    },
    {
      id: 'shared-network-home',
      title: 'Si vous êtes derrière un réseau partagé',
      answer: `Là où de nombreux foyers partagent une même adresse internet — certains fournisseurs, les réseaux mobiles, les résidences étudiantes — un appareil ne compte comme à la maison que sur la même connexion que la télé de votre foyer. Lisez-y quelque chose une fois sur le même Wi-Fi que la télé, peu après que la télé a lu : dès lors il fonctionne aussi hors de chez vous, ${n.trustDays} jours après chaque fois. Un appareil jamais sur ce Wi-Fi (données mobiles seulement, ou une résidence qui donne à chaque appareil sa propre adresse) a besoin d’un code, puis d’un membre supplémentaire.`,
    },
  ];
};

const ANSWERS: Record<Locale, Answers> = { en: ENGLISH, es: SPANISH, pt: PORTUGUESE, fr: FRENCH };
const HEADING: Record<Locale, string> = { en: 'If you are…', es: 'Si tú…', pt: 'Se você…', fr: 'Si vous…' };

/** The answers in `locale` (English by default: the words docs/fairness.md publishes). */
export function ifYouAreAnswers(n: AccessNumbers, locale: Locale = 'en'): IfYouAre[] {
  return ANSWERS[locale](n);
}

/**
 * The help page's section: one short answer each, in the page's language,
 * each folded under its question so a phone or a TV shows five lines until
 * the viewer opens the one that is theirs.
 */
export function ifYouAreSection(n: AccessNumbers, locale: Locale) {
  return html`
<section class="card help-if-you-are" id="if-you-are" aria-labelledby="if-you-are-title">
  <h2 id="if-you-are-title">${HEADING[locale]}</h2>
  ${ifYouAreAnswers(n, locale).map((item) => html`<details id="${item.id}"><summary>${item.title}</summary><p>${item.answer}</p></details>`)}
</section>`;
}
