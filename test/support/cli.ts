/** Runs the built CLI as a child process, the way users and cron run it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Environment for child runs: only what a test sets, plus PATH, so the developer's .env or shell never leaks in. */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LOG_FORMAT: 'json', ...extra };
}

export function startCli(args: string[], options: { env: Record<string, string>; cwd?: string }): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: options.env, cwd: options.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<CliResult>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

export async function runCli(args: string[], options: { env: Record<string, string>; cwd?: string; timeoutMs?: number }): Promise<CliResult> {
  const { child, done } = startCli(args, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

/** The structured 'run summary' record a command logged on stderr (LOG_FORMAT=json). */
export function runSummary(result: CliResult): Record<string, unknown> {
  const line = result.stderr.split('\n').find((l) => l.includes('"run summary"'));
  if (line === undefined) throw new Error(`no run summary in:\n${result.stderr}`);
  return JSON.parse(line) as Record<string, unknown>;
}
