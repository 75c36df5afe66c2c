/**
 * Starts a real Debian rsyslogd in the foreground for interoperability tests: its own
 * temporary work directory, config, pid file and free loopback ports, stopped by `stop()`.
 * CI installs rsyslog (see .ci/run); a missing binary fails the test loudly unless
 * VCO_SIEM_SKIP_RSYSLOG=1 is set on purpose.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { unusedPort } from './receivers.js';

const RSYSLOGD = process.env.RSYSLOGD ?? '/usr/sbin/rsyslogd';

/** True when interop tests must be skipped: only by explicit opt-out, never silently. */
export function rsyslogSkipReason(): string | undefined {
  if (process.env.VCO_SIEM_SKIP_RSYSLOG === '1') return 'VCO_SIEM_SKIP_RSYSLOG=1';
  return undefined;
}

export interface RsyslogInstance {
  /** Temporary directory holding the config, pid file, work directory and any output files. */
  dir: string;
  /** Ports allocated for the config, in the order requested. */
  ports: number[];
  /** Everything rsyslogd printed (its own errors land here). */
  output(): string;
  /** Reads a file in `dir`, '' when it does not exist yet. */
  readFile(name: string): Promise<string>;
  /** Waits until `predicate(content of file)` holds, or throws with rsyslogd's output after `timeoutMs`. */
  waitForFile(name: string, predicate: (content: string) => boolean, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

export interface RsyslogOptions {
  /** How many free TCP/UDP port numbers to allocate and hand to `config`. */
  ports: number;
  /** Builds the rsyslog config body (RainerScript) from the temp dir and the ports. */
  config: (dir: string, ports: number[]) => string;
  /** Indexes into `ports` of TCP listeners to wait for before returning (UDP cannot be probed). */
  waitForTcp: number[];
  /** Extra files (name -> content) written into the temp dir before start, e.g. a liblognorm rulebase. */
  files?: Record<string, string>;
}

export async function startRsyslog(options: RsyslogOptions): Promise<RsyslogInstance> {
  if (!existsSync(RSYSLOGD)) {
    throw new Error(`${RSYSLOGD} not found: install Debian's rsyslog (apt-get install rsyslog rsyslog-gnutls rsyslog-openssl) or set VCO_SIEM_SKIP_RSYSLOG=1 to skip interop tests`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'vco-siem-rsyslog-'));
  const ports: number[] = [];
  for (let i = 0; i < options.ports; i++) ports.push(await unusedPort());
  for (const [name, content] of Object.entries(options.files ?? {})) await writeFile(path.join(dir, name), content);
  const config = `global(workDirectory="${dir}" maxMessageSize="64k")\n${options.config(dir, ports)}\n`;
  const configPath = path.join(dir, 'rsyslog.conf');
  await writeFile(configPath, config);

  let output = '';
  const child: ChildProcess = spawn(RSYSLOGD, ['-n', '-f', configPath, '-i', path.join(dir, 'rsyslogd.pid')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  const instance: RsyslogInstance = {
    dir,
    ports,
    output: () => output,
    readFile: async (name) => readFile(path.join(dir, name), 'utf8').catch(() => ''),
    waitForFile: async (name, predicate, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const content = await instance.readFile(name);
        if (predicate(content)) return content;
        if (Date.now() > deadline || exited) {
          throw new Error(`rsyslog output ${name} not as expected after ${timeoutMs} ms; content:\n${content.slice(-2000)}\nrsyslogd said:\n${output}`);
        }
        await sleep(50);
      }
    },
    stop: async () => {
      if (!exited) {
        child.kill('SIGTERM');
        await Promise.race([exitedPromise, sleep(5000, undefined, { ref: false })]);
        if (!exited) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    for (const index of options.waitForTcp) await waitForListener(ports[index]!, () => exited, () => output);
  } catch (error) {
    await instance.stop();
    throw error;
  }
  return instance;
}

async function waitForListener(port: number, hasExited: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (hasExited() || Date.now() > deadline) {
      throw new Error(`rsyslogd did not listen on 127.0.0.1:${port}; it said:\n${output()}`);
    }
    await sleep(50);
  }
}
