/**
 * The commands end to end, as a user runs them: the built CLI against the real simulator and a real
 * TCP receiver, checking what arrives byte for byte where it matters.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSimulator, DEFAULT_PARTNER_TOKEN, type Simulator } from '../src/simulator/index.js';
import { listEnterpriseDirs } from '../src/store/paths.js';
import { STATE_FILE } from '../src/store/state.js';
import { unusedPort, startStreamReceiver, type StreamReceiver } from './support/receivers.js';
import { cleanEnv, runCli, runSummary } from './support/cli.js';

const HOUR = 3_600_000;

describe('collect, forward, replay, check, status and map from the command line', () => {
  let sim: Simulator;
  let receiver: StreamReceiver;
  let dataDir: string;
  let env: Record<string, string>;

  before(async () => {
    sim = await startSimulator({ port: 0, seed: 7 });
    const now = Date.now();
    sim.generate(1, { count: 1200, startMs: now - 6 * HOUR, endMs: now - 60_000 });
    sim.generate(2, { count: 300, startMs: now - 6 * HOUR, endMs: now - 60_000 });
    receiver = await startStreamReceiver({ framing: 'lf' });
    dataDir = await mkdtemp(path.join(tmpdir(), 'vco-siem-cli-'));
    env = cleanEnv({ VCO_HOSTNAME: sim.url, VCO_TOKEN: DEFAULT_PARTNER_TOKEN, DATA_DIR: dataDir, VCO_SINCE: '1d', SIEM_HOST: '127.0.0.1', SIEM_PORT: String(receiver.port), SIEM_FORMAT: 'cef' });
  });
  after(async () => {
    await receiver.close();
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('run collects every enterprise and delivers every event once as CEF', async () => {
    const result = await runCli(['run'], { env, cwd: dataDir });
    assert.equal(result.code, 0, result.stderr);
    const expected = [...sim.allEvents(1), ...sim.allEvents(2)].map((e) => String(e.id)).sort();
    await receiver.waitFor(() => receiver.frames.length >= expected.length, 10_000, 'all frames');
    const ids = receiver.frames.map((f) => /externalId=(\d+)/.exec(f)?.[1] ?? 'missing').sort();
    assert.deepEqual(ids, expected);
    assert.ok(receiver.frames.every((f) => /^<\d+>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ CEF:0\|VMware\|VeloCloud Orchestrator\|/.test(f)));
    const summary = runSummary(result);
    assert.deepEqual([summary.new, summary.forwarded, summary.pending, summary.failed], [1500, 1500, 0, 0]);
    for (const key of ['fetched', 'duplicates', 'durationMs']) assert.equal(typeof summary[key], 'number', key);
  });

  test('status is healthy with nothing pending; a second run sends nothing twice', async () => {
    const again = await runCli(['run'], { env, cwd: dataDir });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([runSummary(again).new, runSummary(again).forwarded], [0, 0], 'the second run found and sent nothing');
    assert.equal(receiver.frames.length, 1500);
    const status = await runCli(['status', '--json'], { env, cwd: dataDir });
    assert.equal(status.code, 0, status.stdout + status.stderr);
    const report = JSON.parse(status.stdout) as { healthy: boolean; enterprises: { enterprise: string; events: number; pending: Record<string, number> }[] };
    assert.equal(report.healthy, true);
    assert.deepEqual(report.enterprises.map((e) => [e.enterprise, e.events, e.pending.siem]), [['ACME Co.', 1200, 0], ['Globex Corporation', 300, 0]]);
  });

  test('replay sends a time range again and leaves the delivered position alone (encoded by worker threads)', async () => {
    const before = receiver.frames.length;
    const result = await runCli(['replay', '--since', '1d'], { env: { ...env, ENCODE_THREADS: '2' }, cwd: dataDir });
    assert.equal(result.code, 0, result.stderr);
    await receiver.waitFor(() => receiver.frames.length >= before + 1500, 10_000, 'replayed frames');
    const forward = await runCli(['forward'], { env, cwd: dataDir });
    assert.equal(forward.code, 0, forward.stderr);
    assert.equal(runSummary(forward).forwarded, 0, 'forward after replay sends nothing new');
    assert.equal(receiver.frames.length, before + 1500);
  });

  test('check authenticates and connects without sending or writing anything', async () => {
    const before = receiver.frames.length;
    const result = await runCli(['check'], { env, cwd: dataDir });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /OK\s+authenticated; 2 enterprise\(s\): ACME Co\. \(id 1\), Globex Corporation \(id 2\)/);
    assert.match(result.stdout, /Destination siem: 127\.0\.0\.1:\d+ .*cef over tcp, lf framing\n\s+OK\s+connected/);
    assert.equal(receiver.frames.length, before);
    const bad = await runCli(['check'], { env: { ...env, VCO_TOKEN: 'wrong-token-value' }, cwd: dataDir });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /FAIL\s+.*VCO_TOKEN is invalid or expired/);
    assert.ok(!bad.stdout.includes('wrong-token-value') && !bad.stderr.includes('wrong-token-value'), 'the token is never printed');
  });

  test('SIEM_TLS_INSECURE=true is warned about on every run of a command that sends', async () => {
    const insecure = { ...env, SIEM_PROTOCOL: 'tls', SIEM_TLS_INSECURE: 'true' };
    for (const args of [['forward'], ['run']]) {
      const result = await runCli(args, { env: insecure, cwd: dataDir });
      assert.equal(result.code, 0, result.stderr);
      const warnings = result.stderr.split('\n').filter((l) => l.includes('TLS certificate verification is OFF'));
      assert.equal(warnings.length, 1, `${args[0]}: one warning, got: ${result.stderr}`);
      assert.equal((JSON.parse(warnings[0]!) as { level: string }).level, 'warn');
    }
  });

  test('map previews a stored log exactly as the SIEM receives it and reports malformed lines', async () => {
    const log = path.join(dataDir, 'Globex-Corporation', 'events.json');
    const lines = (await readFile(log, 'utf8')).split('\n').filter((l) => l !== '');
    const input = path.join(dataDir, 'preview.ndjson');
    await writeFile(input, `${lines[0]}\n{ broken\n${lines[1]}\n[1,2]\n`);
    const result = await runCli(['map', '--format', 'rfc5424', input], { env, cwd: dataDir });
    assert.equal(result.code, 1, 'malformed lines make the exit code non-zero');
    const out = result.stdout.split('\n').filter((l) => l !== '');
    assert.equal(out.length, 2);
    assert.ok(out.every((l) => l.startsWith('<') && l.includes(' velocloud - ')));
    assert.match(result.stderr, /line 2: not valid JSON/);
    assert.match(result.stderr, /line 4: not a JSON object/);
  });

  test('a bad ENCODE_THREADS fails at start with the fix, exit 2', async () => {
    const result = await runCli(['forward'], { env: { ...env, ENCODE_THREADS: 'lots' }, cwd: dataDir });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /ENCODE_THREADS=lots is not a whole number: use a number from 0 to 16/);
  });

  test('a bad mapping file fails at start with the file and the JSON path, exit 2', async () => {
    const mapping = path.join(dataDir, 'bad-mapping.json');
    await writeFile(mapping, JSON.stringify({ events: { EDGE_DOWN: { cefSeverity: 42 } } }));
    for (const args of [['map', '--format', 'cef', '--mapping', mapping, '/dev/null'], ['forward', '--mapping', mapping]]) {
      const result = await runCli(args, { env, cwd: dataDir });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, new RegExp(`${mapping.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*events\\.EDGE_DOWN\\.cefSeverity`));
    }
  });
});

describe('an enterprise name with control characters reaches no terminal raw (LOG_FORMAT=text)', () => {
  // NUL, LF, ESC (an ANSI colour), DEL, C1 controls (NEL, CSI) and U+2028, as a hostile VCO could name an enterprise.
  const HOSTILE = 'evil\u0000nul\nnewline\u001b[31mRED\u007f\u0085\u009b2J\u2028end';
  const SHOWN = 'evil\\x00nul\\x0anewline\\x1b[31mRED\\x7f\\x85\\x9b2J\\u2028end';
  /** Anything a terminal would act on, other than the newlines that end lines. */
  const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
  const EVENTS = 20;
  let sim: Simulator;
  let dataDir: string;
  let env: Record<string, string>;

  before(async () => {
    sim = await startSimulator({ port: 0, seed: 3, enterprises: [{ id: 7, name: HOSTILE }] });
    const now = Date.now();
    sim.generate(7, { count: EVENTS, startMs: now - HOUR, endMs: now - 60_000 });
    dataDir = await mkdtemp(path.join(tmpdir(), 'vco-siem-cli-hostile-'));
    const down = await unusedPort();
    env = cleanEnv({ LOG_FORMAT: 'text', VCO_HOSTNAME: sim.url, VCO_TOKEN: DEFAULT_PARTNER_TOKEN, DATA_DIR: dataDir, VCO_SINCE: '1d', SIEM_HOST: '127.0.0.1', SIEM_PORT: String(down), SIEM_FORMAT: 'cef' });
  });
  after(async () => {
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('check prints the name escaped on its one OK line', async () => {
    const result = await runCli(['check'], { env, cwd: dataDir });
    assert.doesNotMatch(result.stdout, RAW_CONTROL, JSON.stringify(result.stdout));
    assert.doesNotMatch(result.stderr, RAW_CONTROL, JSON.stringify(result.stderr));
    assert.ok(result.stdout.split('\n').includes(`  OK    authenticated; 1 enterprise(s): ${SHOWN} (id 7)`), result.stdout);
  });

  test("forward's pending line on stderr, the text log and status's UNHEALTHY lines show it escaped", async () => {
    const collect = await runCli(['collect'], { env, cwd: dataDir });
    assert.equal(collect.code, 0, collect.stderr);
    assert.doesNotMatch(collect.stderr, RAW_CONTROL, JSON.stringify(collect.stderr));

    const forward = await runCli(['forward'], { env, cwd: dataDir });
    assert.equal(forward.code, 1, forward.stderr);
    assert.doesNotMatch(forward.stderr, RAW_CONTROL, JSON.stringify(forward.stderr));
    assert.doesNotMatch(forward.stdout, RAW_CONTROL, JSON.stringify(forward.stdout));
    const pendingLine = forward.stderr.split('\n').find((l) => l.startsWith('vco-siem: '));
    assert.ok(pendingLine?.startsWith(`vco-siem: ${EVENTS} events pending: siem for ${SHOWN}: cannot connect`), forward.stderr);

    // A collection error from the VCO can carry the same characters.
    const [entry] = await listEnterpriseDirs(dataDir);
    const stateFile = path.join(entry!.dir, STATE_FILE);
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as Record<string, unknown>;
    await writeFile(stateFile, JSON.stringify({ ...state, lastError: `VCO said: ${HOSTILE}` }));
    const status = await runCli(['status'], { env, cwd: dataDir });
    assert.equal(status.code, 1, status.stdout + status.stderr);
    assert.doesNotMatch(status.stdout, RAW_CONTROL, JSON.stringify(status.stdout));
    const unhealthy = status.stdout.slice(status.stdout.indexOf('UNHEALTHY:\n')).split('\n');
    assert.equal(unhealthy[1], `  ${SHOWN}: last collection failed: VCO said: ${SHOWN}`, status.stdout);
    assert.match(unhealthy[2] ?? '', new RegExp(`^  last forward at \\S+: ${EVENTS} events pending: siem for ${SHOWN.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot connect`), status.stdout);
  });
});
