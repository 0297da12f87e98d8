// The one child-process runner of the tests: programs, examples and fixtures run as real
// processes, from the package root (so that 'waitgroups' resolves to the built package).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export interface Exit {
  /** The exit code; `null` if a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Default: the package root. */
  cwd?: string;
  /** Added to (or, with `undefined`, removed from) this process's environment. */
  env?: Record<string, string | undefined>;
  /** The hang guard: the child is killed (SIGKILL, by PID) and the run rejects after this many ms. Default 60 s. */
  timeout?: number;
}

/**
 * Runs `command args` to the end and collects its output. It never rejects because of the
 * exit code (the caller asserts it), only if the process cannot start or outlives `timeout`.
 */
export function run(command: string, args: readonly string[], { cwd = root, env = {}, timeout = 60_000 }: RunOptions = {}): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const environment: Record<string, string | undefined> = { ...process.env, ...env };
    for (const [key, value] of Object.entries(environment)) if (value === undefined) delete environment[key];
    const child = spawn(command, args, { cwd, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hang guard: \`${[command, ...args].join(' ')}\` still running after ${timeout} ms\n${stdout}${stderr}`));
    }, timeout);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs this `node` (or Deno, or Bun: the runtime running the test) with `args`. */
export function runNode(args: readonly string[], options?: RunOptions): Promise<Exit> {
  return run(process.execPath, args, options);
}

/** Runs `source` as an ES module in a child `node` with `flags`. */
export function runModule(source: string, flags: readonly string[] = [], options?: RunOptions): Promise<Exit> {
  return runNode([...flags, '--input-type=module', '-e', source], options);
}

/** Runs a TypeScript file as `npm start` does (`node --import tsx file`). */
export function runTs(file: string, args: readonly string[] = [], options?: RunOptions): Promise<Exit> {
  return runNode(['--import', 'tsx', file, ...args], options);
}

/** The standard output of a run that must exit with code 0; otherwise an error with what it wrote. */
export async function stdoutOf(exit: Promise<Exit>): Promise<string> {
  const { code, signal, stdout, stderr } = await exit;
  if (code !== 0) throw new Error(`exited with ${code ?? signal}:\n${stdout}${stderr}`);
  return stdout;
}
