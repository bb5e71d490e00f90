/** Readiness checks: each component registers a named probe; /health reports them all, and the build. */
import { BuildInfo, buildInfo } from './build-info';

export type Probe = () => Promise<boolean>;

export interface HealthReport {
  status: 'ok' | 'degraded';
  live: boolean;
  ready: boolean;
  uptime_seconds: number;
  checks: Record<string, boolean>;
  build: BuildInfo;
}

const startedAt = Date.now();

export class HealthRegistry {
  private readonly probes = new Map<string, Probe>();
  private shuttingDown = false;

  register(name: string, probe: Probe): void {
    this.probes.set(name, probe);
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async report(timeoutMs = 2000): Promise<HealthReport> {
    const checks: Record<string, boolean> = {};
    await Promise.all(
      [...this.probes].map(async ([name, probe]) => {
        checks[name] = await Promise.race([
          probe().catch(() => false),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
        ]);
      }),
    );
    const ready = !this.shuttingDown && Object.values(checks).every(Boolean);
    return {
      status: ready ? 'ok' : 'degraded',
      live: true,
      ready,
      uptime_seconds: (Date.now() - startedAt) / 1000,
      checks,
      build: buildInfo(),
    };
  }
}

export const health = new HealthRegistry();
