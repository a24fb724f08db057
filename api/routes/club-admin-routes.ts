import { z } from 'zod';
import {
  ClubParams,
  GatewayCreate,
  GatewayCredentials,
  GatewayParams,
  GatewayView,
  InvitationCreated,
  InvitationRequest,
  NoBody,
  NoQuery,
} from '../../protocol/api.ts';
import type { Api, ApiDeps, ApiSettings } from '../app.ts';
import { requireClubAccess, requireUser } from '../auth/club-access.ts';
import { ApiError } from '../errors.ts';

/** What a club's admins (and a partner in its demo club) manage: invitations and gateway credentials. */
export function registerClubAdminRoutes(app: Api, deps: ApiDeps, settings: ApiSettings): void {
  const writeLimit = { rateLimit: { max: settings.writesPerMinute, timeWindow: 60_000 } };

  app.post(
    '/api/v1/clubs/:club/invitations',
    { config: writeLimit, schema: { params: ClubParams, body: InvitationRequest, response: { 201: InvitationCreated } } },
    async (request, reply) => {
      const { club } = request.params;
      requireClubAccess(request, club, 'manager');
      const { user } = requireUser(request);
      const { email, role, athlete } = request.body;
      // A partner is a start-up in its own demo club: only the platform's admins open one.
      if (role === 'partner' && !user.platformAdmin) throw new ApiError('SC_ERR_FORBIDDEN', 'only a platform admin invites a partner');
      if (athlete && !deps.registry.hasMember(club, athlete))
        throw new ApiError('SC_ERR_NOT_FOUND', `no athlete "${athlete}" in this club`);
      const expiresMs = Date.now() + settings.invitationTtlMs;
      const token = deps.accounts.createInvitation({ club, role, email, athlete: athlete ?? null, expiresMs, invitedBy: user.id });
      deps.accounts.audit({ actor: user.id, action: 'invitation-created', club, subject: role });
      const url = new URL(`/?invitation=${token}`, `${request.protocol}://${request.host}`).toString();
      return reply.status(201).send({ id: token, url, club, role, email, expiresMs });
    },
  );

  app.get(
    '/api/v1/clubs/:club/gateways',
    { schema: { params: ClubParams, querystring: NoQuery, response: { 200: z.object({ gateways: z.array(GatewayView) }) } } },
    async (request) => {
      requireClubAccess(request, request.params.club, 'manager');
      const gateways = deps.mqttAccounts.listGateways(request.params.club);
      return { gateways: gateways.map(({ gateway, ...account }) => ({ id: gateway, ...account })) };
    },
  );

  app.post(
    '/api/v1/clubs/:club/gateways',
    { config: writeLimit, schema: { params: ClubParams, body: GatewayCreate, response: { 201: GatewayCredentials } } },
    async (request, reply) => {
      const { club } = request.params;
      requireClubAccess(request, club, 'manager');
      const credentials = deps.mqttAccounts.issueGateway(club, request.body.id);
      deps.accounts.audit({ actor: requireUser(request).user.id, action: 'gateway-credentials-issued', club, subject: request.body.id });
      // Shown once: only a hash is kept.
      return reply.status(201).send({ id: request.body.id, club, ...credentials });
    },
  );

  app.delete(
    '/api/v1/clubs/:club/gateways/:gateway',
    { config: writeLimit, schema: { params: GatewayParams, querystring: NoQuery, body: NoBody } },
    async (request, reply) => {
      const { club, gateway } = request.params;
      requireClubAccess(request, club, 'manager');
      if (!deps.mqttAccounts.revokeGateway(club, gateway)) throw new ApiError('SC_ERR_NOT_FOUND', 'no live credentials for this gateway');
      deps.accounts.audit({ actor: requireUser(request).user.id, action: 'gateway-credentials-revoked', club, subject: gateway });
      return reply.status(204).send();
    },
  );
}
