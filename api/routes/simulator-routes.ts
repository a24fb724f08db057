import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ClubParams, NoBody, NoQuery } from '../../protocol/api.ts';
import { ScenarioStatus, ScenarioSummary, SimulatorAddDevice, SimulatorFault, SimulatorStart } from '../../protocol/scenario.ts';
import { ScenarioError } from '../../simulators/scenario/scenario-file.ts';
import type { Api, ApiDeps, ApiSettings } from '../app.ts';
import { auditAs, requireClubAccess } from '../auth/club-access.ts';
import { ApiError } from '../errors.ts';
import type { ScenarioSimulators } from '../simulator/scenario-simulators.ts';

/**
 * The simulator page: a demo club's staff play scenarios, add virtual devices and inject faults. Only in
 * `up` (which holds the broker the virtual gateway publishes to), and only for the clubs SIM_CLUBS names:
 * a scenario registers its athletes in the club.
 */
export function registerSimulatorRoutes(app: Api, deps: ApiDeps, settings: ApiSettings): void {
  const writeLimit = { rateLimit: { max: settings.writesPerMinute, timeWindow: 60_000 } };
  const simulatorsFor = (club: string): ScenarioSimulators => {
    const simulators = deps.simulators;
    if (!simulators) throw new ApiError('SC_ERR_NOT_FOUND', 'the simulator runs with `sport-connect up` only');
    if (!simulators.allows(club))
      throw new ApiError('SC_ERR_FORBIDDEN', `the simulator is enabled for demo clubs only (SIM_CLUBS), not for ${club}`);
    return simulators;
  };
  /** The club in the path, once the caller is its staff and the simulator runs for it. */
  const staffOf = (request: FastifyRequest<{ Params: { club: string } }>) => {
    const { club } = request.params;
    requireClubAccess(request, club, 'staff');
    return { club, simulators: simulatorsFor(club) };
  };
  /** A request the running scenario cannot follow is the client's to fix: 409 with the reason. */
  const following = async <T>(action: () => T | Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      if (error instanceof ScenarioError) throw new ApiError('SC_ERR_CONFLICT', error.message);
      throw error;
    }
  };

  const audit = auditAs(deps.accounts);

  app.get(
    '/api/v1/clubs/:club/simulator/scenarios',
    { schema: { params: ClubParams, querystring: NoQuery, response: { 200: z.object({ scenarios: z.array(ScenarioSummary) }) } } },
    async (request) => {
      return { scenarios: staffOf(request).simulators.scenarios() };
    },
  );

  app.get(
    '/api/v1/clubs/:club/simulator',
    { schema: { params: ClubParams, querystring: NoQuery, response: { 200: z.object({ running: ScenarioStatus.nullable() }) } } },
    async (request) => {
      const { club, simulators } = staffOf(request);
      return { running: simulators.status(club) };
    },
  );

  app.post(
    '/api/v1/clubs/:club/simulator/start',
    { config: writeLimit, schema: { params: ClubParams, body: SimulatorStart, response: { 200: z.object({ running: ScenarioStatus }) } } },
    async (request) => {
      const { club, simulators } = staffOf(request);
      const running = await following(() => simulators.start(club, request.body.scenario));
      audit(request, 'simulator-started', club, request.body.scenario);
      return { running };
    },
  );

  app.post(
    '/api/v1/clubs/:club/simulator/stop',
    { config: writeLimit, schema: { params: ClubParams, body: NoBody, response: { 200: z.object({ stopped: z.boolean() }) } } },
    async (request) => {
      const { club, simulators } = staffOf(request);
      const stopped = await simulators.stop(club);
      if (stopped) audit(request, 'simulator-stopped', club, club);
      return { stopped };
    },
  );

  app.post(
    '/api/v1/clubs/:club/simulator/devices',
    { config: writeLimit, schema: { params: ClubParams, body: SimulatorAddDevice, response: { 201: z.object({ device: z.string() }) } } },
    async (request, reply) => {
      const { club, simulators } = staffOf(request);
      const device = await following(() => simulators.addDevice(club, request.body));
      audit(request, 'simulator-device-added', club, device);
      return reply.status(201).send({ device });
    },
  );

  app.post(
    '/api/v1/clubs/:club/simulator/faults',
    { config: writeLimit, schema: { params: ClubParams, body: SimulatorFault, response: { 200: z.object({ running: ScenarioStatus }) } } },
    async (request) => {
      const { club, simulators } = staffOf(request);
      await following(() => simulators.inject(club, request.body));
      audit(request, 'simulator-fault-injected', club, request.body.type);
      return { running: simulators.status(club)! };
    },
  );
}
