/** A noble call that outlives its timeout: the caller cancels what it can (cancelConnect, disconnect). */
export class BleTimeoutError extends Error {
  readonly code = 'SC_ERR_BLE_TIMEOUT';
}

/**
 * Every noble promise goes through this: a link that drops mid-discovery leaves noble's promise
 * pending forever, so only a timeout gets the gateway moving again.
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BleTimeoutError(`${what} did not complete within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
