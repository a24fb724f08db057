import type { EventEmitter } from 'node:events';
import type { Characteristic, Peripheral } from '@abandonware/noble';

// Type-only: importing these types never loads noble's native module.
export type { Characteristic, Peripheral };

/** The part of a noble instance the gateway uses (the default export, or one made by with-bindings). */
export interface NobleLike extends EventEmitter {
  readonly state: string;
  startScanning(serviceUuids: string[], allowDuplicates: boolean, callback?: (error?: Error) => void): void;
  stopScanning(callback?: () => void): void;
}
