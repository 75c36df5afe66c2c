import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Enterprise } from '../event.js';
import { DEFAULT_OPERATOR_TOKEN, DEFAULT_PARTNER_TOKEN, DEFAULT_PASSWORD, DEFAULT_TOKEN, type Simulator, startSimulator } from '../simulator/index.js';
import { type VcoAuth, VcoClient } from './client.js';
import { discoverEnterprises } from './discovery.js';

describe('discoverEnterprises against the simulator', () => {
  let sim: Simulator;
  // Listed out of order on purpose: discovery sorts by id.
  const enterprises = [
    { id: 9, name: 'Globex Corporation', logicalId: '99999999-0000-4000-8000-000000000009' },
    { id: 3, name: 'ACME Co.', logicalId: '33333333-0000-4000-8000-000000000003' },
  ];
  const [globex, acme] = enterprises as [Enterprise, Enterprise];
  before(async () => {
    sim = await startSimulator({ enterprises });
  });
  after(async () => {
    await sim.close();
  });

  const clientFor = (auth: VcoAuth): VcoClient => new VcoClient({ baseUrl: sim.url, auth, retryBaseMs: 10, timeoutMs: 2000 });
  const password = (username: string, login: 'enterprise' | 'operator'): VcoAuth => ({ kind: 'password', username, password: DEFAULT_PASSWORD, login });

  test('an enterprise user gets its own enterprise (token or password)', async () => {
    for (const auth of [{ kind: 'token', token: DEFAULT_TOKEN } as const, password('admin@acme.example', 'enterprise')]) {
      const client = clientFor(auth);
      assert.deepEqual(await discoverEnterprises(client, { login: 'enterprise' }), [globex]);
      assert.equal(client.stats.apiCalls, 1);
    }
  });

  test('a partner (MSP) user falls back to the enterprises of its proxy', async () => {
    for (const auth of [{ kind: 'token', token: DEFAULT_PARTNER_TOKEN } as const, password('msp@partner.example', 'enterprise')]) {
      const client = clientFor(auth);
      assert.deepEqual(await discoverEnterprises(client, { login: 'enterprise' }), [acme, globex]);
      assert.equal(client.stats.apiCalls, 2, 'getEnterprise, then getEnterpriseProxyEnterprises');
    }
    assert.ok((sim.stats.byMethod['enterpriseProxy/getEnterpriseProxyEnterprises'] ?? 0) >= 2);
  });

  test('an operator lists every enterprise of the network', async () => {
    for (const auth of [{ kind: 'token', token: DEFAULT_OPERATOR_TOKEN } as const, password('operator@vco.example', 'operator')]) {
      assert.deepEqual(await discoverEnterprises(clientFor(auth), { login: 'operator' }), [acme, globex]);
    }
  });

  test('configured enterpriseIds are fetched one by one, deduplicated and sorted', async () => {
    const client = clientFor(password('operator@vco.example', 'operator'));
    assert.deepEqual(await discoverEnterprises(client, { login: 'operator', enterpriseIds: [9, 3, 9] }), [acme, globex]);
    assert.equal(client.stats.apiCalls, 2);
    const partner = clientFor({ kind: 'token', token: DEFAULT_PARTNER_TOKEN });
    assert.deepEqual(await discoverEnterprises(partner, { login: 'enterprise', enterpriseIds: [3] }), [acme]);
  });

  test('an enterprise id the account cannot see is an error naming the VCO reason', async () => {
    await assert.rejects(discoverEnterprises(clientFor({ kind: 'token', token: DEFAULT_TOKEN }), { login: 'enterprise', enterpriseIds: [3] }), {
      name: 'VcoApiError',
      message: /^enterprise\/getEnterprise failed: VCO error -32603: privilegeError \[enterpriseId 3 is not accessible\]/,
    });
  });

  test('an auth failure is not mistaken for a partner account', async () => {
    sim.inject({ kind: 'invalidToken', count: 1 });
    const client = clientFor({ kind: 'token', token: DEFAULT_TOKEN });
    await assert.rejects(discoverEnterprises(client, { login: 'enterprise' }), { name: 'VcoAuthError', message: /VCO_TOKEN is invalid or expired/ });
    assert.equal(client.stats.apiCalls, 1);
  });

  test('a transport failure is reported as it is, not mistaken for a partner account', async () => {
    sim.inject({ kind: 'html502', count: 10, method: 'enterprise/getEnterprise' });
    const client = new VcoClient({ baseUrl: sim.url, auth: { kind: 'token', token: DEFAULT_TOKEN }, retryBaseMs: 1, maxRetries: 1, timeoutMs: 2000 });
    const proxyCalls = sim.stats.byMethod['enterpriseProxy/getEnterpriseProxyEnterprises'] ?? 0;
    await assert.rejects(discoverEnterprises(client, { login: 'enterprise' }), { name: 'VcoApiError', message: /^enterprise\/getEnterprise: VCO answered HTTP 502/ });
    assert.equal(sim.stats.byMethod['enterpriseProxy/getEnterpriseProxyEnterprises'] ?? 0, proxyCalls, 'no partner fallback');
  });
});
