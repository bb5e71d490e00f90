/** Runs the processor as a child process (`main.ts`), so a test can SIGKILL it. */
import { ChildProcess } from 'child_process';
import { spawnApp } from '../support/processes';

export class ProcessorChild {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  output = '';

  constructor(private readonly env: Record<string, string>) {}

  start(): Promise<void> {
    const child = spawnApp('processor', { env: { ...this.env, LOG_LEVEL: 'info' } });
    this.child = child;
    this.ready = new Promise<void>((resolveReady, reject) => {
      const onData = (chunk: Buffer) => {
        const text = chunk.toString();
        this.output = (this.output + text).slice(-20_000);
        if (text.includes('processor ready')) resolveReady();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code, signal) => reject(new Error(`processor exited (${code ?? signal}) before it was ready:\n${this.output.slice(-3000)}`)));
    });
    return this.ready;
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolveExit) => {
      child.once('exit', () => resolveExit());
      child.kill(signal);
    });
  }
}
