/**
 * The one refusal the gate cannot word: `GATE_UNREACHABLE`, when no answer
 * could be read at all (no network, the gate down, or — for a developer — a
 * page origin the gate's CORS does not list: the browser console then says
 * "CORS"). Its message is the SDK's own, in the four languages the gate
 * speaks (en, es, pt-BR, fr), chosen from the viewer's languages as the
 * gate chooses from `Accept-Language`.
 */
const MESSAGES = {
  en: 'The video service cannot be reached. Check this device’s internet connection and try again in a moment.',
  es: 'No se puede contactar con el servicio de video. Revisa la conexión a internet de este dispositivo e inténtalo de nuevo en un momento.',
  pt: 'Não foi possível contatar o serviço de vídeo. Verifique a conexão com a internet deste dispositivo e tente novamente em instantes.',
  fr: 'Le service vidéo est injoignable. Vérifiez la connexion internet de cet appareil et réessayez dans un instant.',
} as const;

/** The message for `GATE_UNREACHABLE` in the first of `languages` (a list like `fr-CA,fr;q=0.9,en`) the SDK speaks; English otherwise. */
export function unreachableMessage(languages: string): string {
  for (const tag of languages.split(',')) {
    const primary = tag.split(';')[0]!.trim().toLowerCase().split('-')[0] as keyof typeof MESSAGES;
    if (primary in MESSAGES) return MESSAGES[primary];
  }
  return MESSAGES.en;
}
