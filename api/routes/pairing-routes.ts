import { z } from 'zod';
import { ClubParams, NoBody, NoQuery } from '../../protocol/api.ts';
import { extensionKind } from '../../protocol/device-kit/extension-kinds.ts';
import { DeviceId } from '../../protocol/ids.ts';
import { BuiltInDeviceProfileName, MAX_BACKDATE_MS, NearbyDevice, Pairing, PairingCreate, PairingLogQuery } from '../../protocol/roster.ts';
import type { Api, ApiDeps, ApiSettings } from '../app.ts';
import { requireClubAccess, requireUser } from '../auth/club-access.ts';
import { ApiError } from '../errors.ts';
import { joinStoppedSessions } from './session-participants.ts';

/**
 * The three ways a wearable gets its wearer at the club, all run by staff: an athlete's own strap (a
 * device with an owner is paired whenever it shows up), a pool belt at check-in (pick the belt, then the
 * athlete), and a walk-in (the nearby devices nobody wears, with their heart rate, so the athlete
 * recognises theirs; pairing one the club does not know registers it as the athlete's own).
 */
export function registerPairingRoutes(app: Api, deps: ApiDeps, settings: ApiSettings): void {
  const writeLimit = { rateLimit: { max: settings.writesPerMinute, timeWindow: 60_000 } };

  app.get(
    '/api/v1/clubs/:club/pairings',
    { schema: { params: ClubParams, querystring: PairingLogQuery, response: { 200: z.object({ pairings: z.array(Pairing) }) } } },
    async (request) => {
      requireClubAccess(request, request.params.club, 'staff');
      return { pairings: deps.registry.pairingLog(request.params.club, request.query.fromMs, request.query.toMs) };
    },
  );

  app.post(
    '/api/v1/clubs/:club/pairings',
    { config: writeLimit, schema: { params: ClubParams, body: PairingCreate, response: { 201: Pairing } } },
    async (request, reply) => {
      const { club } = request.params;
      requireClubAccess(request, club, 'staff');
      const { device, athlete, fromMs } = request.body;
      if (!deps.registry.hasMember(club, athlete)) throw new ApiError('SC_ERR_NOT_FOUND', `no athlete "${athlete}"`);
      const nowMs = Date.now();
      if (fromMs !== undefined && fromMs > nowMs)
        throw new ApiError('SC_ERR_VALIDATION', 'fromMs is in the future: a pairing starts now or earlier');
      if (fromMs !== undefined && fromMs < nowMs - MAX_BACKDATE_MS)
        throw new ApiError('SC_ERR_VALIDATION', 'fromMs is more than a day ago: late attachment covers the day’s sessions');
      const owner = deps.registry.getDevice(club, device, nowMs)?.owner;
      if (owner && owner !== athlete)
        throw new ApiError('SC_ERR_CONFLICT', `device "${device}" is "${owner}"’s own: give it to the pool or to them on the roster first`);
      deps.registry.atomically(() => {
        // A walk-in's device the club does not know yet becomes theirs: paired again whenever it shows up,
        // registered as what it was heard sending (a strap, unless it sent something else).
        if (!deps.registry.hasDevice(club, device))
          deps.registry.createDevice(
            club,
            { id: device, profile: profileOfKind(deps.live.kindHeard(club, device)), owner: athlete },
            fromMs ?? nowMs,
          );
        deps.registry.pairDevice(club, device, athlete, fromMs ?? nowMs, nowMs);
      });
      deps.accounts.audit({ actor: requireUser(request).user.id, action: 'device-paired', club, subject: `${device} → ${athlete}` });
      // Samples attached from before now join the athlete to the sessions that stopped meanwhile.
      if (fromMs !== undefined) await joinStoppedSessions(deps, club, { device, athlete, fromMs, toMs: nowMs });
      const pairing = deps.registry.pairingLog(club, nowMs, nowMs + 1).find((candidate) => candidate.device === device);
      return reply.status(201).send(pairing!);
    },
  );

  app.delete(
    '/api/v1/clubs/:club/pairings/:device',
    { config: writeLimit, schema: { params: ClubParams.extend({ device: DeviceId }), querystring: NoQuery, body: NoBody } },
    async (request, reply) => {
      const { club, device } = request.params;
      requireClubAccess(request, club, 'staff');
      const owner = deps.registry.getDevice(club, device)?.owner;
      if (owner)
        throw new ApiError(
          'SC_ERR_CONFLICT',
          `device "${device}" is "${owner}"’s own, worn whenever it shows up: give it to the pool on the roster`,
        );
      if (!deps.registry.endPairing(club, device)) throw new ApiError('SC_ERR_NOT_FOUND', 'nobody wears this device');
      deps.accounts.audit({ actor: requireUser(request).user.id, action: 'pairing-ended', club, subject: device });
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/clubs/:club/nearby-devices',
    { schema: { params: ClubParams, querystring: NoQuery, response: { 200: z.object({ devices: z.array(NearbyDevice) }) } } },
    async (request) => {
      const { club } = request.params;
      requireClubAccess(request, club, 'staff');
      const devices = deps.registry.listDevices(club);
      const worn = new Set(devices.filter((device) => device.athlete !== null).map((device) => device.id));
      const nowMs = Date.now();
      const nearby = deps.live.nearby(club, worn, new Set(devices.map((device) => device.id)));
      // Samples from before a belt's last wearer took it off stay theirs, and late attachment reaches back a
      // day at most: an offer to attach starts after both.
      return {
        devices: nearby.map((device) => {
          if (device.unpairedSinceMs === null) return device;
          const takenOff = device.known ? (deps.registry.lastTakenOffMs(club, device.id) ?? 0) : 0;
          return { ...device, unpairedSinceMs: Math.max(device.unpairedSinceMs, takenOff, nowMs - MAX_BACKDATE_MS) };
        }),
      };
    },
  );
}

/** The roster's kind of device for the kind of samples it sends: a built-in kind is its own name, a plugin's kind its profile's. */
function profileOfKind(kind: string | null): string {
  if (kind === null) return 'heart_rate';
  if (BuiltInDeviceProfileName.safeParse(kind).success) return kind;
  return extensionKind(kind)?.profile ?? 'heart_rate';
}
