/** The one logger: pino, JSON lines on stdout, with the app name on every line and trace ids where known. */
import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

let root: Logger | undefined;

export function createLogger(app: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  root = pino({
    level,
    base: { app, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['req.headers.authorization', '*.password', '*.secret', '*.token'], censor: '[redacted]' },
  });
  return root;
}

/** The process's logger (created on first use if the app has not named itself yet). */
export function logger(): Logger {
  return root ?? createLogger(process.env.APP_NAME ?? 'platform');
}
