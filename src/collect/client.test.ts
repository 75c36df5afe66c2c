import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { VcoApiError, VcoAuthError } from '../errors.js';
import { DEFAULT_PASSWORD, DEFAULT_TOKEN, type Simulator, startSimulator } from '../simulator/index.js';
import { VcoClient, type VcoClientOptions, backoffMs, retryAfterMs } from './client.js';

describe('retryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  test('reads delta-seconds and HTTP dates', () => {
    assert.equal(retryAfterMs('3', now), 3000);
    assert.equal(retryAfterMs(' 0 ', now), 0);
    assert.equal(retryAfterMs('Wed, 01 Jan 2025 00:00:10 GMT', now), 10_000);
  });
  test('absent or unreadable headers fall back to the default (undefined)', () => {
    assert.equal(retryAfterMs(undefined, now), undefined);
    assert.equal(retryAfterMs('', now), undefined);
    assert.equal(retryAfterMs('soon', now), undefined);
  });
  test('past dates wait 0 and absurd values are capped at 5 minutes', () => {
    assert.equal(retryAfterMs('Tue, 31 Dec 2024 23:00:00 GMT', now), 0);
    assert.equal(retryAfterMs('86400', now), 300_000);
  });
});

describe('backoffMs', () => {
  test('doubles per attempt up to 30 s, scaled by full jitter', () => {
    const top = (): number => 1;
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs(n, 1000, top)), [1000, 2000, 4000, 8000]);
    assert.equal(backoffMs(20, 1000, top), 30_000);
    assert.equal(backoffMs(3, 1000, () => 0), 0);
    assert.equal(backoffMs(2, 1000, () => 0.5), 1000);
  });
});

describe('VcoClient against the simulator', () => {
  let sim: Simulator;
  before(async () => {
    sim = await startSimulator();
  });
  after(async () => {
    await sim.close();
  });

  const fast = { retryBaseMs: 10, rateLimitWaitMs: 50, timeoutMs: 2000 };
  const tokenClient = (extra: Partial<VcoClientOptions> = {}): VcoClient =>
    new VcoClient({ baseUrl: sim.url, auth: { kind: 'token', token: DEFAULT_TOKEN }, ...fast, ...extra });
  const passwordClient = (username: string, login: 'enterprise' | 'operator', password = DEFAULT_PASSWORD): VcoClient =>
    new VcoClient({ baseUrl: sim.url, auth: { kind: 'password', username, password, login }, ...fast });

  test('token auth over REST and JSON-RPC returns the bare result', async () => {
    for (const transport of ['rest', 'jsonrpc'] as const) {
      const client = tokenClient({ transport });
      const enterprise = await client.call<{ id: number; name: string }>('enterprise/getEnterprise', {});
      assert.equal(enterprise.id, 1);
      assert.equal(enterprise.name, 'ACME Co.');
      assert.deepEqual(client.stats, { apiCalls: 1, retries: 0, throttled: 0, logins: 0 });
    }
  });

  test('enterprise and operator cookie logins happen lazily, once', async () => {
    const loginsBefore = sim.stats.logins;
    const enterpriseUser = passwordClient('admin@acme.example', 'enterprise');
    assert.equal(sim.stats.logins, loginsBefore, 'no login before the first call');
    const [a, b] = await Promise.all([
      enterpriseUser.call<{ id: number }>('enterprise/getEnterprise', {}),
      enterpriseUser.call<{ id: number }>('enterprise/getEnterprise', {}),
    ]);
    assert.equal(a.id, 1);
    assert.equal(b.id, 1);
    assert.equal(enterpriseUser.stats.logins, 1, 'concurrent first calls share one login');

    const operator = passwordClient('operator@vco.example', 'operator');
    const all = await operator.call<{ id: number }[]>('network/getNetworkEnterprises', {});
    assert.deepEqual(all.map((e) => e.id), [1, 2]);
    assert.equal(sim.stats.logins, loginsBefore + 2);
    assert.equal(operator.stats.apiCalls, 1, 'logins are not API calls');
  });

  test('a wrong password fails with the VCO message and without the password', async () => {
    const client = passwordClient('admin@acme.example', 'enterprise', 'Wr0ng-Secret!');
    const error = await client.call('enterprise/getEnterprise', {}).then(
      () => assert.fail('login should fail'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof VcoAuthError);
    assert.match(error.message, /enterprise login as admin@acme\.example failed \(VCO said: Invalid username or password\)/);
    assert.doesNotMatch(error.message, /Wr0ng-Secret/);
    assert.equal(client.stats.apiCalls, 0);
  });

  test('an operator using the enterprise login gets the VCO reason', async () => {
    await assert.rejects(passwordClient('operator@vco.example', 'enterprise').call('network/getNetworkEnterprises', {}), {
      name: 'VcoAuthError',
      message: /VCO said: Use the operator login/,
    });
  });

  test('a VCO failing at login is an API error, not a credentials error', async () => {
    sim.inject({ kind: 'html502', method: 'login/enterpriseLogin', count: 2 });
    const client = new VcoClient({
      baseUrl: sim.url, auth: { kind: 'password', username: 'admin@acme.example', password: DEFAULT_PASSWORD, login: 'enterprise' }, ...fast, maxRetries: 1,
    });
    await assert.rejects(client.call('enterprise/getEnterprise', {}), (error: unknown) => {
      assert.ok(error instanceof VcoApiError && !(error instanceof VcoAuthError));
      assert.equal(error.message, 'VCO enterprise login failed: HTTP 502: 502 Bad Gateway 502 Bad Gateway nginx');
      return true;
    });
    assert.deepEqual(client.stats, { apiCalls: 0, retries: 1, throttled: 0, logins: 1 });
  });

  test('an invalid token is a clear fatal error that does not echo the token', async () => {
    sim.inject({ kind: 'invalidToken', count: 1 });
    const client = tokenClient();
    const error = await client.call('enterprise/getEnterprise', {}).then(
      () => assert.fail('token should be refused'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof VcoAuthError);
    assert.equal(
      error.message,
      'VCO_TOKEN is invalid or expired (VCO said: tokenError [Invalid API Token]): create a new API token in the VCO and set VCO_TOKEN',
    );
    assert.equal(client.stats.apiCalls, 1, 'a refused token is not retried');
  });

  test('an expired session logs in again once and repeats the call', async () => {
    const client = passwordClient('admin@acme.example', 'enterprise');
    await client.call('enterprise/getEnterprise', {});
    sim.inject({ kind: 'expireSessions' });
    const enterprise = await client.call<{ id: number }>('enterprise/getEnterprise', {});
    assert.equal(enterprise.id, 1);
    assert.equal(client.stats.logins, 2);
    assert.equal(client.stats.apiCalls, 3);
  });

  test('HTTP 429 waits (Retry-After or the default) and repeats the same request', async () => {
    const client = tokenClient();
    sim.inject({ kind: 'status429', method: 'enterprise/getEnterprise', retryAfterSec: 1 });
    sim.inject({ kind: 'status429', method: 'enterprise/getEnterprise', count: 2 });
    const started = Date.now();
    const enterprise = await client.call<{ id: number }>('enterprise/getEnterprise', {});
    assert.equal(enterprise.id, 1);
    assert.ok(Date.now() - started >= 1000, 'Retry-After: 1 was honoured');
    assert.deepEqual(client.stats, { apiCalls: 4, retries: 0, throttled: 3, logins: 0 });
  });

  test('endless HTTP 429 gives up after a bound', async () => {
    const client = tokenClient({ rateLimitWaitMs: 1 });
    sim.inject({ kind: 'status429', method: 'enterprise/getEnterprise', count: 61 });
    await assert.rejects(client.call('enterprise/getEnterprise', {}), { name: 'VcoApiError', message: /kept rate-limiting \(HTTP 429\) after 60 waits/ });
    assert.equal(client.stats.throttled, 61);
  });

  test('5xx and HTML 502 pages are retried; a persistent 502 is a clear error', async () => {
    const client = tokenClient();
    sim.inject({ kind: 'status500', method: 'enterprise/getEnterprise' });
    sim.inject({ kind: 'html502', method: 'enterprise/getEnterprise' });
    assert.equal((await client.call<{ id: number }>('enterprise/getEnterprise', {})).id, 1);
    assert.deepEqual(client.stats, { apiCalls: 3, retries: 2, throttled: 0, logins: 0 });

    const impatient = tokenClient({ maxRetries: 2 });
    sim.inject({ kind: 'html502', method: 'enterprise/getEnterprise', count: 3 });
    await assert.rejects(impatient.call('enterprise/getEnterprise', {}), {
      name: 'VcoApiError',
      message: 'enterprise/getEnterprise: VCO answered HTTP 502 with a non-JSON body (content-type text/html; charset=utf-8): "502 Bad Gateway 502 Bad Gateway nginx"',
    });
    assert.equal(impatient.stats.apiCalls, 3);
  });

  test('a hung reply times out and is retried', async () => {
    const client = tokenClient({ timeoutMs: 1000 }); // long enough for the retry's answer on a busy machine
    sim.inject({ kind: 'hang', method: 'enterprise/getEnterprise' });
    assert.equal((await client.call<{ id: number }>('enterprise/getEnterprise', {})).id, 1);
    assert.equal(client.stats.retries, 1);

    const giveUp = tokenClient({ timeoutMs: 100, maxRetries: 1 });
    sim.inject({ kind: 'hang', method: 'enterprise/getEnterprise', count: 2 });
    await assert.rejects(giveUp.call('enterprise/getEnterprise', {}), { name: 'VcoApiError', message: /did not answer after 2 attempts/ });
  });

  test('an API error object becomes a VcoApiError with method and code, not retried', async () => {
    const client = tokenClient();
    await assert.rejects(client.call('event/getEnterpriseEvents', { interval: { start: 'yesterday' } }), (error: unknown) => {
      assert.ok(error instanceof VcoApiError && !(error instanceof VcoAuthError));
      assert.match(error.message, /^event\/getEnterpriseEvents failed: VCO error -32600: Invalid Request: interval\.start must be/);
      assert.equal(error.context['code'], -32600);
      return true;
    });
    assert.equal(client.stats.apiCalls, 1);
  });

  test('an abort signal cancels a rate-limit wait and a hung request', async () => {
    const client = tokenClient({ rateLimitWaitMs: 60_000, timeoutMs: 60_000 });
    sim.inject({ kind: 'status429', method: 'enterprise/getEnterprise' });
    const started = Date.now();
    await assert.rejects(client.call('enterprise/getEnterprise', {}, AbortSignal.timeout(100)), { name: 'CancelledError' });
    sim.inject({ kind: 'hang', method: 'enterprise/getEnterprise' });
    await assert.rejects(client.call('enterprise/getEnterprise', {}, AbortSignal.timeout(100)), { name: 'CancelledError' });
    assert.ok(Date.now() - started < 5000);
    const aborted = new AbortController();
    aborted.abort();
    await assert.rejects(client.call('enterprise/getEnterprise', {}, aborted.signal), { name: 'CancelledError' });
  });
});
