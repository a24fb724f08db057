import { z } from 'zod';
import { AthleteParams, ClubParams, NoBody, NoQuery } from '../../protocol/api.ts';
import { DeviceId } from '../../protocol/ids.ts';
import {
  Athlete,
  AthleteCreate,
  AthletePatch,
  BuiltInDeviceProfileName,
  ClubSettings,
  ClubSettingsPatch,
  Device,
  DeviceCreate,
  DevicePatch,
} from '../../protocol/roster.ts';
import { parseRosterCsv, RosterImportResult } from '../../protocol/roster-csv.ts';
import type { Api, ApiDeps, ApiSettings } from '../app.ts';
import { auditAs, requireAthleteAccess, requireClubAccess } from '../auth/club-access.ts';
import { ApiError } from '../errors.ts';

const DeviceParams = ClubParams.extend({ device: DeviceId });
/** What only the athlete decides: how the club's screen shows them, and their weekly goal. */
const ATHLETE_CHOICES = ['screenPrivacy', 'alias', 'screenHideKcal', 'weeklyPointsGoal'] as const;
/** A spreadsheet of a few thousand members fits; a bigger upload is not a roster. */
export const ROSTER_CSV_MAX_BYTES = 1024 * 1024;

/** The club itself, its athletes and its devices: staff keep the roster, an athlete edits their own profile. */
export function registerRosterRoutes(app: Api, deps: ApiDeps, settings: ApiSettings): void {
  const writeLimit = { rateLimit: { max: settings.writesPerMinute, timeWindow: 60_000 } };
  const audit = auditAs(deps.accounts);

  app.get(
    '/api/v1/clubs/:club',
    { schema: { params: ClubParams, querystring: NoQuery, response: { 200: ClubSettings } } },
    async (request) => {
      requireClubAccess(request, request.params.club, 'member');
      return deps.registry.clubSettings(request.params.club)!;
    },
  );

  app.patch(
    '/api/v1/clubs/:club',
    { config: writeLimit, schema: { params: ClubParams, body: ClubSettingsPatch, response: { 200: ClubSettings } } },
    async (request) => {
      requireClubAccess(request, request.params.club, 'manager');
      deps.registry.updateClub(request.params.club, request.body);
      audit(request, 'club-updated', request.params.club, request.params.club);
      return deps.registry.clubSettings(request.params.club)!;
    },
  );

  // ---- athletes

  app.get(
    '/api/v1/clubs/:club/athletes',
    { schema: { params: ClubParams, querystring: NoQuery, response: { 200: z.object({ athletes: z.array(Athlete) }) } } },
    async (request) => {
      const access = requireClubAccess(request, request.params.club, 'member');
      const athletes = deps.registry.listAthletes(request.params.club);
      return { athletes: access.staff ? athletes : athletes.filter((athlete) => athlete.id === access.athlete) };
    },
  );

  app.post(
    '/api/v1/clubs/:club/athletes',
    { config: writeLimit, schema: { params: ClubParams, body: AthleteCreate, response: { 201: Athlete } } },
    async (request, reply) => {
      requireClubAccess(request, request.params.club, 'staff');
      const athlete = deps.registry.createAthlete(request.params.club, request.body);
      audit(request, 'athlete-created', request.params.club, athlete.id);
      return reply.status(201).send(athlete);
    },
  );

  app.get(
    '/api/v1/clubs/:club/athletes/:athlete',
    { schema: { params: AthleteParams, querystring: NoQuery, response: { 200: Athlete } } },
    async (request) => {
      const { club, athlete } = request.params;
      requireAthleteAccess(requireClubAccess(request, club, 'member'), athlete);
      return deps.registry.getAthlete(club, athlete) ?? notFound('no such athlete');
    },
  );

  app.patch(
    '/api/v1/clubs/:club/athletes/:athlete',
    { config: writeLimit, schema: { params: AthleteParams, body: AthletePatch, response: { 200: Athlete } } },
    async (request) => {
      const { club, athlete } = request.params;
      // Staff edit anyone's profile; an athlete edits their own. How they appear on the shared screen and
      // their goal are the athlete's own choices, nobody else's.
      const access = requireClubAccess(request, club, 'member');
      requireAthleteAccess(access, athlete);
      if (access.athlete !== athlete && ATHLETE_CHOICES.some((field) => request.body[field] !== undefined))
        throw new ApiError('SC_ERR_FORBIDDEN', `only the athlete sets ${ATHLETE_CHOICES.join(', ')}`);
      const updated = deps.registry.updateAthlete(club, athlete, request.body) ?? notFound('no such athlete');
      audit(request, 'athlete-updated', club, athlete);
      return updated;
    },
  );

  app.delete(
    '/api/v1/clubs/:club/athletes/:athlete',
    { config: writeLimit, schema: { params: AthleteParams, querystring: NoQuery, body: NoBody } },
    async (request, reply) => {
      const { club, athlete } = request.params;
      requireClubAccess(request, club, 'manager');
      if (!deps.registry.deleteAthlete(club, athlete)) notFound('no such athlete');
      audit(request, 'athlete-removed', club, athlete);
      return reply.status(204).send();
    },
  );

  // A spreadsheet of members (UTF-8 CSV with a header row): good rows created or updated, bad ones reported by line.
  app.post(
    '/api/v1/clubs/:club/athletes/import',
    {
      config: writeLimit,
      bodyLimit: ROSTER_CSV_MAX_BYTES,
      schema: { params: ClubParams, querystring: NoQuery, response: { 200: RosterImportResult } },
    },
    async (request) => {
      const { club } = request.params;
      requireClubAccess(request, club, 'staff');
      if (typeof request.body !== 'string') throw new ApiError('SC_ERR_UNSUPPORTED_MEDIA_TYPE', 'send the roster as text/csv');
      const { rows, errors } = parseRosterCsv(request.body);
      const { created, updated } = deps.registry.importAthletes(club, rows);
      audit(request, 'athletes-imported', club, `${created} created, ${updated} updated, ${errors.length} refused`);
      return { created, updated, errors };
    },
  );

  // ---- devices

  app.get(
    '/api/v1/clubs/:club/devices',
    { schema: { params: ClubParams, querystring: NoQuery, response: { 200: z.object({ devices: z.array(Device) }) } } },
    async (request) => {
      // A gateway with GATEWAY_DEVICES=paired reads which straps to hold.
      const access = requireClubAccess(request, request.params.club, 'staff-or-gateway');
      const devices = deps.registry.listDevices(request.params.club);
      return {
        devices:
          access.staff || access.gateway
            ? devices
            : devices.filter((device) => device.athlete === access.athlete || device.owner === access.athlete),
      };
    },
  );

  app.post(
    '/api/v1/clubs/:club/devices',
    { config: writeLimit, schema: { params: ClubParams, body: DeviceCreate, response: { 201: Device } } },
    async (request, reply) => {
      requireClubAccess(request, request.params.club, 'staff');
      requireKnownProfile(deps, request.body.profile);
      const device = deps.registry.createDevice(request.params.club, request.body);
      audit(request, 'device-created', request.params.club, device.id);
      return reply.status(201).send(device);
    },
  );

  app.get(
    '/api/v1/clubs/:club/devices/:device',
    { schema: { params: DeviceParams, querystring: NoQuery, response: { 200: Device } } },
    async (request) => {
      const { club, device } = request.params;
      const access = requireClubAccess(request, club, 'member');
      const found = deps.registry.getDevice(club, device);
      if (!found || (!access.staff && found.athlete !== access.athlete && found.owner !== access.athlete)) notFound('no such device');
      return found!;
    },
  );

  app.patch(
    '/api/v1/clubs/:club/devices/:device',
    { config: writeLimit, schema: { params: DeviceParams, body: DevicePatch, response: { 200: Device } } },
    async (request) => {
      const { club, device } = request.params;
      requireClubAccess(request, club, 'staff');
      if (request.body.profile !== undefined) requireKnownProfile(deps, request.body.profile);
      const updated = deps.registry.updateDevice(club, device, request.body) ?? notFound('no such device');
      audit(request, 'device-updated', club, device);
      return updated;
    },
  );

  app.delete(
    '/api/v1/clubs/:club/devices/:device',
    { config: writeLimit, schema: { params: DeviceParams, querystring: NoQuery, body: NoBody } },
    async (request, reply) => {
      const { club, device } = request.params;
      requireClubAccess(request, club, 'staff');
      if (!deps.registry.deleteDevice(club, device)) notFound('no such device');
      audit(request, 'device-removed', club, device);
      return reply.status(204).send();
    },
  );
}

function notFound(message: string): never {
  throw new ApiError('SC_ERR_NOT_FOUND', message);
}

/** A device is registered as a built-in kind of device or as an installed plugin's profile, nothing else. */
function requireKnownProfile(deps: ApiDeps, profile: string): void {
  if (BuiltInDeviceProfileName.safeParse(profile).success) return;
  const plugin = deps.profiles?.find(profile);
  if (!plugin || plugin.source === 'built-in')
    throw new ApiError(
      'SC_ERR_VALIDATION',
      `profile "${profile}" is neither a built-in one nor an installed device plugin (GET /api/v1/profiles)`,
    );
}
