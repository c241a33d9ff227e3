/**
 * The words of the pages around the catalog's messages, in the same four
 * languages (`pt` is Brazilian Portuguese, as in the catalog). Reason
 * messages themselves always come from messages/catalog.ts.
 *
 * `{until}` is a time said the way each language says it: `untilTime` for
 * later today (Spanish says "la 1:20" but "las 6:20", hence `untilTimeOne`),
 * `untilDate` for another day; the date and time themselves come from Intl
 * in the page's language.
 */
import type { Locale } from '../messages/catalog';

const text = {
  helpTitle: { en: 'Watching on this device', es: 'Ver en este dispositivo', pt: 'Assistir neste dispositivo', fr: 'Regarder sur cet appareil' },
  statusRefused: {
    en: 'Why this device can’t play right now',
    es: 'Por qué este dispositivo no puede reproducir ahora',
    pt: 'Por que este dispositivo não pode reproduzir agora',
    fr: 'Pourquoi cet appareil ne peut pas lire pour l’instant',
  },
  statusAllowed: { en: 'This device can play', es: 'Este dispositivo puede reproducir', pt: 'Este dispositivo pode reproduzir', fr: 'Cet appareil peut lire' },
  sendCode: { en: 'Send a code to the account owner', es: 'Enviar un código al titular de la cuenta', pt: 'Enviar um código ao titular da conta', fr: 'Envoyer un code au titulaire du compte' },
  codeSent: {
    en: 'We sent a 6-digit code to the account owner. It is valid {until}.',
    es: 'Enviamos un código de 6 dígitos al titular de la cuenta. Es válido {until}.',
    pt: 'Enviamos um código de 6 dígitos ao titular da conta. Ele vale {until}.',
    fr: 'Nous avons envoyé un code à 6 chiffres au titulaire du compte. Il est valable {until}.',
  },
  codeLabel: { en: '6-digit code', es: 'Código de 6 dígitos', pt: 'Código de 6 dígitos', fr: 'Code à 6 chiffres' },
  confirm: { en: 'Confirm code', es: 'Confirmar código', pt: 'Confirmar código', fr: 'Confirmer le code' },
  granted: {
    en: 'Temporary access granted {until}. Enjoy your show.',
    es: 'Acceso temporal concedido {until}. Disfruta tu programa.',
    pt: 'Acesso temporário liberado {until}. Aproveite seu programa.',
    fr: 'Accès temporaire accordé {until}. Bon visionnage.',
  },
  untilTime: { en: 'until {time}', es: 'hasta las {time}', pt: 'até {time}', fr: 'jusqu’à {time}' },
  untilTimeOne: { en: 'until {time}', es: 'hasta la {time}', pt: 'até {time}', fr: 'jusqu’à {time}' },
  untilDate: { en: 'until {date}', es: 'hasta el {date}', pt: 'até {date}', fr: 'jusqu’au {date}' },
  attemptsLeft: { en: '{n} attempts left.', es: 'Quedan {n} intentos.', pt: 'Restam {n} tentativas.', fr: 'Il reste {n} essais.' },
  setPrimary: {
    en: 'Make this network the primary location',
    es: 'Usar esta red como ubicación principal',
    pt: 'Usar esta rede como localização principal',
    fr: 'Faire de ce réseau le lieu principal',
  },
  moveCodeSent: {
    en: 'We sent a 6-digit code to the account owner to confirm moving your household to this network. It is valid {until}.',
    es: 'Enviamos un código de 6 dígitos al titular de la cuenta para confirmar el cambio de tu hogar a esta red. Es válido {until}.',
    pt: 'Enviamos um código de 6 dígitos ao titular da conta para confirmar a mudança da sua casa para esta rede. Ele vale {until}.',
    fr: 'Nous avons envoyé un code à 6 chiffres au titulaire du compte pour confirmer le déplacement de votre foyer sur ce réseau. Il est valable {until}.',
  },
  primaryDone: {
    en: 'This network is now your household’s primary location.',
    es: 'Esta red es ahora la ubicación principal de tu hogar.',
    pt: 'Esta rede agora é a localização principal da sua casa.',
    fr: 'Ce réseau est désormais le lieu principal de votre foyer.',
  },
  primaryTvOnly: {
    en: 'Only a TV at home can set the primary location.',
    es: 'Solo un televisor en casa puede definir la ubicación principal.',
    pt: 'Só uma TV em casa pode definir a localização principal.',
    fr: 'Seul un téléviseur à la maison peut définir le lieu principal.',
  },
  // Two homes and long stays away (contract §6): the owner's two ways, each with their code.
  secondHome: { en: 'This is our second home', es: 'Este es nuestro segundo hogar', pt: 'Esta é a nossa segunda casa', fr: 'C’est notre résidence secondaire' },
  secondHomeText: {
    en: 'At your household’s other home? The account owner can make this network a second home: devices on it then play as at home for as long as it stays your second home, and this TV keeps it. They approve it with a code; second homes change at most once every 90 days.',
    es: '¿En la otra casa de tu hogar? El titular de la cuenta puede hacer de esta red un segundo hogar: los dispositivos conectados a ella se reproducen entonces como en casa mientras siga siendo tu segundo hogar, y este televisor lo mantiene. Lo aprueba con un código; los segundos hogares cambian como mucho una vez cada 90 días.',
    pt: 'Na outra casa da sua família? O titular da conta pode tornar esta rede uma segunda casa: os dispositivos nela passam a funcionar como em casa enquanto ela for sua segunda casa, e esta TV a mantém. Ele aprova com um código; as segundas casas mudam no máximo uma vez a cada 90 dias.',
    fr: 'Dans l’autre logement de votre foyer ? Le titulaire du compte peut faire de ce réseau une résidence secondaire : les appareils qui y sont connectés lisent alors comme à la maison tant qu’elle reste votre résidence secondaire, et ce téléviseur la tient. Il l’approuve avec un code ; les résidences secondaires changent au plus une fois tous les 90 jours.',
  },
  secondHomeCodeSent: {
    en: 'We sent a 6-digit code to the account owner to make this network a second home of your household. It is valid {until}.',
    es: 'Enviamos un código de 6 dígitos al titular de la cuenta para hacer de esta red un segundo hogar de tu cuenta. Es válido {until}.',
    pt: 'Enviamos um código de 6 dígitos ao titular da conta para tornar esta rede uma segunda casa da sua conta. Ele vale {until}.',
    fr: 'Nous avons envoyé un code à 6 chiffres au titulaire du compte pour faire de ce réseau une résidence secondaire de votre foyer. Il est valable {until}.',
  },
  secondHomeDone: {
    en: 'This network is now a second home of your household: devices here play as at home, and this TV keeps it.',
    es: 'Esta red es ahora un segundo hogar de tu cuenta: los dispositivos aquí se reproducen como en casa, y este televisor lo mantiene.',
    pt: 'Esta rede agora é uma segunda casa da sua conta: os dispositivos aqui funcionam como em casa, e esta TV a mantém.',
    fr: 'Ce réseau est désormais une résidence secondaire de votre foyer : les appareils ici lisent comme à la maison, et ce téléviseur la tient.',
  },
  awayTitle: {
    en: 'Away for a long time (a posting, a term)?',
    es: '¿Fuera por mucho tiempo (un destino, un semestre)?',
    pt: 'Fora por muito tempo (uma missão, um semestre)?',
    fr: 'Absent longtemps (une affectation, un semestre) ?',
  },
  awayText: {
    en: 'The account owner can let this device play from anywhere for up to {max} days, for a posting, a term of study or a long stay. They approve it with a code, and it ends on its own when the days are over (up to {perYear} per account in 365 days).',
    es: 'El titular de la cuenta puede dejar que este dispositivo reproduzca desde cualquier lugar hasta {max} días, para un destino, un semestre de estudios o una estadía larga. Lo aprueba con un código y termina por sí solo cuando pasan los días (hasta {perYear} por cuenta cada 365 días).',
    pt: 'O titular da conta pode deixar este dispositivo reproduzir de qualquer lugar por até {max} dias, para uma missão, um semestre de estudos ou uma estadia longa. Ele aprova com um código, e o acesso termina sozinho quando os dias acabam (até {perYear} por conta a cada 365 dias).',
    fr: 'Le titulaire du compte peut laisser cet appareil lire depuis n’importe où pendant {max} jours au plus, pour une affectation, un semestre d’études ou un long séjour. Il l’approuve avec un code, et l’accès prend fin de lui-même une fois les jours écoulés (jusqu’à {perYear} par compte sur 365 jours).',
  },
  awayDays: { en: 'Days away (1 to {max})', es: 'Días fuera (de 1 a {max})', pt: 'Dias fora (de 1 a {max})', fr: 'Jours d’absence (de 1 à {max})' },
  awayAsk: {
    en: 'Ask the account owner for away access',
    es: 'Pedir acceso fuera de casa al titular de la cuenta',
    pt: 'Pedir acesso fora de casa ao titular da conta',
    fr: 'Demander un accès hors du foyer au titulaire du compte',
  },
  awayCodeSent: {
    en: 'We sent a 6-digit code to the account owner to let this device play from anywhere for {days} days. It is valid {until}.',
    es: 'Enviamos un código de 6 dígitos al titular de la cuenta para que este dispositivo pueda reproducir desde cualquier lugar durante {days} días. Es válido {until}.',
    pt: 'Enviamos um código de 6 dígitos ao titular da conta para que este dispositivo possa reproduzir de qualquer lugar por {days} dias. Ele vale {until}.',
    fr: 'Nous avons envoyé un code à 6 chiffres au titulaire du compte pour que cet appareil puisse lire depuis n’importe où pendant {days} jours. Il est valable {until}.',
  },
  awayDone: {
    en: 'Away access granted: this device can play from anywhere {until}. It ends on its own then.',
    es: 'Acceso fuera de casa concedido: este dispositivo puede reproducir desde cualquier lugar {until}. Entonces termina por sí solo.',
    pt: 'Acesso fora de casa liberado: este dispositivo pode reproduzir de qualquer lugar {until}. Depois disso, ele termina sozinho.',
    fr: 'Accès hors du foyer accordé : cet appareil peut lire depuis n’importe où {until}. Il prend fin de lui-même à ce moment-là.',
  },
  extraTitle: { en: 'What is an extra member?', es: '¿Qué es un miembro extra?', pt: 'O que é um membro extra?', fr: 'Qu’est-ce qu’un membre supplémentaire ?' },
  extraText: {
    en: 'Someone who lives elsewhere — a student, a relative — can keep watching on their own device with an extra-member slot. The account owner asks support to add it; each account has a limited number of slots.',
    es: 'Alguien que vive en otro lugar (un estudiante, un familiar) puede seguir viendo en su propio dispositivo con una plaza de miembro extra. El titular de la cuenta la solicita a soporte; cada cuenta tiene un número limitado de plazas.',
    pt: 'Alguém que mora em outro lugar — um estudante, um parente — pode continuar assistindo no próprio dispositivo com uma vaga de membro extra. O titular da conta pede a vaga ao suporte; cada conta tem um número limitado de vagas.',
    fr: 'Une personne qui vit ailleurs — un étudiant, un proche — peut continuer à regarder sur son propre appareil grâce à une place de membre supplémentaire. Le titulaire du compte la demande à l’assistance ; chaque compte a un nombre limité de places.',
  },
  sharedTitle: { en: 'On a shared network?', es: '¿En una red compartida?', pt: 'Em uma rede compartilhada?', fr: 'Sur un réseau partagé ?' },
  sharedText: {
    en: 'Some internet providers, mobile networks, student halls and hotels put many homes behind the same internet address. There the network alone cannot tell your home from your neighbours’, so a device counts as home only on the same connection as your household’s TV.',
    es: 'Algunos proveedores de internet, redes móviles, residencias de estudiantes y hoteles ponen muchos hogares detrás de la misma dirección de internet. Allí la red por sí sola no distingue tu hogar del de tus vecinos, así que un dispositivo cuenta como del hogar solo en la misma conexión que el televisor de tu hogar.',
    pt: 'Alguns provedores de internet, redes móveis, moradias estudantis e hotéis colocam muitas casas atrás do mesmo endereço de internet. Nesse caso, a rede sozinha não distingue a sua casa da dos vizinhos, então um dispositivo só conta como da casa na mesma conexão que a TV da sua casa.',
    fr: 'Certains fournisseurs d’accès, réseaux mobiles, résidences étudiantes et hôtels placent de nombreux foyers derrière la même adresse internet. Là, le réseau seul ne distingue pas votre foyer de celui de vos voisins : un appareil compte comme du foyer seulement sur la même connexion que le téléviseur de votre foyer.',
  },
  sharedSteps: {
    en: 'Play something on this device once while it is on the same Wi-Fi as the TV, soon after the TV has played. From then on it counts as one of your household’s devices, away from home too. Or send a code to the account owner.',
    es: 'Reproduce algo en este dispositivo una vez mientras esté en la misma red Wi-Fi que el televisor, poco después de que el televisor haya reproducido algo. A partir de entonces cuenta como un dispositivo de tu hogar, también fuera de casa. O envía un código al titular de la cuenta.',
    pt: 'Reproduza algo neste dispositivo uma vez enquanto ele estiver no mesmo Wi-Fi que a TV, logo depois de a TV ter reproduzido algo. A partir daí ele conta como um dispositivo da sua casa, também fora dela. Ou envie um código ao titular da conta.',
    fr: 'Lancez une lecture sur cet appareil une fois, connecté au même Wi-Fi que le téléviseur, peu après que le téléviseur a lu quelque chose. Dès lors, il compte comme un appareil de votre foyer, y compris hors de chez vous. Ou envoyez un code au titulaire du compte.',
  },
  meaningsTitle: { en: 'What each message means', es: 'Qué significa cada mensaje', pt: 'O que significa cada mensagem', fr: 'Ce que signifie chaque message' },
  meaningsText: {
    en: 'Every message with the code support sees beside it. Support may ask you for the code shown here.',
    es: 'Cada mensaje con el código que ve soporte. Soporte puede pedirte el código que aparece aquí.',
    pt: 'Cada mensagem com o código que o suporte vê. O suporte pode pedir o código que aparece aqui.',
    fr: 'Chaque message avec le code que voit l’assistance. L’assistance peut vous demander le code affiché ici.',
  },
  technicalTitle: {
    en: 'Messages for operators and developers',
    es: 'Mensajes para operadores y desarrolladores',
    pt: 'Mensagens para operadores e desenvolvedores',
    fr: 'Messages pour les opérateurs et les développeurs',
  },
  contact: { en: 'Contact support', es: 'Contactar con soporte', pt: 'Falar com o suporte', fr: 'Contacter l’assistance' },
  contactAction: { en: 'Open the support page', es: 'Abrir la página de soporte', pt: 'Abrir a página de suporte', fr: 'Ouvrir la page d’assistance' },
  contactNone: {
    en: 'There is no support link on this page. Ask the account owner instead: they can approve this device with a code (above) and reach support from their account.',
    es: 'Esta página no tiene un enlace de soporte. Pregunta al titular de la cuenta: puede aprobar este dispositivo con un código (arriba) y contactar con soporte desde su cuenta.',
    pt: 'Esta página não tem um link de suporte. Fale com o titular da conta: ele pode aprovar este dispositivo com um código (acima) e falar com o suporte pela conta dele.',
    fr: 'Cette page n’a pas de lien vers l’assistance. Demandez au titulaire du compte : il peut approuver cet appareil avec un code (ci-dessus) et contacter l’assistance depuis son compte.',
  },
  contactText: {
    en: 'Support can see why a device was stopped and can grant time-boxed access, for instance for a posting abroad.',
    es: 'Soporte puede ver por qué se detuvo un dispositivo y conceder acceso por un tiempo limitado, por ejemplo por un destino en el extranjero.',
    pt: 'O suporte pode ver por que um dispositivo foi bloqueado e liberar acesso por tempo limitado, por exemplo durante uma temporada no exterior.',
    fr: 'L’assistance peut voir pourquoi un appareil a été arrêté et accorder un accès limité dans le temps, par exemple pour une affectation à l’étranger.',
  },
  devicesTitle: { en: 'Your devices', es: 'Tus dispositivos', pt: 'Seus dispositivos', fr: 'Vos appareils' },
  devicesText: {
    en: 'The devices that watch on this account. Sign out one you do not know or no longer use: it stops playing and keeps nothing it had.',
    es: 'Los dispositivos que ven con esta cuenta. Cierra la sesión de uno que no conozcas o ya no uses: deja de reproducir y no conserva nada de lo que tenía.',
    pt: 'Os dispositivos que assistem com esta conta. Desconecte um que você não conheça ou não use mais: ele para de reproduzir e não mantém nada do que tinha.',
    fr: 'Les appareils qui regardent avec ce compte. Déconnectez celui que vous ne connaissez pas ou n’utilisez plus : il arrête la lecture et ne garde rien de ce qu’il avait.',
  },
  devicesNone: {
    en: 'No device has watched on this account yet.',
    es: 'Ningún dispositivo ha visto nada con esta cuenta todavía.',
    pt: 'Nenhum dispositivo assistiu com esta conta ainda.',
    fr: 'Aucun appareil n’a encore regardé avec ce compte.',
  },
  thisDevice: { en: 'this device', es: 'este dispositivo', pt: 'este dispositivo', fr: 'cet appareil' },
  typeTv: { en: 'TV', es: 'Televisor', pt: 'TV', fr: 'Téléviseur' },
  typeMobile: { en: 'Phone', es: 'Teléfono', pt: 'Celular', fr: 'Téléphone' },
  typeTablet: { en: 'Tablet', es: 'Tableta', pt: 'Tablet', fr: 'Tablette' },
  typeWeb: { en: 'Web browser', es: 'Navegador web', pt: 'Navegador', fr: 'Navigateur web' },
  typeConsole: { en: 'Game console', es: 'Consola de juegos', pt: 'Console de videogame', fr: 'Console de jeux' },
  typeOther: { en: 'Other device', es: 'Otro dispositivo', pt: 'Outro dispositivo', fr: 'Autre appareil' },
  deviceHome: { en: 'At home', es: 'En casa', pt: 'Em casa', fr: 'À la maison' },
  deviceTrusted: {
    en: 'Away from home, can play {until}',
    es: 'Fuera de casa, puede reproducir {until}',
    pt: 'Fora de casa, pode reproduzir {until}',
    fr: 'Hors de la maison, peut lire {until}',
  },
  deviceTemporary: { en: 'Temporary access {until}', es: 'Acceso temporal {until}', pt: 'Acesso temporário {until}', fr: 'Accès temporaire {until}' },
  deviceExtraMember: { en: 'Extra member', es: 'Miembro extra', pt: 'Membro extra', fr: 'Membre supplémentaire' },
  deviceSupportGrant: { en: 'Access from support {until}', es: 'Acceso dado por soporte {until}', pt: 'Acesso liberado pelo suporte {until}', fr: 'Accès accordé par l’assistance {until}' },
  deviceOutside: {
    en: 'Outside the household: needs a code to play',
    es: 'Fuera del hogar: necesita un código para reproducir',
    pt: 'Fora da casa: precisa de um código para reproduzir',
    fr: 'Hors du foyer : il lui faut un code pour lire',
  },
  deviceSignedOut: { en: 'Signed out', es: 'Sesión cerrada', pt: 'Desconectado', fr: 'Déconnecté' },
  signOut: { en: 'Sign out', es: 'Cerrar sesión', pt: 'Desconectar', fr: 'Déconnecter' },
  signOutNamed: { en: 'Sign out {device}', es: 'Cerrar sesión de {device}', pt: 'Desconectar {device}', fr: 'Déconnecter {device}' },
  signOutThis: { en: 'Sign out this device', es: 'Cerrar sesión en este dispositivo', pt: 'Desconectar este dispositivo', fr: 'Déconnecter cet appareil' },
  signOutAsk: {
    en: 'Sign out “{device}”? It stops playing and keeps nothing it had. To watch on it again, someone signs in on it.',
    es: '¿Cerrar la sesión de «{device}»? Deja de reproducir y no conserva nada de lo que tenía. Para volver a ver en él, hay que iniciar sesión en él.',
    pt: 'Desconectar “{device}”? Ele para de reproduzir e não mantém nada do que tinha. Para assistir nele de novo, é preciso entrar nele.',
    fr: 'Déconnecter « {device} » ? Il arrête la lecture et ne garde rien de ce qu’il avait. Pour regarder dessus à nouveau, il faut s’y connecter.',
  },
  signOutAskThis: {
    en: 'Sign out this device? It stops playing here. To watch on it again, sign in on it.',
    es: '¿Cerrar la sesión en este dispositivo? Deja de reproducir aquí. Para volver a ver en él, inicia sesión en él.',
    pt: 'Desconectar este dispositivo? Ele para de reproduzir aqui. Para assistir nele de novo, entre nele.',
    fr: 'Déconnecter cet appareil ? La lecture s’arrête ici. Pour regarder dessus à nouveau, connectez-vous sur cet appareil.',
  },
  signOutNeedsCode: {
    en: 'This device is away from home, so signing out another device needs the account owner’s code. Send them a code, then enter it here. At home, no code is needed.',
    es: 'Este dispositivo está fuera de casa, así que cerrar la sesión de otro dispositivo necesita el código del titular de la cuenta. Envíale un código y escríbelo aquí. En casa no hace falta código.',
    pt: 'Este dispositivo está fora de casa, então desconectar outro dispositivo precisa do código do titular da conta. Envie um código para ele e digite-o aqui. Em casa, não é preciso código.',
    fr: 'Cet appareil est hors de la maison : déconnecter un autre appareil demande le code du titulaire du compte. Envoyez-lui un code, puis saisissez-le ici. À la maison, aucun code n’est nécessaire.',
  },
  signOutCodeSent: {
    en: 'We sent a 6-digit code to the account owner to confirm signing out “{device}”. It is valid {until}. Enter it once they pass it on.',
    es: 'Enviamos un código de 6 dígitos al titular de la cuenta para confirmar el cierre de sesión de «{device}». Es válido {until}. Escríbelo cuando te lo pase.',
    pt: 'Enviamos um código de 6 dígitos ao titular da conta para confirmar a desconexão de “{device}”. Ele vale {until}. Digite-o quando ele passar o código para você.',
    fr: 'Nous avons envoyé un code à 6 chiffres au titulaire du compte pour confirmer la déconnexion de « {device} ». Il est valable {until}. Saisissez-le quand il vous le transmet.',
  },
  signedOut: {
    en: '“{device}” is signed out and keeps nothing it had. To watch on it again, someone signs in on it.',
    es: 'Se cerró la sesión de «{device}» y no conserva nada de lo que tenía. Para volver a ver en él, hay que iniciar sesión en él.',
    pt: '“{device}” foi desconectado e não mantém nada do que tinha. Para assistir nele de novo, é preciso entrar nele.',
    fr: '« {device} » est déconnecté et ne garde rien de ce qu’il avait. Pour regarder dessus à nouveau, il faut s’y connecter.',
  },
  signedOutThis: {
    en: 'This device is signed out. To watch here again, sign in on this device.',
    es: 'Se cerró la sesión en este dispositivo. Para volver a ver aquí, inicia sesión en este dispositivo.',
    pt: 'Este dispositivo foi desconectado. Para assistir aqui de novo, entre neste dispositivo.',
    fr: 'Cet appareil est déconnecté. Pour regarder ici à nouveau, connectez-vous sur cet appareil.',
  },
  cancel: { en: 'Cancel', es: 'Cancelar', pt: 'Cancelar', fr: 'Annuler' },
  working: { en: 'One moment…', es: 'Un momento…', pt: 'Um momento…', fr: 'Un instant…' },
  failed: { en: 'That did not work. Please try again.', es: 'No funcionó. Vuelve a intentarlo.', pt: 'Não funcionou. Tente novamente.', fr: 'Cela n’a pas fonctionné. Réessayez.' },
  reason: { en: 'Reason', es: 'Motivo', pt: 'Motivo', fr: 'Motif' },
} satisfies Record<string, Record<Locale, string>>;

export type UiTextKey = keyof typeof text;

export function uiText(locale: Locale): Record<UiTextKey, string> {
  return Object.fromEntries(Object.entries(text).map(([key, value]) => [key, value[locale]])) as Record<UiTextKey, string>;
}
