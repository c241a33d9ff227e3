import { describe, expect, it } from 'vitest';
import { deviceClaims, deviceIdentity } from '../../src/identity/device-token';

const valid = { sub: 'acct-1', did: 'tv:living.room_1', dty: 'tv', iat: 1_800_000_000 };

describe('device claims', () => {
  it.each([
    ['valid', valid],
    ['every device type', { ...valid, dty: 'console' }],
    ['a 128-character id', { ...valid, sub: 'a'.repeat(128) }],
    ['a 129-character id', { ...valid, sub: 'a'.repeat(129) }],
    ['an empty id', { ...valid, did: '' }],
    ['a space in an id', { ...valid, sub: 'acct 1' }],
    ['a slash in an id', { ...valid, did: 'a/b' }],
    ['a non-string id', { ...valid, sub: 42 }],
    ['an unknown type', { ...valid, dty: 'fridge' }],
    ['a type of another case', { ...valid, dty: 'TV' }],
    ['iat as a string', { ...valid, iat: '1800000000' }],
    ['iat as Infinity', { ...valid, iat: Number.POSITIVE_INFINITY }],
    ['no did', { sub: 'a', dty: 'tv', iat: 1 }],
    ['extra claims', { ...valid, scope: 'admin', jti: 'x' }],
  ])('the hot-path check and the schema agree on %s', (_, payload) => {
    const schema = deviceClaims.safeParse(payload);
    const identity = deviceIdentity(payload as Record<string, unknown>);
    const fromSchema = schema.success ? { accountId: schema.data.sub, deviceId: schema.data.did, deviceType: schema.data.dty, issuedAtSeconds: schema.data.iat } : null;
    expect(identity).toEqual(fromSchema);
  });
});
