/**
 * The service's and devices' operations (`/healthz`, `/gate/v1/*`): the
 * decision, codes, the owner's ways back in, the device list and sign-out.
 * operations.ts lists them with the admin API's.
 */
import { defineOperation, type Operation } from '../api/operation';
import * as s from '../api/schemas';
import { getDecision } from './decision';
import { listDevices, movePrimaryLocation, openChallenge, signOutDevice, verifyChallenge } from './device-api';
import { giveAwayAccess, removeSecondHome, setSecondHome } from './household-homes';
import { health } from './health';
import { getStatus } from './status';
import { badInput, problem, tokenProblem, tooLarge } from './operation-answers';

export const deviceOperations: Operation[] = [
  defineOperation({
    method: 'get',
    path: '/healthz',
    operationId: 'health',
    summary: 'Liveness and version',
    tag: 'Service',
    auth: 'none',
    responses: {
      200: {
        description: 'Serving: `ok` true when every part is configured; `ok` false (`status` degraded) when playback serves but the admin API is misconfigured, its bindings named.',
        body: s.health,
      },
      500: problem('`MISCONFIGURED`: the gate cannot decide; every binding at fault is named.'),
    },
    handler: health,
  }),
  defineOperation({
    method: 'get',
    path: '/gate/v1/status',
    operationId: 'getStatus',
    summary: 'What the gate does in each region now, what is announced, and what changed (the status page as JSON)',
    description:
      'Per region with a rule (or an announced one) and for `*` (every other region): the mode and share of accounts in force, since when, every stricter step ahead with the date it applies (`notBefore` for a guarded stage: the earliest), and the last changes with whether they came with notice. Made from the rollout the gate decides with; no token, no account data. Any origin may read it (`Access-Control-Allow-Origin: *`); it may be kept for 60 s. The page for people is `GET /gate/status` (same query).',
    tag: 'Service',
    auth: 'none',
    query: s.statusQuery,
    responses: {
      200: { description: 'The status of every region (or of `region`).', body: s.statusResponse, headers: { 'Cache-Control': '`public, max-age=60`', 'Access-Control-Allow-Origin': '`*`' } },
      400: problem('`INVALID_REQUEST`: `region` is not a two-letter country code or `*`, or `lang` is not `en`, `es`, `pt-BR` or `fr`; `field` names it.'),
    },
    handler: getStatus,
  }),
  defineOperation({
    method: 'get',
    path: '/gate/v1/decision',
    operationId: 'getDecision',
    summary: 'The decision for this device, network and region, without forwarding',
    tag: 'Device',
    auth: 'device',
    countsSessions: true,
    responses: {
      200: {
        description: 'The decision (allow, challenge or deny) and why. An allow carries a playback session for the playback paths.',
        body: s.decisionResponse,
        headers: {
          'Hearth-Decision': '`<decision>; reason=<REASON>[; would=<decision>]`',
          'Hearth-Request-Id': 'The request id, also in the body.',
          'Hearth-Session': 'On `allow` only: the playback session (opaque); send it back on playback paths instead of the token.',
          'Set-Cookie':
            'On `allow`: `hearth_session=<session>; Max-Age=<lifetime>; Path=/; HttpOnly; Secure; SameSite=Lax`. Otherwise `hearth_session=; Max-Age=0` (a browser plays on its latest decision only).',
        },
      },
      401: tokenProblem,
    },
    handler: getDecision,
  }),
  defineOperation({
    method: 'post',
    path: '/gate/v1/challenges',
    operationId: 'openChallenge',
    summary: 'Send a verification code to the account owner',
    description:
      'The code is for `purpose`: `access` (the default, also with no body) gives this device temporary access through `/verify`; `primary-location` lets this TV move the household through `POST /gate/v1/household/primary-location`; `sign-out` (with `deviceId`) lets this device sign that device out from away through `DELETE /gate/v1/household/devices/{deviceId}` (the webhook carries `targetDeviceId`). A code of one purpose never serves another, and a sign-out code serves only the device it was asked for. A `primary-location` or `sign-out` code is sent even when the device is allowed; a `primary-location` code is refused before it is sent when the household has no location change left.',
    tag: 'Device',
    auth: 'device',
    body: s.challengeRequest,
    bodyOptional: true,
    responses: {
      201: { description: 'Code sent.', body: s.challengeCreated },
      400: problem(
        '`INVALID_REQUEST`: malformed JSON, a `purpose` other than `access`, `primary-location` or `sign-out`, or `deviceId` missing with `sign-out` (or given with another purpose); `field` names it.',
      ),
      401: tokenProblem,
      403: problem(
        '`TRAVEL_LIMIT_REACHED` (enforce mode, `access`), `DEVICE_TYPE_NOT_ALLOWED` (`primary-location` or `second-home` from a device that is not a TV), `AWAY_ACCESS_LIMIT` (`away-access`: the account gave `AWAY_ACCESS_PER_YEAR` in 365 days; nothing sent), `BIND_AT_HOME` (a device bound since its id was last home, asking away for what only its id could take), or `CROSS_SITE_REQUEST`: authenticated by the `hearth_device` cookie without same-origin evidence (`Sec-Fetch-Site` or `Origin`).',
      ),
      404: problem('`DEVICE_NOT_FOUND` (`sign-out`): the household holds no such device; no code was sent.'),
      409: problem('`NOT_REQUIRED` (`access` only): the device is allowed anyway; `ALREADY_HOME` (`second-home`): this network is already one of the household’s homes.'),
      413: tooLarge,
      429: problem(
        '`CHALLENGE_RATE_LIMITED`: 3 codes per device and 10 per account per hour, whatever their purpose (`limit` says which); `PRIMARY_LOCATION_CHANGE_LIMIT` (`primary-location`): no change left in the window; or `SECOND_HOME_LIMIT` (`second-home`): past `SECOND_HOMES`, or a second home set or removed within 90 days — no code was sent. See Retry-After.',
      ),
      502: problem('`NOTIFY_FAILED`: the code could not be delivered; nothing was counted.'),
    },
    handler: openChallenge,
  }),
  defineOperation({
    method: 'post',
    path: '/gate/v1/challenges/{id}/verify',
    operationId: 'verifyChallenge',
    summary: 'Check a code; success grants temporary access',
    tag: 'Device',
    auth: 'device',
    params: s.challengeParam,
    body: s.verifyBody,
    responses: {
      200: { description: 'Temporary access granted.', body: s.verifySuccess },
      400: badInput,
      401: tokenProblem,
      403: problem(
        '`CODE_INVALID` with `attemptsRemaining`, `TRAVEL_LIMIT_REACHED`, or `CROSS_SITE_REQUEST`: authenticated by the `hearth_device` cookie without same-origin evidence (`Sec-Fetch-Site` or `Origin`).',
      ),
      404: problem('`CHALLENGE_NOT_FOUND`: unknown id, another device’s challenge, or a `primary-location` challenge (its code never grants access).'),
      410: problem('`CHALLENGE_EXPIRED`: past its lifetime (`CODE_TTL`); or `CODE_ALREADY_USED`: the code was used already. Either way, ask for a new code (the `verify` action).'),
      413: tooLarge,
      429: problem('`CHALLENGE_LOCKED`: too many wrong codes.'),
    },
    handler: verifyChallenge,
  }),
  defineOperation({
    method: 'post',
    path: '/gate/v1/household/primary-location',
    operationId: 'setPrimaryLocation',
    summary: 'Make this TV’s network the primary location, with the owner’s code',
    description:
      'Send the `challengeId` of a `primary-location` challenge this TV opened (`POST /gate/v1/challenges` with `{ "purpose": "primary-location" }`) and the code the owner received. The code is checked as `/verify` checks one (attempts counted first, used once); the move and the code being used are one step.',
    tag: 'Device',
    auth: 'device',
    body: s.primaryLocationRequest,
    bodyOptional: true,
    responses: {
      200: { description: 'The household’s networks now.', body: s.householdNetworks },
      400: problem(
        '`NETWORK_UNKNOWN`: the client address could not be read; or `INVALID_REQUEST`: a `code` that is not 6 digits, a `challengeId` that is not a string, malformed JSON (`field` names it).',
      ),
      401: tokenProblem,
      403: problem(
        '`DEVICE_TYPE_NOT_ALLOWED`: only a TV can do this; `VERIFICATION_REQUIRED` (with a `verify` action): no `challengeId` and `code`, or not those of a `primary-location` challenge this TV opened; `CODE_INVALID` with `attemptsRemaining`; or `CROSS_SITE_REQUEST`: authenticated by the `hearth_device` cookie without same-origin evidence (`Sec-Fetch-Site` or `Origin`).',
      ),
      410: problem('`CHALLENGE_EXPIRED`: past its lifetime (`CODE_TTL`); or `CODE_ALREADY_USED`: the code was used already. Either way, ask for a new code (the `verify` action).'),
      413: tooLarge,
      429: problem('`CHALLENGE_LOCKED`: too many wrong codes; or `PRIMARY_LOCATION_CHANGE_LIMIT`: see Retry-After.'),
    },
    handler: movePrimaryLocation,
  }),
  defineOperation({
    method: 'post',
    path: '/gate/v1/household/second-home',
    operationId: 'setSecondHome',
    summary: 'Make this TV’s network a second home of the household, with the owner’s code',
    description:
      'Send the `challengeId` of a `second-home` challenge this TV opened (`POST /gate/v1/challenges` with `{ "purpose": "second-home" }`) and the code the owner received. This TV keeps the new home (its anchor: §4 applies to each home and its anchor alike); `HOME_NETWORKS_MAX` counts every home’s networks. At most `SECOND_HOMES`, and a second home set or removed waits 90 days for the next change.',
    tag: 'Device',
    auth: 'device',
    body: s.secondHomeRequest,
    bodyOptional: true,
    responses: {
      200: { description: 'The household’s homes now.', body: s.householdNetworks },
      400: problem('`NETWORK_UNKNOWN`: the client address could not be read; or `INVALID_REQUEST` (`field` names it).'),
      401: tokenProblem,
      403: problem(
        '`DEVICE_TYPE_NOT_ALLOWED`: only a TV; `VERIFICATION_REQUIRED` (with a `verify` action): no code, or not that of a `second-home` challenge this TV opened; `CODE_INVALID` with `attemptsRemaining`; `BIND_AT_HOME`; or `CROSS_SITE_REQUEST`.',
      ),
      409: problem('`ALREADY_HOME`: this network is already one of the household’s homes.'),
      410: problem('`CHALLENGE_EXPIRED` or `CODE_ALREADY_USED`.'),
      413: tooLarge,
      429: problem('`CHALLENGE_LOCKED`; or `SECOND_HOME_LIMIT`: past `SECOND_HOMES`, or a second home set or removed within 90 days (Retry-After).'),
    },
    handler: setSecondHome,
  }),
  defineOperation({
    method: 'delete',
    path: '/gate/v1/household/second-home',
    operationId: 'removeSecondHome',
    summary: 'Remove the second home this TV keeps, with the owner’s code',
    description:
      'With a `second-home` code this TV opened: the second home it keeps (or, when the household has one, that one) leaves the household with its networks; its devices keep what rows 7–10 give them. Counts for the 90-day wait.',
    tag: 'Device',
    auth: 'device',
    body: s.secondHomeRequest,
    bodyOptional: true,
    responses: {
      204: { description: 'Removed.' },
      400: problem('`NETWORK_UNKNOWN` or `INVALID_REQUEST`.'),
      401: tokenProblem,
      403: problem('`DEVICE_TYPE_NOT_ALLOWED`, `VERIFICATION_REQUIRED`, `CODE_INVALID`, or `CROSS_SITE_REQUEST`.'),
      404: problem('`SECOND_HOME_NOT_FOUND`: no second home kept by this TV.'),
      410: problem('`CHALLENGE_EXPIRED` or `CODE_ALREADY_USED`.'),
      413: tooLarge,
      429: problem('`CHALLENGE_LOCKED`; or `SECOND_HOME_LIMIT`: a second home set or removed within 90 days.'),
    },
    handler: removeSecondHome,
  }),
  defineOperation({
    method: 'post',
    path: '/gate/v1/household/away-access',
    operationId: 'giveAwayAccess',
    summary: 'Access from anywhere for this device, for a posting, a term or a long stay, with the owner’s code',
    description:
      'Send the `challengeId` of an `away-access` challenge this device opened (`POST /gate/v1/challenges` with `{ "purpose": "away-access", "days": N }`) and the code the owner received; `days`, if given, at most the code’s. The device then plays from anywhere until `expiresAt` (decision row 10, reason `AWAY_ACCESS`); a sign-out ends it, and support may end it early. At most `AWAY_ACCESS_PER_YEAR` per account in 365 days.',
    tag: 'Device',
    auth: 'device',
    body: s.awayAccessRequest,
    bodyOptional: true,
    responses: {
      200: { description: 'Away access given.', body: s.awayAccessGranted },
      400: problem('`INVALID_REQUEST`: `days` not a whole number from 1 to `AWAY_ACCESS_MAX` (in days), or more than the code was asked with; a malformed `code` or `challengeId` (`field` names it).'),
      401: tokenProblem,
      403: problem(
        '`VERIFICATION_REQUIRED` (with a `verify` action): no code, or not that of an `away-access` challenge this device opened; `CODE_INVALID` with `attemptsRemaining`; `AWAY_ACCESS_LIMIT`: the account gave `AWAY_ACCESS_PER_YEAR` in the last 365 days (Retry-After); `BIND_AT_HOME`: a device bound since its id was last home; or `CROSS_SITE_REQUEST`.',
      ),
      410: problem('`CHALLENGE_EXPIRED` or `CODE_ALREADY_USED`.'),
      413: tooLarge,
      429: problem('`CHALLENGE_LOCKED`: too many wrong codes.'),
    },
    handler: giveAwayAccess,
  }),
  defineOperation({
    method: 'get',
    path: '/gate/v1/household/devices',
    operationId: 'listDevices',
    summary: 'The account’s devices, their access and until when',
    tag: 'Device',
    auth: 'device',
    responses: { 200: { description: 'Devices, most recently seen first.', body: s.deviceList }, 401: tokenProblem },
    handler: listDevices,
  }),
  defineOperation({
    method: 'delete',
    path: '/gate/v1/household/devices/{deviceId}',
    operationId: 'signOutDevice',
    summary: 'Sign a device out: itself always; another device from home or with the owner’s code',
    description:
      'A device signs itself out with no body. Another device needs the requester at home (decision row 6 matches for it) or the owner’s code of a `sign-out` challenge the requester opened for that device (`{ challengeId, code }`). A sign-out ends everything the device held — its key, seen at home and the trust it gave, temporary access and travel grants used, support grants to it, its extra-member slot and the anchor role — and its tokens issued at or before this second answer `401 DEVICE_REVOKED`. The owner is told (`household_event` `device_signed_out`, with `by`).',
    tag: 'Device',
    auth: 'device',
    params: s.deviceIdParam,
    body: s.signOutRequest,
    bodyOptional: true,
    responses: {
      204: { description: 'Signed out.' },
      400: badInput,
      401: tokenProblem,
      403: problem(
        '`VERIFICATION_REQUIRED` (with a `verify` action): another device, asked from away without a code of a `sign-out` challenge this device opened for it; `CODE_INVALID` (with `attemptsRemaining`); or `CROSS_SITE_REQUEST`: authenticated by the `hearth_device` cookie without same-origin evidence (`Sec-Fetch-Site` or `Origin`).',
      ),
      404: problem('`DEVICE_NOT_FOUND`.'),
      410: problem('`CHALLENGE_EXPIRED` or `CODE_ALREADY_USED`.'),
      413: tooLarge,
      429: problem('`CHALLENGE_LOCKED`: too many wrong codes for this challenge.'),
    },
    handler: signOutDevice,
  }),
];
