/**
 * The one catalog of reasons: for each stable reason code, the HTTP status it
 * answers with when it refuses, a title for problem details, the message a
 * person reads (en, es, pt, fr) and the actions they can take next.
 *
 * The player, the help page and the support tool all read from here, so the
 * same reason always says the same thing — in Lima, Santiago, San José or
 * Montréal alike. `explainReason()` is the one way to turn a reason into what a
 * person reads and can do: an action is offered only to a device that can
 * take it, and an answer that allows offers nothing (asking for a code
 * would answer `409 NOT_REQUIRED`).
 */
import type { DeviceType } from '../vocabulary';

/**
 * The languages messages are written in. `pt` is Brazilian Portuguese: Latin
 * America is where household rules began, and every `pt-*` tag is answered
 * in it.
 */
export const LOCALES = ['en', 'es', 'pt', 'fr'] as const;
export type Locale = (typeof LOCALES)[number];

/** The BCP 47 tag each locale is written in: `Content-Language`, `<html lang>` and date formatting. */
export const LANGUAGE_TAGS: Record<Locale, string> = { en: 'en', es: 'es', pt: 'pt-BR', fr: 'fr' };

export type ActionId = 'verify' | 'extra-member' | 'primary-location' | 'decision' | 'help' | 'status' | 'feedback';

export interface Action {
  id: ActionId;
  method: 'GET' | 'POST';
  href: string;
}

export const ACTIONS: Record<ActionId, Action> = {
  verify: { id: 'verify', method: 'POST', href: '/gate/v1/challenges' },
  'extra-member': { id: 'extra-member', method: 'GET', href: '/gate/help#extra-member' },
  'primary-location': { id: 'primary-location', method: 'POST', href: '/gate/v1/household/primary-location' },
  // A new decision, and with an allow a new playback session (contract §2.1).
  decision: { id: 'decision', method: 'GET', href: '/gate/v1/decision' },
  help: { id: 'help', method: 'GET', href: '/gate/help' },
  // The region's status page (contract §8): what the gate does there, and what changes when. Every refusal carries it.
  status: { id: 'status', method: 'GET', href: '/gate/status' },
  // Contract §8: a refused viewer says why they are where they are (the question's words: GET of the same path).
  feedback: { id: 'feedback', method: 'POST', href: '/gate/v1/feedback' },
};

/**
 * Where a person's actions lead (contract §5): the origin the request came
 * to — every `href` is absolute there, so a player on another origin can
 * follow it — and the region of the decision, whose status page the
 * `status` action opens (none: the page picks the viewer's own).
 */
export interface ActionLinks {
  origin: string;
  region?: string | null;
}

/** The status page of `region` (none: the viewer's own), as a path. */
export function statusPath(region?: string | null): string {
  return region ? `${ACTIONS.status.href}?${new URLSearchParams({ region })}` : ACTIONS.status.href;
}

/** `actions` as a person follows them: each `href` absolute on `links.origin`, the status page of `links.region`. */
export function linkedActions(actions: readonly Action[], links: ActionLinks): Action[] {
  return actions.map((action) => ({ ...action, href: new URL(action.id === 'status' ? statusPath(links.region) : action.href, links.origin).href }));
}

/**
 * The device types that can take an action; an action not listed here is
 * open to every device. `POST /gate/v1/household/primary-location` answers
 * any other device `403 DEVICE_TYPE_NOT_ALLOWED`, so only a TV is offered it.
 */
export const ACTION_DEVICE_TYPES: Partial<Record<ActionId, readonly DeviceType[]>> = {
  'primary-location': ['tv'],
};

interface ReasonEntry {
  status: number;
  title: string;
  message: Record<Locale, string>;
  /**
   * For the reasons a `monitor` answer allows (contract §4: the reason says
   * what `enforce` would have done): what the person reads then. It offers
   * nothing, because nothing is asked of them and no code can be sent.
   */
  allowedMessage?: Record<Locale, string>;
  actions: ActionId[];
}

const entries = {
  // Decisions that allow.
  ENFORCEMENT_OFF: {
    status: 200,
    title: 'Household check not active',
    message: {
      en: 'Enjoy your show. Household checks are not active in your region.',
      es: 'Disfruta tu programa. La verificación de hogar no está activa en tu región.',
      pt: 'Aproveite seu programa. A verificação de casa não está ativa na sua região.',
      fr: 'Bon visionnage. La vérification du foyer n’est pas active dans votre région.',
    },
    actions: [],
  },
  HOUSEHOLD_ESTABLISHED: {
    status: 200,
    title: 'Household set up',
    message: {
      en: 'This TV has set your home network as your household. Devices that watch here will be recognised.',
      es: 'Este televisor ha definido tu red como tu hogar. Los dispositivos que vean aquí serán reconocidos.',
      pt: 'Esta TV definiu sua rede como a sua casa. Os dispositivos que assistirem aqui serão reconhecidos.',
      fr: 'Ce téléviseur a défini votre réseau comme votre foyer. Les appareils qui regardent ici seront reconnus.',
    },
    actions: ['help'],
  },
  HOUSEHOLD_NOT_SET: {
    status: 200,
    title: 'Household not set up yet',
    message: {
      en: 'Enjoy your show. Your household is set up the first time you watch on a TV at home.',
      es: 'Disfruta tu programa. Tu hogar se define la primera vez que ves contenido en un televisor en casa.',
      pt: 'Aproveite seu programa. Sua casa é definida na primeira vez que você assistir em uma TV em casa.',
      fr: 'Bon visionnage. Votre foyer est défini la première fois que vous regardez sur un téléviseur à la maison.',
    },
    actions: ['help'],
  },
  IN_HOUSEHOLD: {
    status: 200,
    title: 'At home',
    message: {
      en: 'Enjoy your show. You are watching at home.',
      es: 'Disfruta tu programa. Estás viendo en casa.',
      pt: 'Aproveite seu programa. Você está assistindo em casa.',
      fr: 'Bon visionnage. Vous regardez à la maison.',
    },
    actions: [],
  },
  TRUSTED_DEVICE: {
    status: 200,
    title: 'Trusted device',
    message: {
      en: 'Enjoy your show. This device was recently used at home, so it works while you are away.',
      es: 'Disfruta tu programa. Este dispositivo se usó en casa hace poco, así que funciona fuera de ella.',
      pt: 'Aproveite seu programa. Este dispositivo foi usado em casa recentemente, por isso funciona fora dela.',
      fr: 'Bon visionnage. Cet appareil a été utilisé à la maison récemment : il fonctionne donc en déplacement.',
    },
    actions: [],
  },
  TEMPORARY_ACCESS: {
    status: 200,
    title: 'Temporary access',
    message: {
      en: 'Enjoy your show. This device has temporary access while you are away from home.',
      es: 'Disfruta tu programa. Este dispositivo tiene acceso temporal mientras estás fuera de casa.',
      pt: 'Aproveite seu programa. Este dispositivo tem acesso temporário enquanto você está fora de casa.',
      fr: 'Bon visionnage. Cet appareil dispose d’un accès temporaire pendant que vous êtes loin de chez vous.',
    },
    actions: [],
  },
  EXTRA_MEMBER: {
    status: 200,
    title: 'Extra member',
    message: {
      en: 'Enjoy your show. This device is an extra member of the account.',
      es: 'Disfruta tu programa. Este dispositivo es un miembro extra de la cuenta.',
      pt: 'Aproveite seu programa. Este dispositivo é um membro extra da conta.',
      fr: 'Bon visionnage. Cet appareil est un membre supplémentaire du compte.',
    },
    actions: [],
  },
  SUPPORT_GRANT: {
    status: 200,
    title: 'Access granted by support',
    message: {
      en: 'Enjoy your show. Our support team has granted this account access for a limited time.',
      es: 'Disfruta tu programa. Nuestro equipo de soporte ha concedido acceso a esta cuenta por un tiempo limitado.',
      pt: 'Aproveite seu programa. Nossa equipe de suporte liberou o acesso desta conta por tempo limitado.',
      fr: 'Bon visionnage. Notre équipe d’assistance a accordé un accès à ce compte pour une durée limitée.',
    },
    actions: [],
  },
  AWAY_ACCESS: {
    status: 200,
    title: 'Away access from the account owner',
    message: {
      en: 'Enjoy your show. The account owner gave this device access away from home for a while (a posting, a term or a long stay); it ends on its own.',
      es: 'Disfruta tu programa. El titular de la cuenta dio a este dispositivo acceso fuera de casa por un tiempo (un destino, un semestre o una estadía larga); termina por sí solo.',
      pt: 'Aproveite seu programa. O titular da conta deu a este dispositivo acesso fora de casa por um tempo (uma missão, um semestre ou uma estadia longa); ele termina sozinho.',
      fr: 'Bon visionnage. Le titulaire du compte a donné à cet appareil un accès hors du foyer pour un temps (une affectation, un semestre ou un long séjour) ; il prend fin de lui-même.',
    },
    actions: [],
  },

  // Decisions that challenge or deny.
  OUTSIDE_HOUSEHOLD: {
    status: 403,
    title: 'Outside the household',
    message: {
      en: 'This device isn’t part of your household. If you’re travelling, we can send a code to the account owner to give this device temporary access.',
      es: 'Este dispositivo no forma parte de tu hogar. Si estás de viaje, podemos enviar un código al titular de la cuenta para dar acceso temporal a este dispositivo.',
      pt: 'Este dispositivo não faz parte da sua casa. Se você estiver viajando, podemos enviar um código ao titular da conta para liberar acesso temporário a este dispositivo.',
      fr: 'Cet appareil ne fait pas partie de votre foyer. Si vous êtes en voyage, nous pouvons envoyer un code au titulaire du compte pour donner un accès temporaire à cet appareil.',
    },
    allowedMessage: {
      en: 'Enjoy your show. This device is away from your household, but household checks are not applied to you yet, so there is nothing to do.',
      es: 'Disfruta tu programa. Este dispositivo está fuera de tu hogar, pero la verificación de hogar aún no se te aplica, así que no tienes que hacer nada.',
      pt: 'Aproveite seu programa. Este dispositivo está fora da sua casa, mas a verificação de casa ainda não se aplica a você, então não é preciso fazer nada.',
      fr: 'Bon visionnage. Cet appareil est hors de votre foyer, mais la vérification du foyer ne vous est pas encore appliquée : vous n’avez rien à faire.',
    },
    actions: ['verify', 'extra-member', 'primary-location', 'help', 'feedback'],
  },
  TRAVEL_LIMIT_REACHED: {
    status: 403,
    title: 'Travel access used up',
    message: {
      en: 'This device has used all of its temporary access for now. Watch at home, ask the account owner to add an extra member, or contact us for help.',
      es: 'Este dispositivo ya usó todo su acceso temporal por ahora. Mira en casa, pide al titular de la cuenta que agregue un miembro extra o contáctanos para recibir ayuda.',
      pt: 'Este dispositivo já usou todo o acesso temporário disponível por enquanto. Assista em casa, peça ao titular da conta para adicionar um membro extra ou fale com a gente para receber ajuda.',
      fr: 'Cet appareil a utilisé tout son accès temporaire pour le moment. Regardez à la maison, demandez au titulaire du compte d’ajouter un membre supplémentaire ou contactez-nous.',
    },
    allowedMessage: {
      en: 'Enjoy your show. This device is away from your household and has used its temporary access, but household checks are not applied to you yet, so there is nothing to do.',
      es: 'Disfruta tu programa. Este dispositivo está fuera de tu hogar y ya usó su acceso temporal, pero la verificación de hogar aún no se te aplica, así que no tienes que hacer nada.',
      pt: 'Aproveite seu programa. Este dispositivo está fora da sua casa e já usou seu acesso temporário, mas a verificação de casa ainda não se aplica a você, então não é preciso fazer nada.',
      fr: 'Bon visionnage. Cet appareil est hors de votre foyer et a utilisé son accès temporaire, mais la vérification du foyer ne vous est pas encore appliquée : vous n’avez rien à faire.',
    },
    actions: ['extra-member', 'primary-location', 'help', 'feedback'],
  },
  DEVICE_REVOKED: {
    status: 401,
    title: 'Device signed out',
    message: {
      en: 'This device was signed out of the account. Sign in again to keep watching.',
      es: 'Se cerró la sesión de este dispositivo en la cuenta. Vuelve a iniciar sesión para seguir viendo.',
      pt: 'Este dispositivo foi desconectado da conta. Entre novamente para continuar assistindo.',
      fr: 'Cet appareil a été déconnecté du compte. Reconnectez-vous pour continuer à regarder.',
    },
    actions: ['help'],
  },
  DEVICE_PROOF_REQUIRED: {
    status: 401,
    title: 'Device proof required',
    message: {
      en: 'This device could not prove it is the device it signed in as. Sign in again on this device to keep watching.',
      es: 'Este dispositivo no pudo demostrar que es el dispositivo con el que se inició sesión. Vuelve a iniciar sesión en este dispositivo para seguir viendo.',
      pt: 'Este dispositivo não conseguiu comprovar que é o mesmo dispositivo que entrou na conta. Entre novamente neste dispositivo para continuar assistindo.',
      fr: 'Cet appareil n’a pas pu prouver qu’il est l’appareil connecté. Reconnectez-vous sur cet appareil pour continuer à regarder.',
    },
    actions: ['help'],
  },
  STATE_UNAVAILABLE: {
    status: 503,
    title: 'Household check unavailable',
    message: {
      en: 'We can’t check your household right now. Please try again in a moment.',
      es: 'No podemos verificar tu hogar en este momento. Vuelve a intentarlo en un momento.',
      pt: 'Não conseguimos verificar sua casa agora. Tente novamente em instantes.',
      fr: 'Nous ne pouvons pas vérifier votre foyer pour le moment. Réessayez dans un instant.',
    },
    // The region's rule fails open: the person plays, and is told so rather than asked to retry.
    allowedMessage: {
      en: 'Enjoy your show. We can’t check your household right now, so this device can play meanwhile.',
      es: 'Disfruta tu programa. No podemos verificar tu hogar en este momento, así que este dispositivo puede reproducir mientras tanto.',
      pt: 'Aproveite seu programa. Não conseguimos verificar sua casa agora, então este dispositivo pode reproduzir enquanto isso.',
      fr: 'Bon visionnage. Nous ne pouvons pas vérifier votre foyer pour le moment : cet appareil peut donc lire en attendant.',
    },
    actions: ['help'],
  },

  // Tokens.
  TOKEN_MISSING: {
    status: 401,
    title: 'Sign-in required',
    message: {
      en: 'Please sign in on this device to watch.',
      es: 'Inicia sesión en este dispositivo para ver contenido.',
      pt: 'Entre na sua conta neste dispositivo para assistir.',
      fr: 'Connectez-vous sur cet appareil pour regarder.',
    },
    actions: ['help'],
  },
  TOKEN_INVALID: {
    status: 401,
    title: 'Sign-in not recognised',
    message: {
      en: 'We couldn’t confirm this device’s sign-in. Please sign in again.',
      es: 'No pudimos confirmar el inicio de sesión de este dispositivo. Vuelve a iniciar sesión.',
      pt: 'Não conseguimos confirmar o login deste dispositivo. Entre novamente.',
      fr: 'Nous n’avons pas pu confirmer la connexion de cet appareil. Reconnectez-vous.',
    },
    actions: ['help'],
  },
  TOKEN_EXPIRED: {
    status: 401,
    title: 'Sign-in expired',
    message: {
      en: 'Your sign-in on this device has expired. Please sign in again.',
      es: 'Tu sesión en este dispositivo ha caducado. Vuelve a iniciar sesión.',
      pt: 'Seu login neste dispositivo expirou. Entre novamente.',
      fr: 'Votre connexion sur cet appareil a expiré. Reconnectez-vous.',
    },
    actions: ['help'],
  },

  // Playback sessions (contract §2.1).
  SESSION_REQUIRED: {
    status: 401,
    title: 'Playback session required',
    message: {
      en: 'This device needs a playback session to watch. The app gets one by itself; if this keeps happening, restart playback.',
      es: 'Este dispositivo necesita una sesión de reproducción para ver contenido. La aplicación la obtiene sola; si esto sigue pasando, vuelve a iniciar la reproducción.',
      pt: 'Este dispositivo precisa de uma sessão de reprodução para assistir. O aplicativo consegue uma sozinho; se isso continuar acontecendo, reinicie a reprodução.',
      fr: 'Cet appareil a besoin d’une session de lecture pour regarder. L’application l’obtient d’elle-même ; si cela continue, relancez la lecture.',
    },
    actions: ['decision', 'help'],
  },
  SESSION_INVALID: {
    status: 401,
    title: 'Playback session not valid',
    message: {
      en: 'Your playback session has ended or belongs to another network. The app starts a new one by itself; if this keeps happening, restart playback.',
      es: 'Tu sesión de reproducción terminó o pertenece a otra red. La aplicación inicia una nueva sola; si esto sigue pasando, vuelve a iniciar la reproducción.',
      pt: 'Sua sessão de reprodução terminou ou pertence a outra rede. O aplicativo inicia uma nova sozinho; se isso continuar acontecendo, reinicie a reprodução.',
      fr: 'Votre session de lecture a pris fin ou appartient à un autre réseau. L’application en démarre une nouvelle d’elle-même ; si cela continue, relancez la lecture.',
    },
    actions: ['decision', 'help'],
  },

  // Getting back in (device API).
  NOT_REQUIRED: {
    status: 409,
    title: 'No verification needed',
    message: {
      en: 'This device can already watch; no code is needed.',
      es: 'Este dispositivo ya puede ver contenido; no se necesita ningún código.',
      pt: 'Este dispositivo já pode assistir; nenhum código é necessário.',
      fr: 'Cet appareil peut déjà regarder ; aucun code n’est nécessaire.',
    },
    actions: [],
  },
  CHALLENGE_RATE_LIMITED: {
    status: 429,
    title: 'Too many codes requested',
    message: {
      en: 'Too many codes were requested for this device or account. Please wait a while before asking for another.',
      es: 'Se pidieron demasiados códigos para este dispositivo o cuenta. Espera un poco antes de pedir otro.',
      pt: 'Foram pedidos códigos demais para este dispositivo ou esta conta. Espere um pouco antes de pedir outro.',
      fr: 'Trop de codes ont été demandés pour cet appareil ou ce compte. Patientez un peu avant d’en demander un autre.',
    },
    actions: ['help'],
  },
  NOT_REFUSED: {
    status: 409,
    title: 'Not refused',
    message: {
      en: 'This device was not stopped here in the last day, so there is nothing to tell us about. If it is stopped, the question appears then.',
      es: 'Este dispositivo no fue detenido aquí en el último día, así que no hay nada que contarnos. Si se detiene, la pregunta aparecerá entonces.',
      pt: 'Este dispositivo não foi bloqueado aqui no último dia, então não há nada a nos contar. Se ele for bloqueado, a pergunta aparecerá nesse momento.',
      fr: 'Cet appareil n’a pas été arrêté ici depuis un jour, il n’y a donc rien à nous dire. S’il l’est, la question apparaîtra à ce moment-là.',
    },
    actions: [],
  },
  FEEDBACK_RATE_LIMITED: {
    status: 429,
    title: 'Answer already given',
    message: {
      en: 'This device already answered 3 times today; your answers were counted. You can answer again tomorrow, or contact support.',
      es: 'Este dispositivo ya respondió 3 veces hoy; tus respuestas quedaron registradas. Puedes volver a responder mañana o contactar a soporte.',
      pt: 'Este dispositivo já respondeu 3 vezes hoje; suas respostas foram registradas. Você pode responder de novo amanhã ou falar com o suporte.',
      fr: 'Cet appareil a déjà répondu 3 fois aujourd’hui ; vos réponses sont prises en compte. Vous pourrez répondre de nouveau demain, ou contacter l’assistance.',
    },
    actions: ['help'],
  },
  RATE_LIMITED: {
    status: 429,
    title: 'Too many requests',
    message: {
      en: 'Too many requests came from this device, this network or for this account in a short time, so this one was not checked. Wait a minute and try again; if it keeps happening, sign in again on this device or contact us.',
      es: 'Llegaron demasiadas solicitudes desde este dispositivo, esta red o para esta cuenta en poco tiempo, así que esta no se verificó. Espera un minuto y vuelve a intentarlo; si sigue pasando, vuelve a iniciar sesión en este dispositivo o contáctanos.',
      pt: 'Chegaram solicitações demais deste dispositivo, desta rede ou para esta conta em pouco tempo, por isso esta não foi verificada. Espere um minuto e tente novamente; se continuar acontecendo, entre novamente neste dispositivo ou fale com a gente.',
      fr: 'Trop de requêtes sont arrivées de cet appareil, de ce réseau ou pour ce compte en peu de temps : celle-ci n’a donc pas été vérifiée. Attendez une minute et réessayez ; si cela continue, reconnectez-vous sur cet appareil ou contactez-nous.',
    },
    actions: ['help'],
  },
  NOTIFY_FAILED: {
    status: 502,
    title: 'Code could not be sent',
    message: {
      en: 'We couldn’t send the code just now. Nothing was used up; please try again.',
      es: 'No pudimos enviar el código en este momento. No se consumió nada; vuelve a intentarlo.',
      pt: 'Não conseguimos enviar o código agora. Nada foi gasto; tente novamente.',
      fr: 'Nous n’avons pas pu envoyer le code pour l’instant. Rien n’a été décompté ; réessayez.',
    },
    actions: ['verify', 'help'],
  },
  CODE_INVALID: {
    status: 403,
    title: 'Wrong code',
    message: {
      en: 'That code isn’t right. Check the code sent to the account owner and try again.',
      es: 'Ese código no es correcto. Revisa el código enviado al titular de la cuenta e inténtalo de nuevo.',
      pt: 'Esse código não está correto. Confira o código enviado ao titular da conta e tente novamente.',
      fr: 'Ce code n’est pas le bon. Vérifiez le code envoyé au titulaire du compte et réessayez.',
    },
    actions: ['help'],
  },
  CHALLENGE_LOCKED: {
    status: 429,
    title: 'Too many wrong codes',
    message: {
      en: 'Too many wrong codes were entered. Ask for a new code to try again.',
      es: 'Se ingresaron demasiados códigos incorrectos. Pide un código nuevo para volver a intentarlo.',
      pt: 'Foram digitados códigos errados demais. Peça um novo código para tentar novamente.',
      fr: 'Trop de codes erronés ont été saisis. Demandez un nouveau code pour réessayer.',
    },
    actions: ['verify', 'help'],
  },
  CHALLENGE_NOT_FOUND: {
    status: 404,
    title: 'No such code request',
    message: {
      en: 'We couldn’t find that code request for this device. Ask for a new code.',
      es: 'No encontramos esa solicitud de código para este dispositivo. Pide un código nuevo.',
      pt: 'Não encontramos essa solicitação de código para este dispositivo. Peça um novo código.',
      fr: 'Nous ne trouvons pas cette demande de code pour cet appareil. Demandez un nouveau code.',
    },
    actions: ['verify', 'help'],
  },
  CHALLENGE_EXPIRED: {
    status: 410,
    title: 'Code expired',
    message: {
      en: 'This code has expired. Ask for a new one.',
      es: 'Este código ha caducado. Pide uno nuevo.',
      pt: 'Este código expirou. Peça um novo.',
      fr: 'Ce code a expiré. Demandez-en un nouveau.',
    },
    actions: ['verify', 'help'],
  },
  CODE_ALREADY_USED: {
    status: 410,
    title: 'Code already used',
    message: {
      en: 'This code was already used. Ask for a new one if you need it.',
      es: 'Este código ya se usó. Pide uno nuevo si lo necesitas.',
      pt: 'Este código já foi usado. Peça um novo se precisar.',
      fr: 'Ce code a déjà été utilisé. Demandez-en un nouveau si besoin.',
    },
    actions: ['verify', 'help'],
  },
  DEVICE_NOT_FOUND: {
    status: 404,
    title: 'No such device',
    message: {
      en: 'This account has no device with that id.',
      es: 'Esta cuenta no tiene ningún dispositivo con ese identificador.',
      pt: 'Esta conta não tem nenhum dispositivo com esse identificador.',
      fr: 'Ce compte n’a aucun appareil avec cet identifiant.',
    },
    actions: ['help'],
  },
  NETWORK_UNKNOWN: {
    status: 400,
    title: 'Network not recognised',
    message: {
      en: 'We couldn’t tell which network this device is on, so it can’t become the primary location. Try again from your home Wi-Fi.',
      es: 'No pudimos identificar la red de este dispositivo, así que no puede ser la ubicación principal. Vuelve a intentarlo desde el Wi-Fi de tu casa.',
      pt: 'Não conseguimos identificar a rede deste dispositivo, então ela não pode virar a localização principal. Tente novamente pelo Wi-Fi da sua casa.',
      fr: 'Nous n’avons pas pu identifier le réseau de cet appareil : il ne peut donc pas devenir le lieu principal. Réessayez depuis le Wi-Fi de votre domicile.',
    },
    actions: ['help'],
  },
  DEVICE_TYPE_NOT_ALLOWED: {
    status: 403,
    title: 'Only a TV can do this',
    message: {
      en: 'The primary location can only be set from a TV at home.',
      es: 'La ubicación principal solo se puede definir desde un televisor en casa.',
      pt: 'A localização principal só pode ser definida por uma TV em casa.',
      fr: 'Le lieu principal ne peut être défini que depuis un téléviseur à la maison.',
    },
    actions: ['help'],
  },
  VERIFICATION_REQUIRED: {
    status: 403,
    title: "Account owner's code required",
    message: {
      en: 'This change needs a code sent to the account owner: moving your household, or signing out another device when you are not at home. Ask for a code on this device, then enter it.',
      es: 'Este cambio necesita un código enviado al titular de la cuenta: mover tu hogar, o cerrar la sesión de otro dispositivo cuando no estás en casa. Pide un código en este dispositivo y luego ingrésalo.',
      pt: 'Esta mudança precisa de um código enviado ao titular da conta: mudar sua casa de lugar, ou desconectar outro dispositivo quando você não está em casa. Peça um código neste dispositivo e depois digite-o.',
      fr: 'Cette modification nécessite un code envoyé au titulaire du compte : déplacer votre foyer, ou déconnecter un autre appareil quand vous n’êtes pas à la maison. Demandez un code sur cet appareil, puis saisissez-le.',
    },
    actions: ['verify', 'help'],
  },
  BIND_AT_HOME: {
    status: 403,
    title: 'Connect this device at home first',
    message: {
      en: 'This device now uses a new security key, and it can take over its place in your household only at home. Open the app on it once at home. If it is a different device, ask the account owner to sign the old one out.',
      es: 'Este dispositivo usa ahora una nueva clave de seguridad y solo puede recuperar su lugar en tu hogar estando en casa. Abre la aplicación en él una vez en casa. Si es otro dispositivo, pide al titular de la cuenta que cierre la sesión del anterior.',
      pt: 'Este dispositivo agora usa uma nova chave de segurança e só pode retomar seu lugar na sua casa estando em casa. Abra o aplicativo nele uma vez em casa. Se for outro dispositivo, peça ao titular da conta que desconecte o antigo.',
      fr: 'Cet appareil utilise désormais une nouvelle clé de sécurité et ne peut reprendre sa place dans votre foyer qu’à la maison. Ouvrez l’application dessus une fois à la maison. S’il s’agit d’un autre appareil, demandez au titulaire du compte de déconnecter l’ancien.',
    },
    actions: ['help'],
  },
  AWAY_ACCESS_LIMIT: {
    status: 403,
    title: 'Away access used up for the year',
    message: {
      en: 'This account has given away access as many times as a year allows. Ask the account owner to add this device as an extra member, or contact us.',
      es: 'Esta cuenta ya dio acceso fuera de casa tantas veces como permite un año. Pide al titular de la cuenta que agregue este dispositivo como miembro adicional, o contáctanos.',
      pt: 'Esta conta já deu acesso fora de casa tantas vezes quanto um ano permite. Peça ao titular da conta que adicione este dispositivo como membro extra, ou fale com a gente.',
      fr: 'Ce compte a déjà donné un accès hors du foyer autant de fois qu’une année le permet. Demandez au titulaire du compte d’ajouter cet appareil comme membre supplémentaire, ou contactez-nous.',
    },
    actions: ['extra-member', 'help'],
  },
  ALREADY_HOME: {
    status: 409,
    title: 'Already a home of the household',
    message: {
      en: 'This network is already one of your household’s homes: nothing to change. Devices here play as at home.',
      es: 'Esta red ya es uno de los hogares de tu cuenta: no hay nada que cambiar. Los dispositivos aquí se reproducen como en casa.',
      pt: 'Esta rede já é uma das casas da sua conta: não há nada a mudar. Os dispositivos aqui funcionam como em casa.',
      fr: 'Ce réseau est déjà l’un des foyers de votre compte : rien à changer. Les appareils ici jouent comme à la maison.',
    },
    actions: ['help'],
  },
  AWAY_ACCESS_NOT_FOUND: {
    status: 404,
    title: 'No away access to end',
    message: {
      en: 'This device holds no away access now: there is nothing to end.',
      es: 'Este dispositivo no tiene acceso fuera de casa ahora: no hay nada que terminar.',
      pt: 'Este dispositivo não tem acesso fora de casa agora: não há nada a encerrar.',
      fr: 'Cet appareil n’a pas d’accès hors du foyer en ce moment : rien à arrêter.',
    },
    actions: [],
  },
  SECOND_HOME_NOT_FOUND: {
    status: 404,
    title: 'No second home to remove',
    message: {
      en: 'Your household has no second home kept by this TV. Remove a second home from the TV that keeps it.',
      es: 'Tu hogar no tiene un segundo hogar que mantenga este televisor. Quita el segundo hogar desde el televisor que lo mantiene.',
      pt: 'Sua casa não tem uma segunda casa mantida por esta TV. Remova a segunda casa pela TV que a mantém.',
      fr: 'Votre foyer n’a pas de résidence secondaire tenue par ce téléviseur. Retirez-la depuis le téléviseur qui la tient.',
    },
    actions: ['help'],
  },
  SECOND_HOME_LIMIT: {
    status: 429,
    title: 'Second homes changed too often',
    message: {
      en: 'Your household already has as many second homes as it may, or one was set or removed in the last 90 days. Try again later (see Retry-After), or contact us.',
      es: 'Tu hogar ya tiene tantos segundos hogares como puede, o se definió o quitó uno en los últimos 90 días. Vuelve a intentarlo más tarde (ver Retry-After) o contáctanos.',
      pt: 'Sua casa já tem tantas segundas casas quanto pode, ou uma foi definida ou removida nos últimos 90 dias. Tente mais tarde (veja Retry-After) ou fale com a gente.',
      fr: 'Votre foyer a déjà autant de résidences secondaires qu’il le peut, ou l’une a été définie ou retirée ces 90 derniers jours. Réessayez plus tard (voir Retry-After) ou contactez-nous.',
    },
    actions: ['help'],
  },
  PRIMARY_LOCATION_CHANGE_LIMIT: {
    status: 429,
    title: 'Primary location changed too often',
    message: {
      en: 'The primary location has been changed too many times recently. Please contact us if you need help.',
      es: 'La ubicación principal se cambió demasiadas veces recientemente. Contáctanos si necesitas ayuda.',
      pt: 'A localização principal foi alterada vezes demais recentemente. Fale com a gente se precisar de ajuda.',
      fr: 'Le lieu principal a été modifié trop souvent récemment. Contactez-nous si vous avez besoin d’aide.',
    },
    actions: ['help'],
  },

  // Ops plane and generic refusals.
  SCOPE_REQUIRED: {
    status: 403,
    title: 'Permission missing',
    message: {
      en: 'Your admin token does not carry the permission this action needs.',
      es: 'Tu token de administración no incluye el permiso que requiere esta acción.',
      pt: 'Seu token de administração não inclui a permissão que esta ação exige.',
      fr: 'Votre jeton d’administration ne porte pas l’autorisation requise pour cette action.',
    },
    actions: [],
  },
  SLOTS_EXHAUSTED: {
    status: 409,
    title: 'No extra-member slot left',
    message: {
      en: 'All extra-member slots of this account are in use.',
      es: 'Todas las plazas de miembro extra de esta cuenta están en uso.',
      pt: 'Todas as vagas de membro extra desta conta estão em uso.',
      fr: 'Toutes les places de membre supplémentaire de ce compte sont utilisées.',
    },
    actions: [],
  },
  RULE_NOT_FOUND: {
    status: 404,
    title: 'No rule for that region',
    message: {
      en: 'The rollout has no rule for that region; it already falls back to *.',
      es: 'El despliegue no tiene una regla para esa región; ya usa la regla *.',
      pt: 'A implantação não tem regra para essa região; ela já segue a regra *.',
      fr: 'Le déploiement n’a pas de règle pour cette région ; elle suit déjà la règle *.',
    },
    actions: [],
  },
  ACCOUNT_NOT_FOUND: {
    status: 404,
    title: 'No such account',
    message: {
      en: 'Hearth holds nothing about this account: it has not streamed through the gate yet, or it was erased.',
      es: 'Hearth no guarda nada sobre esta cuenta: aún no ha reproducido contenido a través del servicio, o fue borrada.',
      pt: 'O Hearth não guarda nada sobre esta conta: ela ainda não assistiu nada pelo serviço, ou foi apagada.',
      fr: 'Hearth ne conserve rien sur ce compte : il n’a encore rien regardé via le service, ou il a été effacé.',
    },
    actions: [],
  },
  GRANT_NOT_FOUND: {
    status: 404,
    title: 'No such grant',
    message: {
      en: 'This account has no support grant with that id.',
      es: 'Esta cuenta no tiene ninguna concesión de soporte con ese identificador.',
      pt: 'Esta conta não tem nenhuma liberação de suporte com esse identificador.',
      fr: 'Ce compte n’a aucune autorisation d’assistance avec cet identifiant.',
    },
    actions: [],
  },
  EXTRA_MEMBER_NOT_FOUND: {
    status: 404,
    title: 'Not an extra member',
    message: {
      en: 'That device does not hold an extra-member slot on this account.',
      es: 'Ese dispositivo no ocupa una plaza de miembro extra en esta cuenta.',
      pt: 'Esse dispositivo não ocupa uma vaga de membro extra nesta conta.',
      fr: 'Cet appareil n’occupe pas de place de membre supplémentaire sur ce compte.',
    },
    actions: [],
  },
  CHANGE_NOT_FOUND: {
    status: 404,
    title: 'No such rollout change',
    message: {
      en: 'No rollout change with that id is waiting for approval: it was approved, rejected or never asked. List the waiting changes and pick one from there.',
      es: 'Ningún cambio de despliegue con ese identificador espera aprobación: se aprobó, se rechazó o nunca se pidió. Consulta la lista de cambios pendientes y elige uno de ahí.',
      pt: 'Nenhuma mudança de implantação com esse identificador aguarda aprovação: ela foi aprovada, rejeitada ou nunca pedida. Consulte a lista de mudanças pendentes e escolha uma dali.',
      fr: 'Aucun changement de déploiement avec cet identifiant n’attend d’approbation : il a été approuvé, rejeté ou jamais demandé. Consultez la liste des changements en attente et choisissez-en un.',
    },
    actions: [],
  },
  CHANGE_EXPIRED: {
    status: 410,
    title: 'Rollout change expired',
    message: {
      en: 'Nobody approved this rollout change within 7 days, so it was dropped. If it is still wanted, ask for it again.',
      es: 'Nadie aprobó este cambio de despliegue en 7 días, así que se descartó. Si todavía hace falta, pídelo de nuevo.',
      pt: 'Ninguém aprovou esta mudança de implantação em 7 dias, então ela foi descartada. Se ainda for necessária, peça de novo.',
      fr: 'Personne n’a approuvé ce changement de déploiement en 7 jours : il a été abandonné. S’il est toujours souhaité, demandez-le à nouveau.',
    },
    actions: [],
  },
  SELF_APPROVAL: {
    status: 403,
    title: 'A second person must approve',
    message: {
      en: 'You asked for this stricter rollout change, so you cannot approve it: another person with the rollout:approve scope must.',
      es: 'Tú pediste este cambio de despliegue más estricto, así que no puedes aprobarlo: debe hacerlo otra persona con el permiso rollout:approve.',
      pt: 'Você pediu esta mudança de implantação mais rígida, então não pode aprová-la: outra pessoa com a permissão rollout:approve precisa fazê-lo.',
      fr: 'Vous avez demandé ce changement de déploiement plus strict, vous ne pouvez donc pas l’approuver : une autre personne disposant de l’autorisation rollout:approve doit le faire.',
    },
    actions: [],
  },
  CHANGE_OUTDATED: {
    status: 409,
    title: 'The rollout moved since the change was asked',
    message: {
      en: 'The rollout changed after this change was asked, so approving it could undo someone else’s work. Read the rollout again; the author can ask for the change anew.',
      es: 'El despliegue cambió después de que se pidiera este cambio, así que aprobarlo podría deshacer el trabajo de otra persona. Vuelve a leer el despliegue; su autor puede pedir el cambio de nuevo.',
      pt: 'A implantação mudou depois que esta mudança foi pedida, então aprová-la poderia desfazer o trabalho de outra pessoa. Leia a implantação de novo; o autor pode pedir a mudança outra vez.',
      fr: 'Le déploiement a changé après la demande de ce changement : l’approuver pourrait défaire le travail de quelqu’un d’autre. Relisez le déploiement ; son auteur peut redemander le changement.',
    },
    actions: [],
  },
  PENDING_CHANGES_FULL: {
    status: 409,
    title: 'Too many changes waiting',
    message: {
      en: 'One hundred rollout changes are already waiting for approval. Approve or reject some of them before asking for another.',
      es: 'Ya hay cien cambios de despliegue esperando aprobación. Aprueba o rechaza algunos antes de pedir otro.',
      pt: 'Já há cem mudanças de implantação aguardando aprovação. Aprove ou rejeite algumas antes de pedir outra.',
      fr: 'Cent changements de déploiement attendent déjà une approbation. Approuvez-en ou rejetez-en avant d’en demander un autre.',
    },
    actions: [],
  },
  VERSION_MISMATCH: {
    status: 412,
    title: 'Changed by someone else',
    message: {
      en: 'The rollout changed since you last read it. Reload, check the new rules, and try again.',
      es: 'El despliegue cambió desde tu última lectura. Recarga, revisa las nuevas reglas e inténtalo de nuevo.',
      pt: 'A implantação mudou desde a sua última leitura. Recarregue, confira as novas regras e tente novamente.',
      fr: 'Le déploiement a changé depuis votre dernière lecture. Rechargez, vérifiez les nouvelles règles et réessayez.',
    },
    actions: [],
  },
  INVALID_REQUEST: {
    status: 400,
    title: 'Request not understood',
    message: {
      en: 'Something in this request is not right. The details say which field.',
      es: 'Algo en esta solicitud no es correcto. Los detalles indican qué campo.',
      pt: 'Algo nesta solicitação não está certo. Os detalhes indicam qual campo.',
      fr: 'Quelque chose ne va pas dans cette requête. Les détails indiquent quel champ.',
    },
    actions: [],
  },
  BODY_TOO_LARGE: {
    status: 413,
    title: 'Request too large',
    message: {
      en: 'This request is larger than the gate accepts.',
      es: 'Esta solicitud es más grande de lo que acepta el servicio.',
      pt: 'Esta solicitação é maior do que o serviço aceita.',
      fr: 'Cette requête dépasse la taille acceptée.',
    },
    actions: [],
  },
  NOT_FOUND: {
    status: 404,
    title: 'Not found',
    message: {
      en: 'There is nothing here.',
      es: 'No hay nada aquí.',
      pt: 'Não há nada aqui.',
      fr: 'Il n’y a rien ici.',
    },
    actions: ['help'],
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: 'Method not allowed',
    message: {
      en: 'This address does not accept that kind of request.',
      es: 'Esta dirección no acepta ese tipo de solicitud.',
      pt: 'Este endereço não aceita esse tipo de solicitação.',
      fr: 'Cette adresse n’accepte pas ce type de requête.',
    },
    actions: [],
  },
  ORIGIN_UNREACHABLE: {
    status: 502,
    title: 'Video service unreachable',
    message: {
      en: 'You are allowed to watch, but the video service did not answer. Please try again.',
      es: 'Puedes ver contenido, pero el servicio de video no respondió. Vuelve a intentarlo.',
      pt: 'Você pode assistir, mas o serviço de vídeo não respondeu. Tente novamente.',
      fr: 'Vous pouvez regarder, mais le service vidéo n’a pas répondu. Réessayez.',
    },
    actions: ['help'],
  },
  ORIGIN_TIMEOUT: {
    status: 504,
    title: 'Video service too slow',
    message: {
      en: 'You are allowed to watch, but the video service took too long to answer. Please try again.',
      es: 'Puedes ver contenido, pero el servicio de video tardó demasiado en responder. Vuelve a intentarlo.',
      pt: 'Você pode assistir, mas o serviço de vídeo demorou demais para responder. Tente novamente.',
      fr: 'Vous pouvez regarder, mais le service vidéo a mis trop de temps à répondre. Réessayez.',
    },
    actions: ['help'],
  },
  CROSS_SITE_REQUEST: {
    status: 403,
    title: 'Request from another site',
    message: {
      en: 'This request came from another website, so it was not carried out. Use the app or this service’s own pages.',
      es: 'Esta solicitud vino de otro sitio web, así que no se realizó. Usa la aplicación o las páginas de este servicio.',
      pt: 'Esta solicitação veio de outro site, por isso não foi feita. Use o aplicativo ou as páginas deste serviço.',
      fr: 'Cette requête venait d’un autre site, elle n’a donc pas été exécutée. Utilisez l’application ou les pages de ce service.',
    },
    actions: ['help'],
  },
  MISCONFIGURED: {
    status: 500,
    title: 'Gate misconfigured',
    message: {
      en: 'The service is not set up correctly. Our team has been told; please try again later.',
      es: 'El servicio no está configurado correctamente. Nuestro equipo ya lo sabe; vuelve a intentarlo más tarde.',
      pt: 'O serviço não está configurado corretamente. Nossa equipe já foi avisada; tente novamente mais tarde.',
      fr: 'Le service n’est pas configuré correctement. Notre équipe est prévenue ; réessayez plus tard.',
    },
    actions: [],
  },
  INTERNAL_ERROR: {
    status: 500,
    title: 'Unexpected error',
    message: {
      en: 'Something went wrong on our side. Please try again; if it keeps happening, contact us with the request id.',
      es: 'Algo salió mal de nuestro lado. Vuelve a intentarlo; si sigue pasando, contáctanos con el identificador de la solicitud.',
      pt: 'Algo deu errado do nosso lado. Tente novamente; se continuar acontecendo, fale com a gente informando o identificador da solicitação.',
      fr: 'Un problème est survenu de notre côté. Réessayez ; si cela continue, contactez-nous avec l’identifiant de la requête.',
    },
    actions: ['help'],
  },
} satisfies Record<string, ReasonEntry>;

export type Reason = keyof typeof entries;
export const REASONS = Object.keys(entries) as Reason[];

export function reasonEntry(reason: Reason): ReasonEntry {
  return entries[reason];
}

export function messageFor(reason: Reason, locale: Locale): string {
  return entries[reason].message[locale];
}

/** Whether a device of `deviceType` (null: not known) can take `action`; an action open to every device needs no type. */
export function canTake(action: ActionId, deviceType: DeviceType | null): boolean {
  const types = ACTION_DEVICE_TYPES[action];
  return types === undefined || (deviceType !== null && types.includes(deviceType));
}

/** The actions of a refusal for `reason`, those a device of `deviceType` can take (null: only those open to every device). */
export function actionsFor(reason: Reason, deviceType: DeviceType | null): Action[] {
  return entries[reason].actions.filter((id) => canTake(id, deviceType)).map((id) => ACTIONS[id]);
}

export interface Explanation {
  message: string;
  actions: Action[];
}

/**
 * What a person reads and can do next for `reason`: a refusal's message and
 * the actions this device can take, then the region's status page; an
 * allow's message (for a reason `monitor` allows, the one that offers
 * nothing) and no action. With `links`, each `href` is absolute on the
 * request's origin (`linkedActions`), as every answer gives them.
 */
export function explainReason(reason: Reason, how: { locale: Locale; allowed: boolean; deviceType: DeviceType | null; links?: ActionLinks }): Explanation {
  const entry: ReasonEntry = entries[reason];
  if (how.allowed) return { message: (entry.allowedMessage ?? entry.message)[how.locale], actions: [] };
  // A refusal links the region's status page (contract §8) after what the person can do about it.
  const actions = [...actionsFor(reason, how.deviceType), ACTIONS.status];
  return { message: entry.message[how.locale], actions: how.links ? linkedActions(actions, how.links) : actions };
}

/** `OUTSIDE_HOUSEHOLD` → `outside-household`: the anchor of the reason on the help page. */
export function reasonSlug(reason: Reason): string {
  return reason.toLowerCase().replace(/_/g, '-');
}

/** The best supported locale for an `Accept-Language` header (RFC 9110 q-values), `en` by default. */
export function negotiateLocale(acceptLanguage: string | null | undefined): Locale {
  if (!acceptLanguage) return 'en';
  let best: Locale = 'en';
  let bestQ = 0;
  for (const part of acceptLanguage.slice(0, 512).split(',')) {
    const [tag = '', ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    const base = tag.trim().toLowerCase().split('-')[0] as Locale;
    if ((LOCALES as readonly string[]).includes(base) && Number.isFinite(weight) && weight > bestQ) {
      best = base;
      bestQ = weight;
    }
  }
  return best;
}
