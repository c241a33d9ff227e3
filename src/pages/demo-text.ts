/**
 * The demo page's words in the four languages the gate speaks (the page
 * follows `Accept-Language` like the help page): its labels, buttons, the
 * "Try a refusal" card and the status lines its script writes. Words the
 * help page already has (send a code, the code field, a refusal's title)
 * come from ui-text.ts, so both pages say the same thing.
 */
import type { Locale } from '../messages/catalog';

type Words = Record<Locale, string>;

const text = {
  title: { en: 'Hearth demo player', es: 'Reproductor de demostración de Hearth', pt: 'Player de demonstração do Hearth', fr: 'Lecteur de démonstration Hearth' },
  intro: {
    en: 'Development only. Pick who is watching, from where, and in which region: the stream plays through the gate, and every request shows its decision. The page is built on the player SDK (packages/player, docs/players.md): each device’s key is made in this browser and never leaves it.',
    es: 'Solo en desarrollo. Elige quién mira, desde dónde y en qué región: el video pasa por el servicio y cada solicitud muestra su decisión. La página usa el SDK del reproductor (packages/player, docs/players.md): la clave de cada dispositivo se crea en este navegador y nunca sale de él.',
    pt: 'Somente em desenvolvimento. Escolha quem assiste, de onde e em qual região: o vídeo passa pelo serviço e cada solicitação mostra sua decisão. A página usa o SDK do player (packages/player, docs/players.md): a chave de cada dispositivo é criada neste navegador e nunca sai dele.',
    fr: 'Développement uniquement. Choisissez qui regarde, d’où et dans quelle région : la vidéo passe par le service et chaque requête affiche sa décision. La page utilise le SDK du lecteur (packages/player, docs/players.md) : la clé de chaque appareil est créée dans ce navigateur et ne le quitte jamais.',
  },
  account: { en: 'Account', es: 'Cuenta', pt: 'Conta', fr: 'Compte' },
  device: { en: 'Device', es: 'Dispositivo', pt: 'Dispositivo', fr: 'Appareil' },
  network: { en: 'Network', es: 'Red', pt: 'Rede', fr: 'Réseau' },
  region: { en: 'Region', es: 'Región', pt: 'Região', fr: 'Région' },
  play: { en: 'Play', es: 'Reproducir', pt: 'Reproduzir', fr: 'Lire' },
  stop: { en: 'Stop', es: 'Detener', pt: 'Parar', fr: 'Arrêter' },
  tvLivingRoom: { en: 'Living-room TV', es: 'TV de la sala', pt: 'TV da sala', fr: 'TV du salon' },
  phoneAna: { en: 'Ana’s phone', es: 'Teléfono de Ana', pt: 'Celular da Ana', fr: 'Téléphone d’Ana' },
  laptopSofia: { en: 'Sofía’s laptop (student)', es: 'Portátil de Sofía (estudiante)', pt: 'Notebook da Sofía (estudante)', fr: 'Ordinateur de Sofía (étudiante)' },
  phoneCousin: { en: 'A cousin’s phone', es: 'Teléfono de un primo', pt: 'Celular de um primo', fr: 'Téléphone d’un cousin' },
  homeWifi: { en: 'Home Wi-Fi', es: 'Wi-Fi de casa', pt: 'Wi-Fi de casa', fr: 'Wi-Fi de la maison' },
  cafe: { en: 'A café across town', es: 'Un café al otro lado de la ciudad', pt: 'Um café do outro lado da cidade', fr: 'Un café à l’autre bout de la ville' },
  hotel: { en: 'A hotel abroad', es: 'Un hotel en el extranjero', pt: 'Um hotel no exterior', fr: 'Un hôtel à l’étranger' },
  tryTitle: { en: 'Try a refusal', es: 'Probar un rechazo', pt: 'Testar uma recusa', fr: 'Essayer un refus' },
  tryText: {
    en: 'Every region starts in monitor mode, which lets every device play. This button sets a development rule, “challenge”, for the region chosen above (as npm run -s ops -- rollout set {region} challenge --note demo would), then a cousin’s phone plays from a café: the gate asks it for a code.',
    es: 'Cada región empieza en modo monitor, que deja reproducir a todos los dispositivos. Este botón fija una regla de desarrollo, “challenge”, para la región elegida arriba (como npm run -s ops -- rollout set {region} challenge --note demo), y luego el teléfono de un primo reproduce desde un café: el servicio le pide un código.',
    pt: 'Toda região começa no modo monitor, que deixa todos os dispositivos reproduzirem. Este botão define uma regra de desenvolvimento, “challenge”, para a região escolhida acima (como npm run -s ops -- rollout set {region} challenge --note demo), e então o celular de um primo reproduz de um café: o serviço pede um código.',
    fr: 'Chaque région commence en mode monitor, qui laisse lire tous les appareils. Ce bouton pose une règle de développement, « challenge », pour la région choisie ci-dessus (comme npm run -s ops -- rollout set {region} challenge --note demo), puis le téléphone d’un cousin lit depuis un café : le service lui demande un code.',
  },
  tryButton: {
    en: 'Try a refusal (development rule)',
    es: 'Probar un rechazo (regla de desarrollo)',
    pt: 'Testar uma recusa (regra de desenvolvimento)',
    fr: 'Essayer un refus (règle de développement)',
  },
  tryUndo: { en: 'Back to monitor', es: 'Volver a monitor', pt: 'Voltar ao monitor', fr: 'Revenir à monitor' },
  tryDone: {
    en: 'Region {region} now challenges devices outside the household (a development rule, in the audit trail as “development demo”).',
    es: 'La región {region} ahora pide un código a los dispositivos fuera del hogar (una regla de desarrollo, en la auditoría como “development demo”).',
    pt: 'A região {region} agora pede um código aos dispositivos fora da residência (uma regra de desenvolvimento, na auditoria como “development demo”).',
    fr: 'La région {region} demande désormais un code aux appareils hors du foyer (une règle de développement, dans le journal d’audit sous « development demo »).',
  },
  tryUndone: {
    en: 'Region {region} is back to monitor: every device plays.',
    es: 'La región {region} volvió a monitor: todos los dispositivos reproducen.',
    pt: 'A região {region} voltou ao monitor: todos os dispositivos reproduzem.',
    fr: 'La région {region} est revenue à monitor : tous les appareils lisent.',
  },
  helpPage: { en: 'Help page', es: 'Página de ayuda', pt: 'Página de ajuda', fr: 'Page d’aide' },
  codeHint: {
    en: 'In development the code is in the npm run dev log.',
    es: 'En desarrollo, el código está en el registro de npm run dev.',
    pt: 'Em desenvolvimento, o código está no log do npm run dev.',
    fr: 'En développement, le code est dans le journal de npm run dev.',
  },
  logTitle: { en: 'Decisions, request by request', es: 'Decisiones, solicitud por solicitud', pt: 'Decisões, solicitação por solicitação', fr: 'Décisions, requête par requête' },
  playing: {
    en: 'Playing as {device} from {network} in {region}, with a key bound to this browser ({key}…).',
    es: 'Reproduciendo como {device} desde {network} en {region}, con una clave vinculada a este navegador ({key}…).',
    pt: 'Reproduzindo como {device} de {network} em {region}, com uma chave vinculada a este navegador ({key}…).',
    fr: 'Lecture en tant que {device} depuis {network} en {region}, avec une clé liée à ce navigateur ({key}…).',
  },
  playingAgain: { en: 'Playing again.', es: 'Reproduciendo de nuevo.', pt: 'Reproduzindo de novo.', fr: 'La lecture reprend.' },
  stopped: { en: 'Stopped.', es: 'Detenido.', pt: 'Parado.', fr: 'Arrêté.' },
  refused: {
    en: 'Playback stopped: the gate refused this device.',
    es: 'Reproducción detenida: el servicio rechazó este dispositivo.',
    pt: 'Reprodução interrompida: o serviço recusou este dispositivo.',
    fr: 'Lecture arrêtée : le service a refusé cet appareil.',
  },
  codeSent: {
    en: 'A code was sent to the account owner (in development: the npm run dev log).',
    es: 'Se envió un código al titular de la cuenta (en desarrollo: el registro de npm run dev).',
    pt: 'Um código foi enviado ao titular da conta (em desenvolvimento: o log do npm run dev).',
    fr: 'Un code a été envoyé au titulaire du compte (en développement : le journal de npm run dev).',
  },
  accessUntil: { en: 'Temporary access until {time}.', es: 'Acceso temporal hasta {time}.', pt: 'Acesso temporário até {time}.', fr: 'Accès temporaire jusqu’à {time}.' },
  signInFailed: {
    en: 'Could not sign in the device: {detail}',
    es: 'No se pudo iniciar sesión en el dispositivo: {detail}',
    pt: 'Não foi possível conectar o dispositivo: {detail}',
    fr: 'Impossible de connecter l’appareil : {detail}',
  },
  noHls: {
    en: 'This browser cannot play HLS through Media Source Extensions.',
    es: 'Este navegador no puede reproducir HLS con Media Source Extensions.',
    pt: 'Este navegador não consegue reproduzir HLS com Media Source Extensions.',
    fr: 'Ce navigateur ne peut pas lire le HLS avec Media Source Extensions.',
  },
  playbackError: { en: 'Playback error: {details}', es: 'Error de reproducción: {details}', pt: 'Erro de reprodução: {details}', fr: 'Erreur de lecture : {details}' },
} satisfies Record<string, Words>;

export type DemoTextKey = keyof typeof text;

/** The demo's words in one language. */
export function demoText(locale: Locale): Record<DemoTextKey, string> {
  return Object.fromEntries(Object.entries(text).map(([key, value]) => [key, value[locale]])) as Record<DemoTextKey, string>;
}
