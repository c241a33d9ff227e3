/**
 * The people a household rule may forget, and the sharers it exists for
 * (issue 25), as small scripts: which device streams on which day, at what
 * hour, from which network and address; whether the viewer asks for a code;
 * what the household does when no code helps.
 *
 * Networks and addresses are names: a network stands for a /24, an address
 * for one public IPv4 address in it (`home` and `home.1`). Hours carry a
 * small fixed jitter per device and day (a hash, not a random draw), so the
 * runs are the same every time and no session sits exactly on the edge of a
 * window.
 */
import type { Action, DeviceSpec, Persona } from './engine.ts';
import type { DeviceType } from '../../src/vocabulary.ts';

/** A fixed fraction in [0, 1) for a name and a day (FNV-1a). */
function jitter(name: string, day: number): number {
  let hash = 0x811c9dc5;
  for (const char of `${name}:${day}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 10_000) / 10_000;
}

/** An hour near `base`: up to `spread` hours later, fixed per device and day. */
const hourOf = (base: number, spread: number, name: string, day: number) => base + jitter(name, day) * spread;

const device = (account: string, name: string, type: DeviceType, more: Partial<DeviceSpec> = {}): DeviceSpec => ({ id: name, name, type, account, measured: true, ...more });

const session = (deviceName: string, network: string, address: string, hour: number): Action => ({ kind: 'session', device: deviceName, network, address, hour });

/** Day 0 is a Monday. */
const weekday = (day: number) => day % 7 < 5;

/** A home evening from `from` o'clock: the devices given, an hour apart, on the home network at the TV's address. */
function evening(day: number, network: string, address: string, names: string[], from = 18): Action[] {
  return names.map((name, i) => session(name, network, address, hourOf(from + i, 1, name, day)));
}

export const HOUSEHOLDS: Persona[] = [
  {
    id: 'family',
    name: 'A family at home',
    kind: 'household',
    summary: 'A TV, two phones that commute (mobile data on weekdays), a tablet; all live at home.',
    devices: [device('fam', 'tv', 'tv'), device('fam', 'phone-1', 'mobile'), device('fam', 'phone-2', 'mobile'), device('fam', 'tablet', 'tablet')],
    day: (day) => [
      ...evening(day, 'fam-home', 'fam-home.1', ['tv', 'tablet']),
      ...(weekday(day)
        ? [session('phone-1', 'mobile-a', `mobile-a.${day % 50}`, hourOf(8, 1, 'phone-1', day)), session('phone-2', 'mobile-b', `mobile-b.${day % 40}`, hourOf(17, 1, 'phone-2', day))]
        : []),
      ...(day % 3 === 0 ? evening(day, 'fam-home', 'fam-home.1', ['phone-1', 'phone-2'], 21) : []),
    ],
    asksCode: true,
    says: 'live-here',
    escalation: { kind: 'extra-member' },
  },
  {
    id: 'traveller',
    name: 'A traveller',
    kind: 'household',
    summary: 'Two two-week trips abroad (days 20–33 and 80–93) with a phone from home and the hotel TV; a TV and a tablet at home.',
    devices: [device('trv', 'tv', 'tv'), device('trv', 'phone', 'mobile'), device('trv', 'tablet', 'tablet'), device('trv', 'hotel-tv-1', 'tv'), device('trv', 'hotel-tv-2', 'tv')],
    day: (day) => {
      const trip = day >= 20 && day <= 33 ? 1 : day >= 80 && day <= 93 ? 2 : 0;
      if (trip === 0) return evening(day, 'trv-home', 'trv-home.1', ['tv', 'phone', 'tablet']);
      const hotel = `trv-hotel-${trip}`;
      return [
        session('phone', hotel, `${hotel}.9`, hourOf(7, 1, 'phone', day)),
        session(`hotel-tv-${trip}`, hotel, `${hotel}.9`, hourOf(21, 1, 'hotel-tv', day)),
        ...evening(day, 'trv-home', 'trv-home.1', ['tablet']),
      ];
    },
    asksCode: true,
    says: 'travelling',
    escalation: { kind: 'extra-member' },
  },
  {
    id: 'student',
    name: 'A student away for a term',
    kind: 'household',
    summary: 'A laptop and a phone at a flat near campus from day 7 to day 112, home for a reading week (days 49–55) and after the term.',
    devices: [device('stu', 'tv', 'tv'), device('stu', 'laptop', 'web'), device('stu', 'phone', 'mobile')],
    day: (day) => {
      const away = day >= 7 && day < 112 && !(day >= 49 && day <= 55);
      const family = evening(day, 'stu-home', 'stu-home.1', ['tv']);
      if (!away) return [...family, ...evening(day, 'stu-home', 'stu-home.1', ['laptop', 'phone'], 20)];
      return [...family, session('laptop', 'stu-campus', 'stu-campus.4', hourOf(21, 1, 'laptop', day)), session('phone', 'stu-campus', 'stu-campus.4', hourOf(13, 1, 'phone', day))];
    },
    asksCode: true,
    says: 'studying',
    // v1.4: the owner gives the term's devices away access with their code, no support call.
    escalation: { kind: 'away-access', days: 120 },
  },
  {
    id: 'military',
    name: 'A military posting',
    kind: 'household',
    summary: 'A phone posted away for nine months from day 10 (past the 120 days); the family TV and tablet at home.',
    devices: [device('mil', 'tv', 'tv'), device('mil', 'tablet', 'tablet'), device('mil', 'phone', 'mobile')],
    day: (day) => [
      ...evening(day, 'mil-home', 'mil-home.1', ['tv', 'tablet']),
      day < 10 ? session('phone', 'mil-home', 'mil-home.1', hourOf(21, 1, 'phone', day)) : session('phone', 'mil-base', 'mil-base.30', hourOf(22, 1, 'phone', day)),
    ],
    asksCode: true,
    says: 'posted-away',
    // v1.4: when the travel grants run out, the owner gives the posted phone away access (180 days, twice a year).
    escalation: { kind: 'away-access', days: 180 },
  },
  {
    id: 'two-homes',
    name: 'Two homes',
    kind: 'household',
    summary: 'A weekday flat and a weekend house, a TV in each; the phones go back and forth.',
    devices: [device('two', 'tv-flat', 'tv'), device('two', 'tv-house', 'tv'), device('two', 'phone', 'mobile')],
    day: (day) => (weekday(day) ? evening(day, 'two-flat', 'two-flat.1', ['tv-flat', 'phone']) : evening(day, 'two-house', 'two-house.1', ['tv-house', 'phone'])),
    asksCode: true,
    says: 'second-home',
    // v1.4: the first time the house's TV is refused there, the owner makes the house a second home from it.
    escalation: { kind: 'second-home', device: 'tv-house' },
  },
  ispChange(),
  {
    id: 'moving',
    name: 'Moving house on day 60',
    kind: 'household',
    summary: 'A family that moves on day 60; the TV moves the household with the owner’s code that morning.',
    devices: [device('mov', 'tv', 'tv'), device('mov', 'phone', 'mobile'), device('mov', 'tablet', 'tablet')],
    day: (day) => {
      if (day < 60) return evening(day, 'mov-old', 'mov-old.1', ['tv', 'phone', 'tablet']);
      const moveNow: Action[] = day === 60 ? [{ kind: 'move', device: 'tv', network: 'mov-new', address: 'mov-new.1', hour: 10 }] : [];
      return [...moveNow, ...evening(day, 'mov-new', 'mov-new.1', ['tv', 'phone', 'tablet'])];
    },
    asksCode: true,
    says: 'live-here',
    escalation: { kind: 'extra-member' },
  },
  cgnatHousehold(),
  {
    id: 'co-parenting',
    name: 'Co-parenting',
    kind: 'household',
    summary: 'A tablet that spends alternate weeks at the other parent’s home (not part of the account); the TV stays home.',
    devices: [device('cop', 'tv', 'tv'), device('cop', 'tablet', 'tablet')],
    day: (day) => [
      ...evening(day, 'cop-home', 'cop-home.1', ['tv']),
      Math.floor(day / 7) % 2 === 0 ? session('tablet', 'cop-home', 'cop-home.1', hourOf(17, 1, 'tablet', day)) : session('tablet', 'cop-other', 'cop-other.5', hourOf(17, 1, 'tablet', day)),
    ],
    asksCode: true,
    says: 'second-home',
    escalation: { kind: 'extra-member' },
  },
  {
    id: 'new-tv',
    name: 'A new TV, the old one signed out',
    kind: 'household',
    summary: 'A new TV arrives on day 30; the owner signs the old one out and gives it to a relative, where it tries once more.',
    devices: [device('ntv', 'tv-old', 'tv', { measured: false }), device('ntv', 'tv-new', 'tv', { signedInDay: 30 }), device('ntv', 'phone', 'mobile')],
    day: (day) => {
      if (day < 30) return evening(day, 'ntv-home', 'ntv-home.1', ['tv-old', 'phone']);
      const change: Action[] = day === 30 ? [{ kind: 'sign-out', device: 'tv-old', hour: 12 }] : [];
      const relative = day === 32 ? [session('tv-old', 'ntv-relative', 'ntv-relative.3', 20)] : [];
      return [...change, ...relative, ...evening(day, 'ntv-home', 'ntv-home.1', ['tv-new', 'phone'])];
    },
    asksCode: true,
    says: 'live-here',
    escalation: { kind: 'extra-member' },
  },
  dormStudent(),
];

/** A family whose broadband provider changes on `changeDay`: every device comes back on a new network. */
export function ispChange(changeDay = 40): Persona {
  const home = (day: number) => (day < changeDay ? { network: 'isp-old', address: 'isp-old.1' } : { network: 'isp-new', address: 'isp-new.1' });
  return {
    id: 'isp-change',
    name: `An ISP change on day ${changeDay}`,
    kind: 'household',
    summary: `A family whose broadband provider changes on day ${changeDay}: every device comes back on a new network.`,
    devices: [device('isp', 'tv', 'tv'), device('isp', 'phone', 'mobile'), device('isp', 'tablet', 'tablet')],
    day: (day) => evening(day, home(day).network, home(day).address, ['tv', 'phone', 'tablet']),
    home,
    asksCode: true,
    says: 'live-here',
    escalation: { kind: 'move', device: 'tv' },
  };
}

/**
 * A household behind carrier-grade NAT: its /24 is home to 30 households
 * (29 neighbours' TVs stream there every few days). The TV and the tablet
 * share the home's public address, which the carrier changes every ten days;
 * the phones stream on mobile data at home.
 */
export function cgnatHousehold(neighbours = 29): Persona {
  const others = Array.from({ length: neighbours }, (_, i) => device(`cgn-n${i + 1}`, `tv-n${i + 1}`, 'tv', { measured: false }));
  const address = (day: number) => `cgn-pool.${7 + Math.floor(day / 10)}`;
  return {
    id: 'cgnat',
    name: 'Behind carrier-grade NAT',
    kind: 'household',
    summary: `A home on a /24 shared by ${neighbours + 1} households; TV and tablet behind one public address (changed every ten days), phones on mobile data at home.`,
    devices: [device('cgn', 'tv', 'tv'), device('cgn', 'tablet', 'tablet'), device('cgn', 'phone-1', 'mobile'), device('cgn', 'phone-2', 'mobile'), ...others],
    day: (day) => [
      ...others.filter((_, i) => (day + i) % 5 === 0 || day === 0).map((other, i) => session(other.name, 'cgn-pool', `cgn-pool.${100 + i}`, hourOf(9, 2, other.name, day))),
      ...evening(day, 'cgn-pool', address(day), ['tv', 'tablet']),
      session('phone-1', 'cgn-mobile', `cgn-mobile.${day % 30}`, hourOf(20, 1, 'phone-1', day)),
      session('phone-2', 'cgn-mobile', `cgn-mobile.${(day + 11) % 30}`, hourOf(21, 1, 'phone-2', day)),
    ],
    asksCode: true,
    says: 'live-here',
    escalation: { kind: 'extra-member' },
  };
}

/** A student with their own account in a dorm: a /24 held by 40 students; the TV in the room, the laptop and phone on the dorm's Wi-Fi at other addresses of it. */
function dormStudent(neighbours = 39): Persona {
  const others = Array.from({ length: neighbours }, (_, i) => device(`dor-n${i + 1}`, `tv-n${i + 1}`, 'tv', { measured: false }));
  return {
    id: 'dorm',
    name: 'A student in a dorm',
    kind: 'household',
    summary: `A dorm whose network is home to ${neighbours + 1} students; the TV in the room, the laptop and phone on the dorm Wi-Fi (addresses the TV does not use).`,
    devices: [device('dor', 'tv', 'tv'), device('dor', 'laptop', 'web'), device('dor', 'phone', 'mobile'), ...others],
    day: (day) => [
      ...others.filter((_, i) => (day + i) % 5 === 0 || day === 0).map((other, i) => session(other.name, 'dor-net', `dor-net.${100 + i}`, hourOf(9, 2, other.name, day))),
      ...evening(day, 'dor-net', 'dor-net.40', ['tv']),
      session('laptop', 'dor-net', `dor-net.${200 + (day % 50)}`, hourOf(22, 1, 'laptop', day)),
      session('phone', 'dor-net', `dor-net.${150 + (day % 40)}`, hourOf(13, 1, 'phone', day)),
    ],
    asksCode: true,
    says: 'studying',
    escalation: { kind: 'extra-member' },
  };
}

/** The owner's own home in a sharer persona: a TV streaming every evening (not counted). */
const ownerTv = (account: string, more: Partial<DeviceSpec> = {}) => device(account, 'owner-tv', 'tv', { measured: false, ...more });

export const SHARERS: Persona[] = [
  {
    id: 'friend',
    name: 'A friend in another city',
    kind: 'sharer',
    summary: 'Streams every day from their own home; the owner passes on every code.',
    devices: [ownerTv('frd'), device('frd', 'friend-phone', 'mobile')],
    day: (day) => [...evening(day, 'frd-home', 'frd-home.1', ['owner-tv']), session('friend-phone', 'frd-away', 'frd-away.2', hourOf(21, 1, 'friend', day))],
    asksCode: true,
    escalation: null,
  },
  {
    id: 'ex-partner',
    name: 'An ex-partner’s phone',
    kind: 'sharer',
    summary: 'Was home until day 0, then streams from a new flat; the owner sends no codes.',
    devices: [ownerTv('exp'), device('exp', 'ex-phone', 'mobile')],
    day: (day) => [
      ...evening(day, 'exp-home', 'exp-home.1', ['owner-tv']),
      day === 0 ? session('ex-phone', 'exp-home', 'exp-home.1', 21) : session('ex-phone', 'exp-flat', 'exp-flat.6', hourOf(21, 1, 'ex', day)),
    ],
    asksCode: false,
    escalation: null,
  },
  twentyHouseholds(),
  copiedTv(false),
  copiedTv(true),
];

/** One account used from 20 households, one device in each; the owner passes on every code. */
export function twentyHouseholds(count = 20): Persona {
  const sharers = Array.from({ length: count }, (_, i) => device('twn', `house-${i + 1}`, i % 3 === 0 ? 'tv' : 'mobile'));
  return {
    id: 'twenty',
    name: 'One account, 20 households',
    kind: 'sharer',
    summary: `The account's password in ${count} other homes, one device in each, streaming daily; the owner passes on every code.`,
    devices: [ownerTv('twn'), ...sharers],
    day: (day) => [...evening(day, 'twn-home', 'twn-home.1', ['owner-tv']), ...sharers.map((s, i) => session(s.name, `twn-h${i + 1}`, `twn-h${i + 1}.3`, hourOf(8 + (i % 14), 1, s.name, day)))],
    asksCode: true,
    escalation: null,
  };
}

/**
 * A sharer whose own TV's app carries the owner's TV's device id, streaming
 * late at night at home while the real TV has gone quiet. With device-bound
 * tokens the real TV's key was recorded first; the copy proves another key.
 */
export function copiedTv(bound: boolean): Persona {
  const account = bound ? 'cpb' : 'cpu';
  return {
    id: bound ? 'copied-tv-bound' : 'copied-tv',
    name: bound ? 'A copied TV id, device-bound tokens' : 'A copied TV id, unbound tokens',
    kind: 'sharer',
    summary: `Another home's TV carrying the owner's TV's device id${bound ? ', with a key of its own (the real TV’s key was recorded first)' : ''}; it streams at 23:00 when the real TV has been quiet since 21:00.`,
    devices: [ownerTv(account, bound ? { key: 'key-real-tv' } : {}), device(account, 'copy', 'tv', { id: 'owner-tv', ...(bound ? { key: 'key-copy' } : {}) })],
    day: (day) => [...evening(day, `${account}-home`, `${account}-home.1`, ['owner-tv']), session('copy', `${account}-away`, `${account}-away.8`, hourOf(23, 0.5, 'copy', day))],
    asksCode: false,
    escalation: null,
  };
}

export const PERSONAS: Persona[] = [...HOUSEHOLDS, ...SHARERS];
