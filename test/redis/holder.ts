// Drives test/redis/fixtures/holder.mjs: a child process holding tasks of a RedisWaitGroup.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('fixtures/holder.mjs', import.meta.url));

/** A reply or an event of the child. */
export type HolderMessage = { ok?: boolean; id?: number; pid?: number; code?: string; message?: string; event?: string; ran?: number };

/** A child process holding tasks; stopped by PID. */
export class Holder {
  readonly child: ChildProcess;
  readonly events: HolderMessage[] = [];
  readonly #replies: ((message: HolderMessage) => void)[] = [];

  constructor(name: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [fixture, name], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as HolderMessage;
      if (message.event !== undefined) this.events.push(message);
      else this.#replies.shift()?.(message);
    });
  }

  /** Sends a command and resolves with its reply. */
  send(command: object): Promise<HolderMessage> {
    return new Promise((resolve) => {
      this.#replies.push(resolve);
      this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    });
  }

  /** Sends a signal by PID. */
  signal(signal: NodeJS.Signals): void {
    process.kill(this.child.pid!, signal);
  }

  /** Asks the child to close its client and exit, and waits for its exit. */
  async exit(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin!.write(`${JSON.stringify({ op: 'exit' })}\n`);
    await exited;
  }

  /** Kills the child by PID (if still running) and waits for its exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    process.kill(this.child.pid!, 'SIGCONT');
    process.kill(this.child.pid!, 'SIGKILL');
    await exited;
  }
}
