import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanEnv, runCli } from './support/cli.js';

const SECRET = 'S3cr3t-T0ken-value';

/** Each bad setting: the environment, and what the one-line message must say. */
const cases: { name: string; env: Record<string, string>; args?: string[]; expect: RegExp }[] = [
  { name: 'no host', env: { VCO_TOKEN: SECRET }, expect: /VCO_HOSTNAME is not set: set it to your Orchestrator host/ },
  { name: 'no credentials', env: { VCO_HOSTNAME: 'vco.example.net' }, expect: /No VCO credentials: set VCO_TOKEN .* or VCO_USERNAME and VCO_PASSWORD/ },
  { name: 'username without password', env: { VCO_HOSTNAME: 'vco.example.net', VCO_USERNAME: 'me' }, expect: /VCO_PASSWORD is not set/ },
  { name: 'bad scheme', env: { VCO_HOSTNAME: 'ftp://vco', VCO_TOKEN: SECRET }, expect: /VCO_HOSTNAME=ftp:\/\/vco has scheme ftp: use https/ },
  { name: 'bad login kind', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET, VCO_LOGIN: 'admin' }, expect: /VCO_LOGIN=admin is not valid: use one of enterprise, operator/ },
  { name: 'bad enterprise ids', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET, VCO_ENTERPRISE_IDS: '1,two' }, expect: /VCO_ENTERPRISE_IDS=two is not a whole number/ },
  { name: 'missing CA file', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET, VCO_CA_FILE: '/nonexistent/ca.pem' }, expect: /VCO_CA_FILE=\/nonexistent\/ca.pem cannot be read/ },
  { name: 'bad timeout', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET, VCO_TIMEOUT: 'soon' }, expect: /VCO_TIMEOUT=soon is not a duration/ },
  { name: 'bad retries', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET, VCO_RETRIES: '-1' }, expect: /VCO_RETRIES=-1 is out of range/ },
  { name: 'bad lookback', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET, VCO_LOOKBACK: 'x' }, expect: /VCO_LOOKBACK=x is not a duration/ },
  { name: 'bad since flag', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET }, args: ['--since', 'yesterday'], expect: /VCO_SINCE=yesterday is not a time/ },
  { name: 'since in the future', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET, VCO_SINCE: '2999-01-01T00:00:00Z' }, expect: /VCO_SINCE=.* is in the future/ },
  { name: 'bad log level', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET, LOG_LEVEL: 'loud' }, expect: /LOG_LEVEL=loud is not valid/ },
  { name: 'a data directory that is a file', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET, DATA_DIR: '/etc/hostname' }, expect: /DATA_DIR=\/etc\/hostname cannot be used as the data directory/ },
  { name: 'a data directory where no file can be made', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET, DATA_DIR: '/proc/1' }, expect: /DATA_DIR=\/proc\/1 cannot be used as the data directory/ },
  { name: 'an empty --data-dir', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET }, args: ['--data-dir', ''], expect: /--data-dir needs a value \(it sets DATA_DIR\)/ },
  { name: 'bad id cache size', env: { VCO_HOSTNAME: 'vco', VCO_TOKEN: SECRET, ID_CACHE_SIZE: '10' }, expect: /ID_CACHE_SIZE=10 is out of range/ },
];

for (const c of cases) {
  test(`collect with ${c.name}: one clear line, exit code 2, no stack trace, no secret`, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'vco-siem-cfg-'));
    try {
      const result = await runCli(['collect', ...(c.args ?? [])], { env: cleanEnv({ DATA_DIR: dataDir, ...c.env }), cwd: dataDir });
      assert.equal(result.code, 2, `exit code; stderr: ${result.stderr}`);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `exactly one line, got: ${result.stderr}`);
      assert.match(lines[0]!, /^vco-siem: /);
      assert.match(lines[0]!, c.expect);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      assert.ok(!result.stderr.includes(SECRET) && !result.stdout.includes(SECRET), 'the token never appears');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

test('an unknown command or flag exits 2 with usage help', async () => {
  const result = await runCli(['colect'], { env: cleanEnv({}) });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Did you mean collect|Unknown argument/);
});

test('a bad encoder option names the destination and where the option is set', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vco-siem-cfg-'));
  try {
    const result = await runCli(['forward'], { env: cleanEnv({ DATA_DIR: dataDir, SIEM_HOST: '127.0.0.1', SIEM_FORMAT: 'leef', SIEM_LEEF_DELIMITER: 'abc' }), cwd: dataDir });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr.trim(), /^vco-siem: destination "siem": encoder option leefDelimiter: .* \(SIEM_LEEF_DELIMITER, or encoder\.leefDelimiter in a destinations file\)$/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('map with a file that cannot be read exits 2 naming it', async () => {
  const result = await runCli(['map', '/nonexistent/events.json'], { env: cleanEnv({}) });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr.trim(), /^vco-siem: cannot read \/nonexistent\/events.json \(.*ENOENT.*\): give map an existing NDJSON file/);
});

test('--version prints the package version', async () => {
  const result = await runCli(['--version'], { env: cleanEnv({}) });
  assert.equal(result.code, 0);
  assert.match(result.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test('settings come from .env, real environment variables win, flags win over both', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vco-siem-envfile-'));
  try {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, '.env'), `VCO_HOSTNAME=vco.example.net\nVCO_TOKEN=${SECRET}\nVCO_LOOKBACK=bad-from-file\n`);
    const fromFile = await runCli(['collect'], { env: cleanEnv({ DATA_DIR: dir }), cwd: dir });
    assert.equal(fromFile.code, 2);
    assert.match(fromFile.stderr, /VCO_LOOKBACK=bad-from-file is not a duration/);
    const envWins = await runCli(['collect'], { env: cleanEnv({ DATA_DIR: dir, VCO_LOOKBACK: 'bad-from-env' }), cwd: dir });
    assert.match(envWins.stderr, /VCO_LOOKBACK=bad-from-env is not a duration/);
    const flagWins = await runCli(['collect', '--lookback', 'bad-from-flag'], { env: cleanEnv({ DATA_DIR: dir, VCO_LOOKBACK: 'bad-from-env' }), cwd: dir });
    assert.match(flagWins.stderr, /VCO_LOOKBACK=bad-from-flag is not a duration/);
    const missing = await runCli(['collect', '--dotenv', 'nope.env'], { env: cleanEnv({}), cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--dotenv nope.env does not exist/);
    assert.ok(![fromFile, envWins, flagWins].some((r) => r.stderr.includes(SECRET)), 'the token from .env is never printed');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
