/**
 * A command could not start for a reason outside the program (a port taken, a service unreachable):
 * the CLI prints its message as one line, what is wrong and what to do, and exits with status 2.
 */
export class StartupError extends Error {
  readonly code = 'SC_ERR_STARTUP';
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
  'TimeoutError',
]);

/** The system error code of a failure, also when wrapped (fetch puts it in `cause`). */
function systemCodeOf(error: unknown): string | null {
  for (
    let current = error as { code?: unknown; name?: unknown; cause?: unknown } | undefined;
    current;
    current = current.cause as typeof current
  ) {
    if (typeof current.code === 'string' && current.code.startsWith('E')) return current.code;
    if (current.name === 'TimeoutError') return 'TimeoutError';
  }
  return null;
}

/** Starts something that listens on a port; a taken or forbidden port becomes a StartupError naming the variable to change. */
export async function listening<T>(variable: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = systemCodeOf(error);
    if (code === 'EADDRINUSE')
      throw new StartupError(
        `port ${port} is already in use (another Sport Connect, or another program): stop it, or choose a free port with ${variable}`,
        { cause: error },
      );
    if (code === 'EACCES')
      throw new StartupError(`port ${port} needs privileges this user lacks: choose a port above 1023 with ${variable}`, { cause: error });
    throw error;
  }
}

/** Starts something that connects to a service; an unreachable one becomes a StartupError naming the variable to check. */
export async function reaching<T>(service: string, url: string, variable: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = systemCodeOf(error);
    if (code && UNREACHABLE.has(code))
      throw new StartupError(`cannot reach ${service} at ${url} (${code}): start it, or point ${variable} at the right address`, {
        cause: error,
      });
    throw error;
  }
}
