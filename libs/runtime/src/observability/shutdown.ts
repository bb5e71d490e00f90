/** Graceful shutdown: on SIGINT/SIGTERM run the registered steps in order once, then exit. */
import { logger } from './logger';
import { health } from './health';

type Step = { name: string; run: () => Promise<void> };
const steps: Step[] = [];
let installed = false;
let stopping = false;

export function onShutdown(name: string, run: () => Promise<void>): void {
  steps.push({ name, run });
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void shutdown(signal));
  }
}

export async function shutdown(reason: string, exitCode = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  health.markShuttingDown();
  logger().info({ reason }, 'shutting down');
  for (const step of steps) {
    try {
      await step.run();
    } catch (error) {
      exitCode = 1;
      logger().error({ err: error, step: step.name }, 'shutdown step failed');
    }
  }
  logger().info('stopped');
  process.exit(exitCode);
}
