import type { Logger } from 'pino';
import { startEmulatedGateway } from '../simulators/emulated-ble/emulated-gateway.ts';
import { EmulatedRoom } from '../simulators/emulated-ble/emulated-room.ts';
import { VirtualClassInRoom } from '../simulators/emulated-ble/virtual-strap.ts';

/**
 * `up --via-ble`: the simulated class as virtual straps in an emulated room, held by the real gateway
 * code over real noble (one emulated adapter per five straps), publishing to the embedded broker.
 */
export async function startClassViaBle(options: {
  brokerUrl: string;
  club: string;
  gateway: string;
  athletes: number;
  seed: number;
  joinAtS: number;
  dataDir: string;
  logger: Logger;
}): Promise<{ stop(): Promise<void> }> {
  const room = new EmulatedRoom();
  const nowMs = Date.now();
  const lesson = new VirtualClassInRoom(room, { athletes: options.athletes, seed: options.seed, startMs: nowMs - options.joinAtS * 1000 });
  lesson.simulatedClass.settleAt(nowMs);
  const gateway = await startEmulatedGateway({ room, devices: options.athletes, ...options });
  lesson.start();
  return {
    async stop() {
      lesson.stop();
      await gateway.stop();
    },
  };
}
