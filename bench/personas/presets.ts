/**
 * The presets the personas run under, built from bindings the way the gate
 * builds its own (`parseConfig`, `householdLimits`): Hearth's defaults are
 * whatever `parseConfig` answers for an unset binding, never a number
 * copied here.
 *
 * A run may set more bindings on top (the end-to-end replay's compressed
 * windows): the simulation and `wrangler dev` then read the same ones.
 */
import { parseConfig, type ConfigBindings, type GateConfig } from '../../src/config/config.ts';
import { householdLimits } from '../../src/household/limits.ts';
import type { Mode } from '../../src/vocabulary.ts';
import type { Preset } from './engine.ts';

export interface PresetDefinition {
  id: string;
  label: string;
  mode: Mode;
  /** Bindings set on top of the defaults. */
  bindings: ConfigBindings;
  anchorFollows: boolean;
  deviceBinding: boolean;
  /** Why this preset, in a sentence (docs/fairness.md). */
  why: string;
}

/** The leaked rule, in Hearth's settings (issue 25). */
export const LEAKED_BINDINGS: ConfigBindings = {
  TRUST_WINDOW: 'P31D',
  TEMP_ACCESS_DURATION: 'P7D',
  HOME_NETWORKS_MAX: 1,
  // No limit on codes was leaked: the largest Hearth accepts.
  TRAVEL_GRANTS_PER_WINDOW: 1000,
  // No shared-network handling: no network is ever shared.
  SHARED_NETWORK_HOUSEHOLDS: 1_000_000,
  // Neither of the owner's ways of v1.4: no second home, no away access.
  SECOND_HOMES: 0,
  AWAY_ACCESS_PER_YEAR: 0,
};

export const PRESETS: PresetDefinition[] = [
  { id: 'hearth-enforce', label: 'Hearth defaults, enforce', mode: 'enforce', bindings: {}, anchorFollows: true, deviceBinding: true, why: 'What Hearth ships, switched on.' },
  {
    id: 'hearth-challenge',
    label: 'Hearth defaults, challenge',
    mode: 'challenge',
    bindings: {},
    anchorFollows: true,
    deviceBinding: true,
    why: 'The step before enforce: every refusal is a challenge, and a code always works.',
  },
  {
    id: 'leaked',
    label: 'The leaked rule',
    mode: 'enforce',
    bindings: LEAKED_BINDINGS,
    anchorFollows: false,
    deviceBinding: false,
    why: 'Home Wi-Fi at least once every 31 days, 7-day access by code, one home network, no anchor following an ISP change, no shared-network handling, no device-bound tokens.',
  },
  {
    id: 'hearth-proposed',
    label: 'Hearth, binding required',
    mode: 'enforce',
    bindings: { DEVICE_BINDING: 'required' },
    anchorFollows: true,
    deviceBinding: true,
    why: 'The default this report proposes (docs/fairness.md, "Proposed defaults"): DEVICE_BINDING=required, once every app binds its tokens.',
  },
  {
    id: 'one-grant',
    label: 'What if: one travel grant',
    mode: 'enforce',
    bindings: { DEVICE_BINDING: 'required', TRAVEL_GRANTS_PER_WINDOW: 1 },
    anchorFollows: true,
    deviceBinding: true,
    why: 'The price of being firmer with sharers whose owner passes on codes: one travel grant per TRAVEL_WINDOW instead of two (not proposed).',
  },
];

/** The development bindings (`.dev.vars`), which every preset starts from: the values a run needs and does not study. */
export type BaseBindings = ConfigBindings;

/** The gate's configuration for `bindings` over `base`; throws with the bindings' problems. */
export function configFor(base: BaseBindings, bindings: ConfigBindings): GateConfig {
  const parsed = parseConfig({ ...base, ...bindings });
  if (!parsed.ok) throw new Error(`preset bindings: ${parsed.error.map((p) => `${p.binding} ${p.message}`).join('; ')}`);
  return parsed.value;
}

export function presetOf(definition: PresetDefinition, base: BaseBindings, more: ConfigBindings = {}): Preset {
  const config = configFor(base, { ...definition.bindings, ...more });
  return {
    id: definition.id,
    label: definition.label,
    mode: definition.mode,
    limits: householdLimits(config),
    temporaryAccessMs: config.temporaryAccessMs,
    extraMemberSlots: config.extraMemberSlots,
    primaryLocationChangesPerWindow: config.primaryLocationChangesPerWindow,
    secondHomes: config.secondHomes,
    awayAccessPerYear: config.awayAccessPerYear,
    anchorFollows: definition.anchorFollows,
    deviceBinding: definition.deviceBinding,
    bindingRequired: config.deviceBinding === 'required',
  };
}
