/**
 * What the account owner reads of each household event (contract §6), in
 * the languages the code messages use: what happened, to which device, and
 * what they can do if it was not them. The webhook carries the text beside
 * the event's fields, so a sender needs no catalog of its own.
 */
import type { HouseholdEventName, SignOutAuthority } from '../vocabulary';
import type { Locale } from './catalog';

type Texts = Record<Locale, string>;

const EVENT_TEXT: Record<HouseholdEventName, Texts> = {
  device_signed_out: {
    en: 'The device "{device}" was signed out of your account ({by}). It keeps nothing it had: to watch on it again, sign in on it. If this was not you, change your password.',
    es: 'Se cerró la sesión del dispositivo "{device}" en tu cuenta ({by}). No conserva nada de lo que tenía: para volver a ver en él, inicia sesión en él. Si no fuiste tú, cambia tu contraseña.',
    pt: 'O dispositivo "{device}" foi desconectado da sua conta ({by}). Ele não mantém nada do que tinha: para assistir nele de novo, entre nele. Se não foi você, troque sua senha.',
    fr: 'L’appareil « {device} » a été déconnecté de votre compte ({by}). Il ne garde rien de ce qu’il avait : pour regarder dessus à nouveau, connectez-vous sur cet appareil. Si ce n’était pas vous, changez votre mot de passe.',
  },
  device_key_refused: {
    en: 'Another device tried to use the identity of your device "{device}" and was refused. Your device keeps working. If you did not just reinstall the app on it, change your password.',
    es: 'Otro dispositivo intentó usar la identidad de tu dispositivo "{device}" y fue rechazado. Tu dispositivo sigue funcionando. Si no acabas de reinstalar la aplicación en él, cambia tu contraseña.',
    pt: 'Outro dispositivo tentou usar a identidade do seu dispositivo "{device}" e foi recusado. Seu dispositivo continua funcionando. Se você não acabou de reinstalar o aplicativo nele, troque sua senha.',
    fr: 'Un autre appareil a tenté d’utiliser l’identité de votre appareil « {device} » et a été refusé. Votre appareil continue de fonctionner. Si vous n’avez pas réinstallé l’application dessus, changez votre mot de passe.',
  },
  anchor_changed: {
    en: 'The TV "{device}" is now the TV that keeps your household at home: your home follows it when your internet provider changes your address. If you do not know this TV, sign it out and contact us.',
    es: 'El televisor "{device}" es ahora el que mantiene tu hogar: tu hogar lo sigue cuando tu proveedor de internet cambia tu dirección. Si no conoces este televisor, cierra su sesión y contáctanos.',
    pt: 'A TV "{device}" agora é a TV que mantém sua casa: sua casa a acompanha quando seu provedor de internet muda seu endereço. Se você não conhece esta TV, desconecte-a e fale com a gente.',
    fr: 'Le téléviseur « {device} » est désormais celui qui tient votre foyer : votre foyer le suit quand votre fournisseur d’accès change votre adresse. Si vous ne connaissez pas ce téléviseur, déconnectez-le et contactez-nous.',
  },
  anchor_conflict: {
    en: 'Someone tried to move your household to another network using the identity of your TV "{device}" while that TV was at home. Nothing changed. If you did not move, change your password.',
    es: 'Alguien intentó mover tu hogar a otra red usando la identidad de tu televisor "{device}" mientras ese televisor estaba en casa. No cambió nada. Si no te mudaste, cambia tu contraseña.',
    pt: 'Alguém tentou mudar sua casa para outra rede usando a identidade da sua TV "{device}" enquanto essa TV estava em casa. Nada mudou. Se você não se mudou, troque sua senha.',
    fr: 'Quelqu’un a tenté de déplacer votre foyer vers un autre réseau avec l’identité de votre téléviseur « {device} » alors qu’il était à la maison. Rien n’a changé. Si vous n’avez pas déménagé, changez votre mot de passe.',
  },
};

const BY_TEXT: Record<SignOutAuthority, Texts> = {
  self: { en: 'by the device itself', es: 'desde el propio dispositivo', pt: 'pelo próprio dispositivo', fr: 'par l’appareil lui-même' },
  home: { en: 'by a device at home', es: 'desde un dispositivo en casa', pt: 'por um dispositivo em casa', fr: 'par un appareil à la maison' },
  code: { en: 'with your verification code', es: 'con tu código de verificación', pt: 'com o seu código de verificação', fr: 'avec votre code de vérification' },
  support: { en: 'by our support team', es: 'por nuestro equipo de soporte', pt: 'pela nossa equipe de suporte', fr: 'par notre équipe d’assistance' },
};

/** The owner's text for one event about `deviceId`, in `locale`. */
export function householdEventText(event: HouseholdEventName, locale: Locale, deviceId: string, by?: SignOutAuthority): string {
  return EVENT_TEXT[event][locale].replace('{device}', deviceId).replace('{by}', by ? BY_TEXT[by][locale] : '');
}

/** Every event's text in every locale, for the catalog's agreement test. */
export const HOUSEHOLD_EVENT_TEXTS = EVENT_TEXT;
