/** The SDK's own words for GATE_UNREACHABLE (issue 36, item 6): the message was empty; now it says what a viewer can do, in the gate's four languages. */
import { describe, expect, it } from 'vitest';
import { unreachableMessage } from '../../../packages/player/src/unreachable';

describe('GATE_UNREACHABLE in the viewer’s language', () => {
  it.each([
    ['en-US,en', 'Check this device’s internet connection'],
    ['es-PE,es;q=0.9', 'Revisa la conexión a internet'],
    ['pt-BR', 'Verifique a conexão com a internet'],
    ['fr-CA,fr;q=0.9,en;q=0.8', 'Vérifiez la connexion internet'],
    ['de-DE,pt;q=0.5', 'Verifique a conexão'],
    ['ja', 'Check this device’s internet connection'],
    ['', 'Check this device’s internet connection'],
  ])('%j reads %j', (languages, words) => {
    expect(unreachableMessage(languages)).toContain(words);
  });
});
