/**
 * The words of contract §8's question, "why are you where you are?", asked
 * after every refusal: the question, one answer per situation, and what
 * happens next for each — in the four languages of the catalog. The help
 * page renders them; `GET /gate/v1/feedback` serves them to players on
 * other origins (the SDK asks in the person's language); `POST
 * /gate/v1/feedback` answers with the "what next" of the situation given.
 */
import { FEEDBACK_SITUATIONS, type FeedbackSituation } from '../vocabulary';
import type { Locale } from './catalog';

export interface FeedbackWords {
  /** The question, one line. */
  question: string;
  /** Why it is asked and that one tap is enough. */
  hint: string;
  /** The optional comment's label. */
  commentLabel: string;
  /** One answer per situation, in FEEDBACK_SITUATIONS order of keys. */
  choices: Record<FeedbackSituation, string>;
  /** What happens next, per situation, once the answer is counted. */
  next: Record<FeedbackSituation, string>;
  /** Said when the answer could not be taken (a network problem). */
  failed: string;
}

const words: Record<Locale, FeedbackWords> = {
  en: {
    question: 'Which of these fits you?',
    hint: 'One tap is enough. It tells the people who run this check who it stops, so they can put it right.',
    commentLabel: 'Anything to add? (optional, up to 500 characters)',
    choices: {
      'live-here': 'I live here: this is my home',
      travelling: 'I am travelling',
      studying: 'I am away studying',
      'posted-away': 'I am posted away (military or work)',
      'second-home': 'This is our second home',
      other: 'Something else',
    },
    next: {
      'live-here':
        'Thank you, it was counted. If this is your home, the account owner can make this network the household’s from the TV here, with a code they receive. You can also contact support: they see your answer and can give this device access while it is put right.',
      travelling: 'Thank you, it was counted. While you travel, send a code: the account owner receives it, and once you enter it this device can watch for a while.',
      studying: 'Thank you, it was counted. For a term away, the account owner can give this device away access with a code they receive, for up to the days the service allows.',
      'posted-away': 'Thank you, it was counted. For a posting, the account owner can give this device away access with a code they receive, for up to the days the service allows.',
      'second-home': 'Thank you, it was counted. If this is your household’s second home, the account owner can make it one from the TV here, with a code they receive (“This is our second home”).',
      other: 'Thank you, it was counted. You can send a code to the account owner, or contact support and tell them what happened.',
    },
    failed: 'Your answer could not be sent. Check your connection and try again.',
  },
  es: {
    question: '¿Cuál de estas opciones te describe?',
    hint: 'Basta con un toque. Así quienes operan esta verificación saben a quién detiene y pueden corregirlo.',
    commentLabel: '¿Algo más? (opcional, hasta 500 caracteres)',
    choices: {
      'live-here': 'Vivo aquí: este es mi hogar',
      travelling: 'Estoy de viaje',
      studying: 'Estoy fuera por estudios',
      'posted-away': 'Estoy destinado fuera (servicio militar o trabajo)',
      'second-home': 'Esta es nuestra segunda casa',
      other: 'Otra cosa',
    },
    next: {
      'live-here':
        'Gracias, quedó registrado. Si este es tu hogar, el titular de la cuenta puede hacer de esta red la del hogar desde el televisor de aquí, con un código que recibe. También puedes contactar a soporte: ven tu respuesta y pueden dar acceso a este dispositivo mientras se corrige.',
      travelling: 'Gracias, quedó registrado. Mientras viajas, envía un código: lo recibe el titular de la cuenta y, al ingresarlo, este dispositivo puede ver contenido por un tiempo.',
      studying:
        'Gracias, quedó registrado. Para un periodo de estudios, el titular de la cuenta puede dar a este dispositivo acceso fuera de casa con un código que recibe, hasta los días que permite el servicio.',
      'posted-away':
        'Gracias, quedó registrado. Para un destino, el titular de la cuenta puede dar a este dispositivo acceso fuera de casa con un código que recibe, hasta los días que permite el servicio.',
      'second-home':
        'Gracias, quedó registrado. Si esta es la segunda casa de tu hogar, el titular de la cuenta puede registrarla desde el televisor de aquí, con un código que recibe («Esta es nuestra segunda casa»).',
      other: 'Gracias, quedó registrado. Puedes enviar un código al titular de la cuenta, o contactar a soporte y contarles qué pasó.',
    },
    failed: 'No se pudo enviar tu respuesta. Revisa tu conexión y vuelve a intentarlo.',
  },
  pt: {
    question: 'Qual destas opções descreve você?',
    hint: 'Um toque basta. Assim quem opera esta verificação sabe quem ela bloqueia e pode corrigir.',
    commentLabel: 'Algo a acrescentar? (opcional, até 500 caracteres)',
    choices: {
      'live-here': 'Eu moro aqui: esta é a minha casa',
      travelling: 'Estou viajando',
      studying: 'Estou fora estudando',
      'posted-away': 'Estou destacado fora (serviço militar ou trabalho)',
      'second-home': 'Esta é a nossa segunda casa',
      other: 'Outro motivo',
    },
    next: {
      'live-here':
        'Obrigado, foi registrado. Se esta é a sua casa, o titular da conta pode tornar esta rede a da casa pela TV daqui, com um código que ele recebe. Você também pode falar com o suporte: eles veem sua resposta e podem dar acesso a este dispositivo enquanto isso é corrigido.',
      travelling: 'Obrigado, foi registrado. Enquanto você viaja, envie um código: o titular da conta o recebe e, depois que você o digitar, este dispositivo pode assistir por um tempo.',
      studying:
        'Obrigado, foi registrado. Para um período de estudos, o titular da conta pode dar a este dispositivo acesso fora de casa com um código que ele recebe, pelo número de dias que o serviço permite.',
      'posted-away':
        'Obrigado, foi registrado. Para um destacamento, o titular da conta pode dar a este dispositivo acesso fora de casa com um código que ele recebe, pelo número de dias que o serviço permite.',
      'second-home':
        'Obrigado, foi registrado. Se esta é a segunda casa da sua família, o titular da conta pode registrá-la pela TV daqui, com um código que ele recebe (“Esta é a nossa segunda casa”).',
      other: 'Obrigado, foi registrado. Você pode enviar um código ao titular da conta, ou falar com o suporte e contar o que aconteceu.',
    },
    failed: 'Não foi possível enviar sua resposta. Verifique sua conexão e tente novamente.',
  },
  fr: {
    question: 'Laquelle de ces situations est la vôtre ?',
    hint: 'Un seul appui suffit. Ceux qui gèrent cette vérification savent ainsi qui elle arrête, et peuvent la corriger.',
    commentLabel: 'Autre chose à ajouter ? (facultatif, 500 caractères au plus)',
    choices: {
      'live-here': 'J’habite ici : c’est mon domicile',
      travelling: 'Je suis en voyage',
      studying: 'Je suis loin pour mes études',
      'posted-away': 'Je suis en poste ailleurs (armée ou travail)',
      'second-home': 'C’est notre résidence secondaire',
      other: 'Autre chose',
    },
    next: {
      'live-here':
        'Merci, c’est pris en compte. Si c’est votre domicile, le titulaire du compte peut faire de ce réseau celui du foyer depuis le téléviseur d’ici, avec un code qu’il reçoit. Vous pouvez aussi contacter l’assistance : elle voit votre réponse et peut donner accès à cet appareil le temps de corriger.',
      travelling: 'Merci, c’est pris en compte. Pendant votre voyage, envoyez un code : le titulaire du compte le reçoit et, une fois saisi, cet appareil peut regarder pendant un temps.',
      studying:
        'Merci, c’est pris en compte. Pour une période d’études, le titulaire du compte peut donner à cet appareil un accès à distance avec un code qu’il reçoit, pour le nombre de jours que le service permet.',
      'posted-away':
        'Merci, c’est pris en compte. Pour une affectation, le titulaire du compte peut donner à cet appareil un accès à distance avec un code qu’il reçoit, pour le nombre de jours que le service permet.',
      'second-home':
        'Merci, c’est pris en compte. Si c’est la résidence secondaire de votre foyer, le titulaire du compte peut l’enregistrer depuis le téléviseur d’ici, avec un code qu’il reçoit (« C’est notre résidence secondaire »).',
      other: 'Merci, c’est pris en compte. Vous pouvez envoyer un code au titulaire du compte, ou contacter l’assistance et lui dire ce qui s’est passé.',
    },
    failed: 'Votre réponse n’a pas pu être envoyée. Vérifiez votre connexion et réessayez.',
  },
};

export function feedbackWords(locale: Locale): FeedbackWords {
  return words[locale];
}

/** What happens next after answering `situation`, in `locale`. */
export function feedbackNext(situation: FeedbackSituation, locale: Locale): string {
  return words[locale].next[situation];
}

/** The question and its choices in order, as `GET /gate/v1/feedback` serves them. */
export function feedbackQuestion(locale: Locale): { question: string; hint: string; commentLabel: string; choices: Array<{ situation: FeedbackSituation; label: string }> } {
  const { question, hint, commentLabel, choices } = words[locale];
  return { question, hint, commentLabel, choices: FEEDBACK_SITUATIONS.map((situation) => ({ situation, label: choices[situation] })) };
}
