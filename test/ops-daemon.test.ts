/**
 * Operations end to end, with the built CLI as a child process against the real simulator and a real TCP
 * receiver: the daemon's schedule, overlap protection and clean stop, `status` through a SIEM outage, the
 * demo, and a SIGKILL in the middle of a run.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VcoEvent } from '../src/event.js';
import { FORMATS, type Format } from '../src/map/index.js';
import { READ_CHUNK_BYTES } from '../src/ship/delivery.js';
import { DEFAULT_CONFIRM_EVERY_BYTES } from '../src/ship/destination.js';
import { pendingEvents } from '../src/ship/forwarder.js';
import { DEFAULT_TOKEN, startSimulator, type Simulator, type SimulatorOptions } from '../src/simulator/index.js';
import { listEnterpriseDirs } from '../src/store/paths.js';
import { cleanEnv, runCli, startCli, type CliResult } from './support/cli.js';
import { unusedPort, startStreamReceiver, type StreamReceiver } from './support/receivers.js';
import { testPki } from './support/tls-certs.js';

const ENTERPRISE = 'ACME Co.'; // the enterprise of DEFAULT_TOKEN's user

type LogLine = { level: string; msg: string } & Record<string, unknown>;

async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** A CLI child whose stderr JSON log lines are parsed as they arrive. */
function startLogged(args: string[], env: Record<string, string>, cwd: string) {
  const { child, done } = startCli(args, { env, cwd });
  const logs: LogLine[] = [];
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.startsWith('{')) logs.push(JSON.parse(line) as LogLine);
  });
  const count = (msg: RegExp): number => logs.filter((l) => msg.test(l.msg)).length;
  const waitForLog = (msg: RegExp, times: number, timeoutMs: number): Promise<void> =>
    waitUntil(() => count(msg) >= times, timeoutMs, `${times} log lines matching ${msg}`);
  return { child, done, logs, count, waitForLog };
}

/** Stops `child` with `signal` and resolves with its result, failing when it takes longer than `withinMs`. */
async function stop(cli: { child: { kill(signal: NodeJS.Signals): boolean }; done: Promise<CliResult> }, withinMs: number): Promise<CliResult> {
  const started = Date.now();
  cli.child.kill('SIGTERM');
  const result = await Promise.race([cli.done, sleep(withinMs).then(() => undefined)]);
  assert.ok(result, `exited within ${withinMs} ms of SIGTERM`);
  assert.ok(Date.now() - started < withinMs);
  return result;
}

const externalIds = (frames: string[]): string[] => frames.map((f) => /externalId=(\S+)/.exec(f)?.[1] ?? `no externalId in ${f}`);
const simIds = (sim: Simulator): string[] => sim.allEvents(1).map((e) => String(e.id));
const sorted = (ids: string[]): string[] => [...ids].sort();

/** One isolated setup: simulator, receiver, data directory, and the environment pointing the CLI at them. */
interface Setup {
  sim: Simulator;
  receiver: StreamReceiver;
  dir: string;
  dataDir: string;
  env: (extra?: Record<string, string>) => Record<string, string>;
  enterpriseDir: () => Promise<string>;
}

describe('operations', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  after(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(opts: { events: number; sim?: SimulatorOptions; receiverPort?: number; paused?: boolean }): Promise<Setup> {
    const dir = await mkdtemp(path.join(tmpdir(), 'vco-siem-ops-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const sim = await startSimulator(opts.sim);
    cleanups.push(() => sim.close());
    const nowMs = Date.now();
    sim.generate(1, { count: opts.events, startMs: nowMs - 30 * 60_000, endMs: nowMs - 60_000 });
    const receiver = await startStreamReceiver({ framing: 'lf', ...(opts.paused ? { paused: true } : {}) });
    cleanups.push(() => receiver.close());
    const dataDir = path.join(dir, 'data');
    const env = (extra: Record<string, string> = {}): Record<string, string> =>
      cleanEnv({
        VCO_HOSTNAME: sim.url,
        VCO_TOKEN: DEFAULT_TOKEN,
        VCO_SINCE: '1h',
        DATA_DIR: dataDir,
        SIEM_HOST: '127.0.0.1',
        SIEM_PORT: String(opts.receiverPort ?? receiver.port),
        SIEM_PROTOCOL: 'tcp',
        SIEM_FORMAT: 'cef',
        ...extra,
      });
    const enterpriseDir = async (): Promise<string> => {
      const found = (await listEnterpriseDirs(dataDir)).find((e) => e.enterprise.name === ENTERPRISE);
      assert.ok(found, `${ENTERPRISE} has a directory in ${dataDir}`);
      return found.dir;
    };
    return { sim, receiver, dir, dataDir, env, enterpriseDir };
  }

  /** Kills `child` when the test ends, whatever happened. */
  function track<T extends { child: { kill(signal: NodeJS.Signals): boolean } }>(cli: T): T {
    cleanups.push(async () => void cli.child.kill('SIGKILL'));
    return cli;
  }

  test('daemon: two scheduled runs deliver every event once; SIGTERM exits 0 with state saved', { timeout: 60_000 }, async () => {
    const s = await setup({ events: 200 });
    const daemon = track(startLogged(['daemon'], s.env({ SCHEDULE: '*/2 * * * * *' }), s.dir));
    await daemon.waitForLog(/^scheduled run finished$/, 1, 15_000);
    assert.deepEqual(sorted(externalIds(s.receiver.frames)), sorted(simIds(s.sim)), 'first run: everything the VCO had');

    // Events that reach the VCO between two runs: the next scheduled run picks them up.
    const late: VcoEvent[] = Array.from({ length: 10 }, (_, i) => ({
      id: 900_001 + i,
      eventTime: new Date(Date.now() - 5_000).toISOString(),
      event: 'EDGE_DOWN',
      category: 'EDGE',
      severity: 'ALERT',
      message: `Edge b${i}-edge1 is down`,
      edgeName: `b${i}-edge1`,
    }));
    s.sim.addEvents(1, late);
    await s.receiver.waitFor(() => s.receiver.frames.length >= 210, 15_000, 'the late events');
    // Not necessarily the second run: one that started just before the events arrived finds none.
    await waitUntil(() => daemon.logs.some((l) => l.msg === 'run summary' && l.forwarded === 10), 10_000, 'the summary of the run that sent them');
    assert.deepEqual(sorted(externalIds(s.receiver.frames)), sorted(simIds(s.sim)), 'every event exactly once');
    const forwarded = daemon.logs.filter((l) => l.msg === 'run summary').map((l) => l.forwarded);
    assert.deepEqual(forwarded.filter((n) => n !== 0), [200, 10], 'one run sent the history, a later one the late events');
    assert.ok(daemon.logs.filter((l) => l.msg === 'scheduled run finished').every((l) => l.exitCode === 0));

    const result = await stop(daemon, 10_000);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(daemon.count(/^daemon stopped$/), 1);
    const state = JSON.parse(await readFile(path.join(await s.enterpriseDir(), 'state.json'), 'utf8')) as { checkpoint: string | null; lastError: string | null };
    assert.ok(state.checkpoint !== null && state.lastError === null, JSON.stringify(state));
    assert.equal(await pendingEvents(await s.enterpriseDir(), 'siem'), 0);
    assert.ok(!existsSync(path.join(s.dataDir, '.vco-siem.lock')), 'lock released');
  });

  test('daemon: a slow run is never started twice; `vco-siem run` meanwhile is refused; SIGTERM mid-run exits 0', { timeout: 60_000 }, async () => {
    // Every API reply takes 400 ms and the schedule ticks every second; the first run's event fetch takes 2.5 s
    // more, so that run spans at least two ticks wherever in a second it starts.
    const s = await setup({ events: 300, sim: { latencyMs: 400 } });
    s.sim.inject({ kind: 'slow', delayMs: 2_500, method: 'event/getEnterpriseEvents' });
    const daemon = track(startLogged(['daemon', '--now'], s.env({ SCHEDULE: '* * * * * *', SHUTDOWN_TIMEOUT: '5s' }), s.dir));
    await daemon.waitForLog(/^scheduled run finished$/, 2, 30_000);
    assert.ok(daemon.count(/skipping this scheduled run/) >= 1, 'ticks during a run are skipped');
    // Each run logs "enterprises found" once, early, and "scheduled run finished" at its end: they alternate
    // strictly when runs never overlap (a second run would also fail on the data-directory lock).
    const markers = daemon.logs.filter((l) => l.msg === 'enterprises found' || l.msg === 'scheduled run finished').map((l) => l.msg);
    markers.forEach((msg, i) => assert.equal(msg, i % 2 === 0 ? 'enterprises found' : 'scheduled run finished', markers.join(' / ')));
    assert.equal(daemon.count(/^scheduled run failed$/), 0);

    // Hold the next run inside its event fetch (the call that takes the fault answers after 8 s), then try
    // a manual run next to it.
    const eventCalls = (): number => s.sim.stats.byMethod['event/getEnterpriseEvents'] ?? 0;
    const callsBefore = eventCalls();
    s.sim.inject({ kind: 'slow', delayMs: 8_000, method: 'event/getEnterpriseEvents' });
    await waitUntil(() => eventCalls() > callsBefore, 10_000, 'the slowed event fetch');
    assert.ok(existsSync(path.join(s.dataDir, '.vco-siem.lock')), 'the daemon holds the lock');
    const manual = await runCli(['run'], { env: s.env(), cwd: s.dir, timeoutMs: 20_000 });
    assert.equal(manual.code, 1, manual.stderr);
    assert.match(manual.stderr, /^vco-siem: another vco-siem run is in progress \(pid \d+, started .+\); lock file: .+\.vco-siem\.lock$/m);

    const result = await stop(daemon, 8_000);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(daemon.count(/^daemon stopped$/), 1);
    assert.ok(!existsSync(path.join(s.dataDir, '.vco-siem.lock')), 'the cancelled run released the lock');
    // What was saved is consistent: the next run completes the delivery, every event exactly once.
    const rerun = await runCli(['run'], { env: s.env(), cwd: s.dir, timeoutMs: 30_000 });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual(sorted(externalIds(s.receiver.frames)), sorted(simIds(s.sim)));
  });

  test('daemon --destination NAME: only that destination, insecure TLS warned about once before every run', { timeout: 60_000 }, async () => {
    const s = await setup({ events: 50 });
    const pki = await testPki();
    const tlsReceiver = await startStreamReceiver({ framing: 'lf', tls: { cert: pki.selfSignedCert, key: pki.selfSignedKey } });
    cleanups.push(() => tlsReceiver.close());
    // 'other' would fail every run (nothing listens there) if the daemon ignored --destination.
    const config = path.join(s.dir, 'destinations.json');
    await writeFile(config, JSON.stringify({
      destinations: [
        { name: 'lab', host: '127.0.0.1', port: tlsReceiver.port, protocol: 'tls', tls: { insecure: true } },
        { name: 'other', host: '127.0.0.1', port: await unusedPort(), protocol: 'tcp' },
      ],
    }));
    const daemon = track(startLogged(['daemon', '--now', '--destination', 'lab'], s.env({ CONFIG_FILE: config, SCHEDULE: '* * * * * *' }), s.dir));
    await daemon.waitForLog(/^scheduled run finished$/, 3, 30_000);
    const result = await stop(daemon, 10_000);
    assert.equal(result.code, 0, result.stderr);

    const finished = daemon.logs.filter((l) => l.msg === 'scheduled run finished');
    assert.ok(finished.every((l) => l.exitCode === 0), JSON.stringify(finished));
    assert.deepEqual(sorted(externalIds(tlsReceiver.frames)), sorted(simIds(s.sim)), 'every event once, to the chosen destination');
    assert.ok(!daemon.logs.some((l) => l.destination === 'other'), 'the other destination is left alone');
    const insecure = /^TLS certificate verification is OFF for this destination/;
    const warnings = daemon.logs.filter((l) => insecure.test(l.msg));
    assert.ok(warnings.every((l) => l.level === 'warn' && l.destination === 'lab'));
    // One at start (settings check), on which the --now run relies, then one before each scheduled run: every run
    // is preceded by exactly one warning.
    const sequence = daemon.logs.filter((l) => insecure.test(l.msg) || l.msg === 'enterprises found').map((l) => (insecure.test(l.msg) ? 'warn' : 'run'));
    assert.ok(sequence.filter((x) => x === 'run').length >= 3, sequence.join(' '));
    assert.equal(sequence[0], 'warn', sequence.join(' '));
    sequence.forEach((x, i) => x === 'run' && assert.equal(sequence[i - 1], 'warn', `run ${i} warned first: ${sequence.join(' ')}`));
    sequence.forEach((x, i) => x === 'warn' && assert.notEqual(sequence[i - 1], 'warn', `warned once per run: ${sequence.join(' ')}`));
    assert.match(warnings[0]!.msg, /\(destinations\[0\]\.tls\.insecure=true\); use destinations\[0\]\.tls\.ca instead$/);
  });

  test('daemon: an unknown --destination or a SHUTDOWN_TIMEOUT over the timer maximum fails at start with exit 2', { timeout: 60_000 }, async () => {
    const s = await setup({ events: 10 });
    const nosuch = await runCli(['daemon', '--now', '--destination', 'nosuch'], { env: s.env({ SCHEDULE: '* * * * * *' }), cwd: s.dir, timeoutMs: 10_000 });
    assert.equal(nosuch.code, 2, nosuch.stderr);
    assert.match(nosuch.stderr, /^vco-siem: --destination nosuch matches no destination: configured are siem$/m);
    const long = await runCli(['daemon', '--now'], { env: s.env({ SCHEDULE: '* * * * * *', SHUTDOWN_TIMEOUT: '25d' }), cwd: s.dir, timeoutMs: 10_000 });
    assert.equal(long.code, 2, long.stderr);
    assert.match(long.stderr, /^vco-siem: SHUTDOWN_TIMEOUT=25d is too long: use at most 2147483647ms \(about 24\.8d\)$/m);
    assert.equal(s.receiver.frames.length, 0, 'nothing was sent');
  });

  test('status: a SIEM outage shows as pending and unhealthy; once it is back, healthy with every event once', { timeout: 60_000 }, async () => {
    const port = await unusedPort();
    const s = await setup({ events: 150, receiverPort: port });
    const total = simIds(s.sim).length;
    const down = await runCli(['run'], { env: s.env(), cwd: s.dir, timeoutMs: 30_000 });
    assert.equal(down.code, 1);
    const plainLines = down.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
    assert.equal(plainLines.length, 1, down.stderr);
    assert.match(plainLines[0]!, new RegExp(`^vco-siem: ${total} events pending: siem for ACME Co\\.: .*127\\.0\\.0\\.1:${port}.*; they stay in the log and are sent on the next run$`));

    const sick = await runCli(['status'], { env: s.env(), cwd: s.dir });
    assert.equal(sick.code, 1, sick.stderr);
    assert.match(sick.stdout, new RegExp(`\\bsiem=${total}\\b`));
    assert.match(sick.stdout, /^UNHEALTHY:/m);
    const sickJson = JSON.parse((await runCli(['status', '--json'], { env: s.env(), cwd: s.dir })).stdout) as StatusJson;
    assert.equal(sickJson.healthy, false);
    assert.deepEqual(sickJson.enterprises.map((e) => [e.enterprise, e.events, e.pending]), [[ENTERPRISE, total, { siem: total }]]);

    const receiver = await startStreamReceiver({ framing: 'lf', port });
    cleanups.push(() => receiver.close());
    const up = await runCli(['run'], { env: s.env(), cwd: s.dir, timeoutMs: 30_000 });
    assert.equal(up.code, 0, up.stderr);
    const well = await runCli(['status'], { env: s.env(), cwd: s.dir });
    assert.equal(well.code, 0, well.stdout + well.stderr);
    assert.match(well.stdout, /\bsiem=0\b/);
    assert.match(well.stdout, /^healthy$/m);
    const wellJson = JSON.parse((await runCli(['status', '--json'], { env: s.env(), cwd: s.dir })).stdout) as StatusJson;
    assert.equal(wellJson.healthy, true);
    assert.deepEqual(wellJson.enterprises.map((e) => e.pending), [{ siem: 0 }]);
    assert.deepEqual(sorted(externalIds(receiver.frames)), sorted(simIds(s.sim)), 'every event exactly once');
  });

  test('demo: exits 0, shows messages in every format, leaves no temporary directory', { timeout: 60_000 }, async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'vco-siem-ops-demo-'));
    cleanups.push(() => rm(scratch, { recursive: true, force: true }));
    const cwd = path.join(scratch, 'cwd');
    const tmp = path.join(scratch, 'tmp');
    await mkdir(cwd);
    await mkdir(tmp);
    const demo = await runCli(['demo'], { env: cleanEnv({ TMPDIR: tmp }), cwd, timeoutMs: 50_000 });
    assert.equal(demo.code, 0, demo.stderr);
    const looks: Record<Format, RegExp> = {
      cef: /^<\d+>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ CEF:0\|VMware\|VeloCloud Orchestrator\|[^|]*\|[A-Z_]+\|/,
      leef: /^<\d+>.*LEEF:[12]\.0\|VMware\|VeloCloud Orchestrator\|[^|]*\|[A-Z_]+\|/,
      rfc5424: /^<\d+>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z \S+ velocloud \S+ [A-Z_]+ \[vco@32473 /,
      rfc3164: /^<\d+>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ velocloud\[\d+\]: /,
      json: /^<\d+>1 \S+ \S+ velocloud \S+ \S+ .*\{"id":\d+,.*\}$/,
    };
    const sections = demo.stdout.split(/^== /m).slice(1);
    assert.deepEqual(sections.map((s) => s.split(':')[0]), [...FORMATS]);
    for (const section of sections) {
      const format = section.split(':')[0] as Format;
      const count = Number(/^\w+: (\d+) messages received/.exec(section)?.[1]);
      assert.ok(count > 0, `${format}: messages received`);
      const samples = section.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.slice(2));
      assert.ok(samples.length > 0, `${format}: a sample is printed`);
      for (const sample of samples) assert.match(sample, looks[format], `${format} sample`);
    }
    assert.deepEqual(await readdir(tmp), [], 'the demo removed its temporary data directory');
    assert.deepEqual(await readdir(cwd), [], 'nothing written to the working directory');
  });

  test('SIGKILL mid-collect and mid-forward: events.json ends with every event once, the SIEM with every event, duplicates only the in-flight tail', { timeout: 60_000 }, async () => {
    const s = await setup({ events: 30_000, paused: true });
    const eventsCalls = (): number => s.sim.stats.byMethod['event/getEnterpriseEvents'] ?? 0;

    // 1. Killed while collecting: the 6th page request never answers in time.
    s.sim.inject({ kind: 'slow', delayMs: 20_000, afterCalls: 5, method: 'event/getEnterpriseEvents' });
    const collecting = track(startCli(['run'], { env: s.env(), cwd: s.dir }));
    await waitUntil(() => eventsCalls() >= 6, 20_000, 'the sixth page request');
    collecting.child.kill('SIGKILL');
    assert.equal((await collecting.done).signal, 'SIGKILL');
    assert.equal(s.receiver.connections.length, 0, 'killed before forwarding');

    // 2. Killed while forwarding: the SIEM reads nothing (paused), so the forwarder waits for its confirmation.
    const forwarding = track(startCli(['run'], { env: s.env(), cwd: s.dir }));
    await s.receiver.waitFor(() => s.receiver.connections.length >= 1, 30_000, 'the forwarder to connect');
    await sleep(1_000); // well under the 5 s the sender waits for a FIN before it gives up on a connection
    forwarding.child.kill('SIGKILL');
    assert.equal((await forwarding.done).signal, 'SIGKILL');
    s.receiver.resume(); // what the killed connection carried arrives now: the possible duplicates
    const killedConnections = s.receiver.connections.length;
    await s.receiver.waitFor(() => s.receiver.frames.length > 0, 5_000, 'the in-flight frames');

    // 3. A normal run finishes the job.
    const last = await runCli(['run'], { env: s.env(), cwd: s.dir, timeoutMs: 40_000 });
    assert.equal(last.code, 0, last.stderr);

    const all = sorted(simIds(s.sim));
    assert.equal(all.length, 30_000);
    const logLines = (await readFile(path.join(await s.enterpriseDir(), 'events.json'), 'utf8')).split('\n').filter((l) => l !== '');
    const logged = logLines.map((l) => String((JSON.parse(l) as VcoEvent).id));
    assert.deepEqual(sorted(logged), all, 'events.json: every event exactly once');

    const received = externalIds(s.receiver.frames);
    assert.deepEqual([...new Set(received)].sort(), all, 'the SIEM got every event');
    const duplicates = received.length - all.length;
    // Only what the killed run's connection carried unconfirmed can arrive twice: at most the confirmation
    // window plus one batch (the events of one READ_CHUNK_BYTES read of the log).
    const killedFrames = s.receiver.connections.slice(0, killedConnections).flat().reduce((n, chunk) => n + chunk.filter((b) => b === 0x0a).length, 0);
    const smallestFrame = Math.min(...s.receiver.frames.map((f) => Buffer.byteLength(f) + 1));
    assert.ok(killedFrames > 0 && duplicates <= killedFrames, `duplicates ${duplicates} <= frames the killed run delivered ${killedFrames}`);
    const smallestLine = Math.min(...logLines.map((l) => Buffer.byteLength(l) + 1));
    assert.ok(duplicates <= Math.ceil(DEFAULT_CONFIRM_EVERY_BYTES / smallestFrame) + Math.ceil(READ_CHUNK_BYTES / smallestLine) + 1, `duplicates ${duplicates}`);
  });
});

interface StatusJson {
  healthy: boolean;
  problems: string[];
  enterprises: { enterprise: string; events: number; pending: Record<string, number> }[];
}
