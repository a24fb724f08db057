/** Why bytes from a device could not be decoded. Decoders throw only this; callers count and drop. */
export type GattErrorCode =
  | 'SC_ERR_GATT_TRUNCATED'
  | 'SC_ERR_GATT_LENGTH'
  | 'SC_ERR_GATT_INVALID'
  | 'SC_ERR_GATT_UNKNOWN_PROFILE'
  /** A plugin's decoder threw something of its own or returned what its profile does not declare. */
  | 'SC_ERR_PLUGIN_FAULT';

export class GattDecodeError extends Error {
  constructor(
    readonly code: GattErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GattDecodeError';
  }
}

export const isGattDecodeError = (error: unknown): error is GattDecodeError => error instanceof GattDecodeError;
