/**
 * The contract's `Counts` as a zod schema: the one place its shape is
 * written. `GET /admin/v1/metrics` is documented and checked with it
 * (api/schemas.ts), and tally.ts reads its `Counts` type off it.
 *
 * Here, not in api/: the metrics need the type and must not depend on the
 * edge (api imports metrics, never the other way).
 */
import * as z from 'zod';
import { feedbackCounts, householdCounts } from '../policy/rule-schema';

export const outcomeCounts = z.object({ allow: z.number().int(), challenge: z.number().int(), deny: z.number().int() }).meta({ id: 'OutcomeCounts' });
const evidenceCounts = z.object({ network: z.number().int(), anchor: z.number().int(), copresence: z.number().int() });
const modeCounts = z.object({ off: z.number().int(), monitor: z.number().int(), challenge: z.number().int(), enforce: z.number().int(), none: z.number().int() });

/** The fields of `Counts`, also spread into each step of a metrics series. */
export const countsShape = {
  sessions: outcomeCounts.meta({ description: 'Answers of GET /gate/v1/decision, by decision.' }),
  segments: outcomeCounts,
  wouldRefuse: z.object({ sessions: z.number().int(), segments: z.number().int() }).meta({ description: 'Answers that enforce would have refused (in any mode).' }),
  reasons: z.record(z.string(), z.number().int()).meta({ description: 'Sessions and segments by reason code.' }),
  verification: z.object({ sent: z.number().int(), verified: z.number().int(), wrong: z.number().int(), locked: z.number().int(), expired: z.number().int() }),
  modes: z.object({ sessions: modeCounts, segments: modeCounts }).meta({ description: 'Answers by the mode they were given under (`none`: token refused).' }),
  treated: z
    .object({ sessions: z.number().int(), refused: z.number().int(), codesSent: z.number().int(), codesVerified: z.number().int() })
    .meta({ description: 'What a guard reads: sessions answered under challenge or enforce, refusals among them, and their codes sent and verified.' }),
  households: householdCounts.meta({
    description:
      'Distinct households (estimates, exact below 100, within 2 % above): treated (a session under challenge or enforce), refused (such a session refused), sent (a code sent), verified (a code verified), and `feedback`: refused households by what they said when asked why they are where they are (POST /gate/v1/feedback; one household from many devices counts once). In totals over the whole period (a household in two steps counts once); in series over each step.',
  }),
  inHousehold: z.object({ sessions: evidenceCounts, segments: evidenceCounts }).meta({
    description:
      'Answers enforce would give IN_HOUSEHOLD (in any mode), by what made them home: `network` (a home network that is not shared), `anchor` (the household’s TV on a shared home network), `copresence` (a device at an address the TV used there within COPRESENCE_WINDOW).',
  }),
  sharedNetworks: z.object({ sessions: z.number().int(), segments: z.number().int(), wouldRefuse: z.object({ sessions: z.number().int(), segments: z.number().int() }) }).meta({
    description:
      'Answers to requests from one of the household’s shared home networks (carrier-grade NAT, campuses, hotels), and those enforce would refuse: what a rollout costs people behind shared addresses.',
  }),
  feedback: feedbackCounts.meta({ description: 'Answers of POST /gate/v1/feedback by situation (answers, not households: see households.feedback). Never a comment.' }),
};
export const counts = z.object(countsShape).meta({ id: 'Counts' });
