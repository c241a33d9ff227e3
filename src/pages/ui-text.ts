/**
 * The words of the pages around the catalog's messages, in the same four
 * languages. Reason messages themselves always come from messages/catalog.ts.
 */
import type { Locale } from '../messages/catalog';

const text = {
  helpTitle: { en: 'Watching on this device', es: 'Ver en este dispositivo', pt: 'Assistir neste dispositivo', fr: 'Regarder sur cet appareil' },
  statusRefused: { en: 'Why this device can’t play right now', es: 'Por qué este dispositivo no puede reproducir ahora', pt: 'Porque é que este dispositivo não pode reproduzir agora', fr: 'Pourquoi cet appareil ne peut pas lire pour l’instant' },
  statusAllowed: { en: 'This device can play', es: 'Este dispositivo puede reproducir', pt: 'Este dispositivo pode reproduzir', fr: 'Cet appareil peut lire' },
  sendCode: { en: 'Send a code to the account owner', es: 'Enviar un código al titular de la cuenta', pt: 'Enviar um código ao titular da conta', fr: 'Envoyer un code au titulaire du compte' },
  codeSent: { en: 'We sent a 6-digit code to the account owner. It is valid until {time}.', es: 'Enviamos un código de 6 dígitos al titular de la cuenta. Es válido hasta las {time}.', pt: 'Enviámos um código de 6 dígitos ao titular da conta. É válido até às {time}.', fr: 'Nous avons envoyé un code à 6 chiffres au titulaire du compte. Il est valable jusqu’à {time}.' },
  codeLabel: { en: '6-digit code', es: 'Código de 6 dígitos', pt: 'Código de 6 dígitos', fr: 'Code à 6 chiffres' },
  confirm: { en: 'Confirm code', es: 'Confirmar código', pt: 'Confirmar código', fr: 'Confirmer le code' },
  granted: { en: 'Temporary access granted until {time}. Enjoy your show.', es: 'Acceso temporal concedido hasta {time}. Disfruta tu programa.', pt: 'Acesso temporário concedido até {time}. Aproveite o seu programa.', fr: 'Accès temporaire accordé jusqu’au {time}. Bon visionnage.' },
  attemptsLeft: { en: '{n} attempts left.', es: 'Quedan {n} intentos.', pt: 'Restam {n} tentativas.', fr: 'Il reste {n} essais.' },
  setPrimary: { en: 'Make this network the primary location', es: 'Usar esta red como ubicación principal', pt: 'Usar esta rede como localização principal', fr: 'Faire de ce réseau le lieu principal' },
  moveCodeSent: {
    en: 'We sent a 6-digit code to the account owner to confirm moving your household to this network. It is valid until {time}.',
    es: 'Enviamos un código de 6 dígitos al titular de la cuenta para confirmar el cambio de tu hogar a esta red. Es válido hasta las {time}.',
    pt: 'Enviámos um código de 6 dígitos ao titular da conta para confirmar a mudança da sua residência para esta rede. É válido até às {time}.',
    fr: 'Nous avons envoyé un code à 6 chiffres au titulaire du compte pour confirmer le déplacement de votre foyer sur ce réseau. Il est valable jusqu’à {time}.',
  },
  primaryDone: { en: 'This network is now your household’s primary location.', es: 'Esta red es ahora la ubicación principal de tu hogar.', pt: 'Esta rede é agora a localização principal da sua residência.', fr: 'Ce réseau est désormais le lieu principal de votre foyer.' },
  primaryTvOnly: { en: 'Only a TV at home can set the primary location.', es: 'Solo un televisor en casa puede definir la ubicación principal.', pt: 'Só uma TV em casa pode definir a localização principal.', fr: 'Seul un téléviseur à la maison peut définir le lieu principal.' },
  extraTitle: { en: 'What is an extra member?', es: '¿Qué es un miembro extra?', pt: 'O que é um membro extra?', fr: 'Qu’est-ce qu’un membre supplémentaire ?' },
  extraText: {
    en: 'Someone who lives elsewhere — a student, a relative — can keep watching on their own device with an extra-member slot. The account owner asks support to add it; each account has a limited number of slots.',
    es: 'Alguien que vive en otro lugar (un estudiante, un familiar) puede seguir viendo en su propio dispositivo con una plaza de miembro extra. El titular de la cuenta la solicita a soporte; cada cuenta tiene un número limitado de plazas.',
    pt: 'Alguém que vive noutro lugar — um estudante, um familiar — pode continuar a assistir no seu próprio dispositivo com uma vaga de membro extra. O titular da conta pede-a ao suporte; cada conta tem um número limitado de vagas.',
    fr: 'Une personne qui vit ailleurs — un étudiant, un proche — peut continuer à regarder sur son propre appareil grâce à une place de membre supplémentaire. Le titulaire du compte la demande à l’assistance ; chaque compte a un nombre limité de places.',
  },
  sharedTitle: { en: 'On a shared network?', es: '¿En una red compartida?', pt: 'Numa rede partilhada?', fr: 'Sur un réseau partagé ?' },
  sharedText: {
    en: 'Some internet providers, mobile networks, student halls and hotels put many homes behind the same internet address. There the network alone cannot tell your home from your neighbours’, so a device counts as home only on the same connection as your household’s TV.',
    es: 'Algunos proveedores de internet, redes móviles, residencias de estudiantes y hoteles ponen muchos hogares detrás de la misma dirección de internet. Allí la red por sí sola no distingue tu hogar del de tus vecinos, así que un dispositivo cuenta como del hogar solo en la misma conexión que el televisor de tu hogar.',
    pt: 'Alguns fornecedores de internet, redes móveis, residências de estudantes e hotéis colocam muitas casas atrás do mesmo endereço de internet. Aí a rede, por si só, não distingue a sua casa da dos vizinhos, por isso um dispositivo só conta como da casa na mesma ligação que a TV da sua residência.',
    fr: 'Certains fournisseurs d’accès, réseaux mobiles, résidences étudiantes et hôtels placent de nombreux foyers derrière la même adresse internet. Là, le réseau seul ne distingue pas votre foyer de celui de vos voisins : un appareil compte comme du foyer seulement sur la même connexion que le téléviseur de votre foyer.',
  },
  sharedSteps: {
    en: 'Play something on this device once while it is on the same Wi-Fi as the TV, soon after the TV has played. From then on it counts as one of your household’s devices, away from home too. Or send a code to the account owner.',
    es: 'Reproduce algo en este dispositivo una vez mientras esté en la misma red Wi-Fi que el televisor, poco después de que el televisor haya reproducido algo. A partir de entonces cuenta como un dispositivo de tu hogar, también fuera de casa. O envía un código al titular de la cuenta.',
    pt: 'Reproduza algo neste dispositivo uma vez enquanto estiver na mesma rede Wi-Fi que a TV, pouco depois de a TV ter reproduzido algo. A partir daí conta como um dispositivo da sua residência, também fora de casa. Ou envie um código ao titular da conta.',
    fr: 'Lancez une lecture sur cet appareil une fois, connecté au même Wi-Fi que le téléviseur, peu après que le téléviseur a lu quelque chose. Dès lors, il compte comme un appareil de votre foyer, y compris hors de chez vous. Ou envoyez un code au titulaire du compte.',
  },
  meaningsTitle: { en: 'What each message means', es: 'Qué significa cada mensaje', pt: 'O que significa cada mensagem', fr: 'Ce que signifie chaque message' },
  technicalTitle: { en: 'Messages for operators and developers', es: 'Mensajes para operadores y desarrolladores', pt: 'Mensagens para operadores e programadores', fr: 'Messages pour les opérateurs et les développeurs' },
  contact: { en: 'Contact support', es: 'Contactar con soporte', pt: 'Contactar o suporte', fr: 'Contacter l’assistance' },
  contactText: { en: 'Support can see why a device was stopped and can grant time-boxed access, for instance for a posting abroad.', es: 'Soporte puede ver por qué se detuvo un dispositivo y conceder acceso por un tiempo limitado, por ejemplo por un destino en el extranjero.', pt: 'O suporte pode ver porque é que um dispositivo foi parado e conceder acesso por tempo limitado, por exemplo para uma missão no estrangeiro.', fr: 'L’assistance peut voir pourquoi un appareil a été arrêté et accorder un accès limité dans le temps, par exemple pour une affectation à l’étranger.' },
  working: { en: 'One moment…', es: 'Un momento…', pt: 'Um momento…', fr: 'Un instant…' },
  failed: { en: 'That did not work. Please try again.', es: 'No funcionó. Vuelve a intentarlo.', pt: 'Não funcionou. Tente novamente.', fr: 'Cela n’a pas fonctionné. Réessayez.' },
  reason: { en: 'Reason', es: 'Motivo', pt: 'Motivo', fr: 'Motif' },
} satisfies Record<string, Record<Locale, string>>;

export type UiTextKey = keyof typeof text;

export function uiText(locale: Locale): Record<UiTextKey, string> {
  return Object.fromEntries(Object.entries(text).map(([key, value]) => [key, value[locale]])) as Record<UiTextKey, string>;
}
