import type { Accounts } from '../store/accounts.ts';
import { StartupError } from './startup-error.ts';

/** Values copied from .env.example that were never changed. */
const EXAMPLE_SECRET = /change-me/i;

/**
 * With NODE_ENV=production a server refuses to start while the demo's accounts exist or a secret still
 * has its example value: one message says what to change. Without it (a club PC, a demo) nothing is refused.
 */
export function refuseUnsafeProduction(config: Record<string, unknown>, accounts: Accounts): void {
  if (config.NODE_ENV !== 'production') return;
  const problems: string[] = [];
  const demo = accounts.demoAccounts();
  if (demo.length > 0)
    problems.push(`demo accounts exist (${demo.join(', ')}): remove them with \`sport-connect user remove --email <email>\``);
  if (typeof config.SIM_ATHLETES === 'number' && config.SIM_ATHLETES > 0)
    problems.push('SIM_ATHLETES would create the demo club and its accounts: set SIM_ATHLETES=0');
  const defaults = Object.entries(config)
    .filter(
      ([name, value]) =>
        /PASSWORD|TOKEN|SECRET|MQTT_URL|DATABASE_URL/.test(name) && typeof value === 'string' && EXAMPLE_SECRET.test(value),
    )
    .map(([name]) => name);
  if (defaults.length > 0) problems.push(`${defaults.join(', ')} still hold the example's value: set real secrets`);
  if (problems.length > 0) throw new StartupError(`NODE_ENV=production refuses to start: ${problems.join('; ')}`);
}
