import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VcoEvent } from '../event.js';
import { DEFAULT_OPERATOR_TOKEN, DEFAULT_PARTNER_TOKEN, DEFAULT_PASSWORD, DEFAULT_TOKEN, startSimulator } from './index.js';
import { post, rest, tokenHeader, type ErrorBody, type EventsResult } from './fetch-helpers.js';
import type { Simulator } from './types.js';

const NOW = Date.UTC(2025, 10, 3, 12, 0, 0);
const HOUR = 3600000;
const token = tokenHeader(DEFAULT_TOKEN);
const operator = tokenHeader(DEFAULT_OPERATOR_TOKEN);
const partner = tokenHeader(DEFAULT_PARTNER_TOKEN);

/** A simulator on a fixed clock with 3,000 events in the 2 hours before NOW for enterprise 1 and 500 for 2. */
async function seeded(opts: Parameters<typeof startSimulator>[0] = {}): Promise<Simulator> {
  const sim = await startSimulator({ clock: () => NOW, ...opts });
  sim.generate(1, { count: 3000, startMs: NOW - 2 * HOUR, endMs: NOW - 1000 });
  sim.generate(2, { count: 500, startMs: NOW - 2 * HOUR, endMs: NOW - 1000 });
  return sim;
}

const events = (sim: Simulator, params: object, headers = token): Promise<EventsResult & ErrorBody> =>
  rest<EventsResult & ErrorBody>(sim, 'event/getEnterpriseEvents', params, headers);

const ids = (list: VcoEvent[]): number[] => list.map((e) => e.id as number);

describe('simulator transports and auth', () => {
  let sim: Simulator;
  before(async () => {
    sim = await seeded();
  });
  after(() => sim.close());

  test('REST returns the bare result and JSON-RPC the same result in an envelope with the id', async () => {
    const params = { interval: { start: NOW - HOUR, end: NOW }, filter: { limit: 50 } };
    const restBody = await post(sim, '/portal/rest/event/getEnterpriseEvents', params, token);
    const rpcBody = await post(sim, '/portal/', { jsonrpc: '2.0', method: 'event/getEnterpriseEvents', params, id: 42 }, token);
    assert.equal(restBody.status, 200);
    assert.equal(rpcBody.status, 200);
    const restResult = JSON.parse(restBody.text) as EventsResult;
    assert.equal(restResult.data.length, 50);
    assert.equal(rpcBody.text, JSON.stringify({ jsonrpc: '2.0', result: restResult, id: 42 }));
    assert.equal(restBody.headers.get('expires'), null, 'good replies carry no Expires header');
  });

  test('no credentials or a wrong token: HTTP 200 tokenError [Invalid API Token]', async () => {
    for (const headers of [{}, tokenHeader('wrong')]) {
      const reply = await post(sim, '/portal/rest/event/getEnterpriseEvents', {}, headers);
      assert.equal(reply.status, 200);
      const body = JSON.parse(reply.text) as ErrorBody;
      assert.deepEqual(body.error, { code: -32000, message: 'tokenError [Invalid API Token]' });
      assert.equal(body.jsonrpc, '2.0');
    }
    const rpc = await post(sim, '/portal/', { jsonrpc: '2.0', method: 'enterprise/getEnterprise', params: {}, id: 3 }, tokenHeader('wrong'));
    assert.equal(rpc.text, '{"jsonrpc":"2.0","error":{"code":-32000,"message":"tokenError [Invalid API Token]"},"id":3}');
  });

  test('login on /portal/rest/login/* answers 200 and on /login/* 302, both with velocloud.session', async () => {
    const credentials = { username: 'admin@acme.example', password: DEFAULT_PASSWORD };
    const restLogin = await post(sim, '/portal/rest/login/enterpriseLogin', credentials);
    assert.equal(restLogin.status, 200);
    const rootLogin = await post(sim, '/login/enterpriseLogin', credentials);
    assert.equal(rootLogin.status, 302);
    for (const reply of [restLogin, rootLogin]) {
      const cookie = reply.headers.getSetCookie().find((c) => c.startsWith('velocloud.session='));
      assert.ok(cookie, 'session cookie set');
      const session = cookie.split(';')[0] as string;
      const result = await rest<{ id: number; name: string }>(sim, 'enterprise/getEnterprise', {}, { cookie: session });
      assert.equal(result.id, 1);
      assert.equal(result.name, 'ACME Co.');
    }
    const form = await fetch(`${sim.url}/portal/rest/login/operatorLogin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=operator%40vco.example&password=sim-password',
      redirect: 'manual',
    });
    assert.equal(form.status, 200);
    assert.ok(form.headers.getSetCookie().some((c) => c.startsWith('velocloud.session=')));
  });

  test('a failed login is a 302 with the URL-encoded reason in velocloud.message and no session', async () => {
    const failures = [
      ['/portal/rest/login/enterpriseLogin', { username: 'admin@acme.example', password: 'nope' }],
      ['/login/enterpriseLogin', { username: 'nobody', password: DEFAULT_PASSWORD }],
      ['/login/operatorLogin', { username: 'admin@acme.example', password: DEFAULT_PASSWORD }],
    ] as const;
    for (const [path, body] of failures) {
      const reply = await post(sim, path, body);
      assert.equal(reply.status, 302, path);
      const cookies = reply.headers.getSetCookie();
      assert.ok(!cookies.some((c) => c.startsWith('velocloud.session=')), path);
      const message = cookies.find((c) => c.startsWith('velocloud.message='));
      assert.ok(message !== undefined && /^velocloud\.message=[A-Za-z%0-9]+;/.test(message), `${path}: ${message}`);
      assert.ok(message.includes('%20'));
    }
  });

  test('the token wins over a valid session cookie', async () => {
    const login = await post(sim, '/portal/rest/login/enterpriseLogin', { username: 'admin@acme.example', password: DEFAULT_PASSWORD });
    const session = (login.headers.getSetCookie()[0] as string).split(';')[0] as string;
    const body = await rest<ErrorBody>(sim, 'enterprise/getEnterprise', {}, { cookie: session, ...tokenHeader('revoked') });
    assert.equal(body.error.message, 'tokenError [Invalid API Token]');
  });

  test('wrong JSON is HTTP 400 and an unknown method an error object', async () => {
    const bad = await post(sim, '/portal/rest/event/getEnterpriseEvents', '{"interval":', token);
    assert.equal(bad.status, 400);
    assert.equal((JSON.parse(bad.text) as ErrorBody).error.message, 'Invalid Request: Please check your request schema');
    const badRpc = await post(sim, '/portal/', '[1,2', token);
    assert.equal(badRpc.status, 400);
    const unknown = await rest<ErrorBody>(sim, 'event/getEverything', {}, token);
    assert.equal(unknown.error.code, -32601);
    const unknownRpc = await post(sim, '/portal/', { jsonrpc: '2.0', method: 'nope/nope', params: {}, id: 9 }, token);
    assert.deepEqual(JSON.parse(unknownRpc.text), { jsonrpc: '2.0', error: { code: -32601, message: 'Method not found: nope/nope' }, id: 9 });
  });
});

describe('simulator sessions', () => {
  test('expireSessions: the next cookie call gets tokenError [expired session cookie] with Expires: 0; a new login works', async () => {
    const sim = await seeded();
    try {
      const login = async (): Promise<string> => {
        const reply = await post(sim, '/portal/rest/login/enterpriseLogin', { username: 'admin@acme.example', password: DEFAULT_PASSWORD });
        return (reply.headers.getSetCookie()[0] as string).split(';')[0] as string;
      };
      const session = await login();
      sim.inject({ kind: 'expireSessions' });
      const expired = await post(sim, '/portal/rest/enterprise/getEnterprise', {}, { cookie: session });
      assert.equal(expired.status, 200);
      assert.equal(expired.headers.get('expires'), '0');
      assert.deepEqual(JSON.parse(expired.text), { error: { code: -32000, message: 'tokenError [expired session cookie]' } });
      const fresh = await login();
      assert.equal((await rest<{ id: number }>(sim, 'enterprise/getEnterprise', {}, { cookie: fresh })).id, 1);
      assert.equal(sim.stats.logins, 2);
      // Tokens are untouched by session expiry.
      assert.equal((await rest<{ id: number }>(sim, 'enterprise/getEnterprise', {}, token)).id, 1);
    } finally {
      await sim.close();
    }
  });

  test('sessions expire after sessionTtlMs on the simulator clock', async () => {
    let now = NOW;
    const sim = await startSimulator({ clock: () => now, sessionTtlMs: 60000 });
    try {
      const reply = await post(sim, '/portal/rest/login/enterpriseLogin', { username: 'admin@acme.example', password: DEFAULT_PASSWORD });
      const session = (reply.headers.getSetCookie()[0] as string).split(';')[0] as string;
      now += 59000;
      assert.equal((await rest<{ id: number }>(sim, 'enterprise/getEnterprise', {}, { cookie: session })).id, 1);
      now += 2000;
      const expired = await post(sim, '/portal/rest/enterprise/getEnterprise', {}, { cookie: session });
      assert.equal(expired.headers.get('expires'), '0');
      assert.match(expired.text, /expired session cookie/);
    } finally {
      await sim.close();
    }
  });

  test('invalidToken with a count refuses that many token calls; without one the token stays revoked', async () => {
    const sim = await seeded();
    try {
      sim.inject({ kind: 'invalidToken', count: 1 });
      assert.match((await rest<ErrorBody>(sim, 'enterprise/getEnterprise', {}, token)).error.message, /Invalid API Token/);
      assert.equal((await rest<{ id: number }>(sim, 'enterprise/getEnterprise', {}, token)).id, 1);
      sim.inject({ kind: 'invalidToken' });
      for (let n = 0; n < 3; n++) assert.match((await rest<ErrorBody>(sim, 'enterprise/getEnterprise', {}, token)).error.message, /Invalid API Token/);
    } finally {
      await sim.close();
    }
  });
});

describe('simulator enterprise discovery and access', () => {
  let sim: Simulator;
  before(async () => {
    sim = await seeded();
  });
  after(() => sim.close());

  test('each account kind discovers its enterprises with its own method', async () => {
    const own = await rest<{ id: number; name: string; logicalId: string }>(sim, 'enterprise/getEnterprise', {}, token);
    assert.deepEqual([own.id, own.name], [1, 'ACME Co.']);
    assert.match(own.logicalId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const proxied = await rest<{ id: number; name: string; edgeCount?: number }[]>(sim, 'enterpriseProxy/getEnterpriseProxyEnterprises', { with: ['edgeCount'] }, partner);
    assert.deepEqual(proxied.map((e) => [e.id, e.name]), [[1, 'ACME Co.'], [2, 'Globex Corporation']]);
    assert.equal(typeof proxied[0]?.edgeCount, 'number');

    const network = await rest<Record<string, unknown>[]>(sim, 'network/getNetworkEnterprises', { networkId: 1 }, operator);
    assert.deepEqual(network.map((e) => [e['id'], e['name'], e['enterpriseProxyId'], e['enterpriseProxyName']]), [
      [1, 'ACME Co.', 1, 'Example MSP'],
      [2, 'Globex Corporation', 1, 'Example MSP'],
    ]);

    assert.equal((await rest<{ id: number }>(sim, 'enterprise/getEnterprise', { enterpriseId: 2 }, operator)).id, 2);
    assert.equal((await rest<ErrorBody>(sim, 'network/getNetworkEnterprises', {}, token)).error.code, -32603);
    assert.equal((await rest<ErrorBody>(sim, 'network/getNetworkEnterprises', {}, partner)).error.code, -32603);
    assert.equal((await rest<ErrorBody>(sim, 'enterpriseProxy/getEnterpriseProxyEnterprises', {}, token)).error.code, -32603);
  });

  test('operator and partner event calls need enterpriseId; an enterprise user may omit it but not name another one', async () => {
    for (const headers of [operator, partner]) {
      const reply = await post(sim, '/portal/rest/event/getEnterpriseEvents', { interval: { start: NOW - HOUR } }, headers);
      assert.equal(reply.status, 400);
      assert.match((JSON.parse(reply.text) as ErrorBody).error.message, /enterpriseId is required/);
      const named = await events(sim, { enterpriseId: 2, interval: { start: NOW - 3 * HOUR } }, headers);
      assert.equal(named.data.length, 500);
    }
    const own = await events(sim, { enterpriseId: 1, interval: { start: NOW - 3 * HOUR }, filter: { limit: 5 } });
    assert.equal(own.data.length, 5);
    const other = await events(sim, { enterpriseId: 2, interval: { start: NOW - 3 * HOUR } });
    assert.equal(other.error.code, -32603);
  });

  test('enterprises never share event ids', () => {
    const all = [...ids(sim.allEvents(1)), ...ids(sim.allEvents(2))];
    assert.equal(all.length, 3500);
    assert.equal(new Set(all).size, 3500);
  });
});

describe('simulator events query', () => {
  let sim: Simulator;
  let everything: VcoEvent[];
  before(async () => {
    sim = await seeded();
    everything = sim.allEvents(1);
  });
  after(() => sim.close());

  test('pages are newest first, capped at filter.limit (max 2048) with metaData.more, and split seconds', async () => {
    const page = await events(sim, { interval: { start: NOW - 3 * HOUR, end: NOW }, filter: { limit: 5000 } });
    assert.deepEqual(page.metaData, { limit: 2048, more: true });
    assert.equal(page.data.length, 2048);
    assert.deepEqual(page.data, everything.slice(0, 2048), 'the newest 2048, in API order');
    for (let i = 1; i < page.data.length; i++) {
      const [a, b] = [page.data[i - 1] as VcoEvent, page.data[i] as VcoEvent];
      assert.ok((a.eventTime as string) > (b.eventTime as string) || (a.eventTime === b.eventTime && (a.id as number) > (b.id as number)));
    }
    const oldest = page.data[2047] as VcoEvent;
    assert.equal(everything[2048]?.eventTime, oldest.eventTime, 'the page boundary falls inside a second');

    const defaults = await events(sim, { interval: { start: NOW - 3 * HOUR } });
    assert.deepEqual(defaults.metaData, { limit: 2048, more: true });
    const almostAll = await events(sim, { interval: { start: NOW - 3 * HOUR }, filter: { limit: 2999 } });
    assert.deepEqual([almostAll.data.length, almostAll.metaData], [2048, { limit: 2048, more: true }]);
    const exact = await events(sim, { interval: { start: NOW - 3 * HOUR }, filter: { limit: 2048 } });
    assert.equal(exact.data.length, 2048);
    const small = await events(sim, { interval: { start: NOW - 3 * HOUR, end: NOW - HOUR } });
    assert.equal(small.metaData.more, false);
  });

  test('paging by end = oldest eventTime fetches every event exactly (with boundary repeats)', async () => {
    const seen = new Map<number, VcoEvent>();
    let end = NOW;
    for (let calls = 0; calls < 10; calls++) {
      const page = await events(sim, { interval: { start: NOW - 3 * HOUR, end }, filter: { limit: 700 } });
      for (const e of page.data) seen.set(e.id as number, e);
      if (!page.metaData.more) break;
      end = Date.parse(page.data[page.data.length - 1]?.eventTime as string);
    }
    assert.equal(seen.size, 3000);
    assert.deepEqual([...seen.values()].sort((a, b) => (b.id as number) - (a.id as number)), everything);
  });

  test('interval bounds are inclusive and every datetime form means the same instant', async () => {
    const target = everything[1000] as VcoEvent;
    const t = Date.parse(target.eventTime as string);
    const second = everything.filter((e) => e.eventTime === target.eventTime);
    assert.ok(second.length >= 2, 'generated seconds hold several events');
    const iso = new Date(t).toISOString();
    const forms: unknown[] = [t, String(t), iso, iso.slice(0, 19), `${iso.slice(0, 19)}.000000`, `${iso.slice(0, 19)}.0`, `${iso.slice(0, 19)}+00:00`, `${iso.slice(0, 19)}.000000Z`];
    for (const form of forms) {
      const page = await events(sim, { interval: { start: form, end: form } });
      assert.deepEqual(ids(page.data), ids(second), `form ${JSON.stringify(form)}`);
    }
    // Both bounds strictly inside the second: the whole-second eventTime is before start.
    const late = await events(sim, { interval: { start: t + 1, end: t + 999 } });
    assert.equal(late.data.length, 0);
    const offset = await events(sim, { interval: { start: new Date(t + 2 * HOUR).toISOString().slice(0, 19) + '+02:00', end: t } });
    assert.deepEqual(ids(offset.data), ids(second));
  });

  test('no interval means the last 12 hours; no end means now; a bad datetime is HTTP 400', async () => {
    sim.addEvents(1, [exactEvent(1, NOW - 13 * HOUR), exactEvent(2, NOW + 1000)]);
    try {
      const page = await events(sim, { filter: { rules: [{ field: 'event', op: 'is', values: ['TEST_EXACT'] }] } });
      assert.equal(page.data.length, 0, 'one is older than 12 h, the other in the future');
      const open = await events(sim, { interval: { start: NOW - 14 * HOUR }, filter: { rules: [{ field: 'event', op: 'is', values: ['TEST_EXACT'] }] } });
      assert.deepEqual(open.data.map((e) => e.id), [1]);
    } finally {
      everything = sim.allEvents(1).filter((e) => e.event !== 'TEST_EXACT');
    }
    for (const start of ['yesterday', '2025-13-45T00:00:00Z', '12345', {}]) {
      const reply = await post(sim, '/portal/rest/event/getEnterpriseEvents', { interval: { start } }, token);
      assert.equal(reply.status, 400, JSON.stringify(start));
    }
  });

  test('filter.rules: is / in with several values, isNot / "is not" / notIn, user, severity, edgeName, startsWith, contains', async () => {
    const window = { start: NOW - 3 * HOUR, end: NOW };
    const query = async (rules: object[]): Promise<number[]> => ids((await events(sim, { interval: window, filter: { limit: 2048, rules } })).data);
    const expect = (predicate: (e: VcoEvent) => boolean): number[] => ids(everything.filter(predicate).slice(0, 2048));
    const updown = ['EDGE_UP', 'EDGE_DOWN', 'LINK_ALIVE', 'LINK_DEAD'];
    assert.deepEqual(await query([{ field: 'event', op: 'is', values: updown }]), expect((e) => updown.includes(e.event as string)));
    assert.deepEqual(await query([{ field: 'event', op: 'in', values: updown }]), expect((e) => updown.includes(e.event as string)));
    for (const op of ['isNot', 'is not', 'notIn']) {
      assert.deepEqual(await query([{ field: 'severity', op, values: ['INFO', 'NOTICE'] }]), expect((e) => e.severity !== 'INFO' && e.severity !== 'NOTICE'), op);
    }
    const user = everything.find((e) => typeof e.enterpriseUsername === 'string' && e.enterpriseUsername !== '')?.enterpriseUsername as string;
    assert.deepEqual(await query([{ field: 'user', op: 'is', values: [user] }]), expect((e) => e.enterpriseUsername === user));
    assert.deepEqual(
      await query([{ field: 'edgeName', op: 'startsWith', values: ['branch'] }, { field: 'severity', op: 'is', values: ['INFO'] }]),
      expect((e) => (e.edgeName ?? '').startsWith('branch') && e.severity === 'INFO'),
    );
    assert.deepEqual(await query([{ field: 'message', op: 'contains', values: ['DEAD'] }]), expect((e) => (e.message ?? '').includes('DEAD')));
    const unknownOp = await post(sim, '/portal/rest/event/getEnterpriseEvents', { filter: { rules: [{ field: 'event', op: 'like', values: ['x'] }] } }, token);
    assert.equal(unknownOp.status, 400);
  });

  test('edgeId restricts to the edges named', async () => {
    const edgeId = 101; // first edge of enterprise 1
    const page = await events(sim, { interval: { start: NOW - 3 * HOUR }, edgeId: [edgeId] });
    assert.ok(page.data.length > 0);
    assert.deepEqual(ids(page.data), ids(everything.filter((e) => e.edgeName === 'hq-vedge')));
  });

  test('stats count calls per method', () => {
    assert.ok(sim.stats.calls >= 20);
    assert.equal(sim.stats.calls, Object.values(sim.stats.byMethod).reduce((a, b) => a + b, 0));
    assert.ok((sim.stats.byMethod['event/getEnterpriseEvents'] ?? 0) >= 20);
  });
});

function exactEvent(id: number, ms: number): VcoEvent {
  return {
    id,
    eventTime: new Date(Math.floor(ms / 1000) * 1000).toISOString(),
    event: 'TEST_EXACT',
    category: 'SYSTEM',
    severity: 'INFO',
    message: 'exact',
    detail: null,
    enterpriseUsername: null,
    edgeName: null,
    segmentName: null,
  };
}

describe('simulator faults', () => {
  let sim: Simulator;
  before(async () => {
    sim = await seeded();
  });
  after(() => sim.close());
  const call = (): ReturnType<typeof post> => post(sim, '/portal/rest/event/getEnterpriseEvents', { filter: { limit: 1 } }, token);

  test('status429 with and without Retry-After, status500 and html502 hit the next calls only', async () => {
    sim.inject({ kind: 'status429', retryAfterSec: 7 });
    sim.inject({ kind: 'status429' });
    sim.inject({ kind: 'status500' });
    sim.inject({ kind: 'html502' });
    const first = await call();
    assert.deepEqual([first.status, first.headers.get('retry-after')], [429, '7']);
    const second = await call();
    assert.deepEqual([second.status, second.headers.get('retry-after')], [429, null]);
    assert.equal((await call()).status, 500);
    const html = await call();
    assert.equal(html.status, 502);
    assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(html.text, /^<html>/);
    assert.equal((await call()).status, 200);
  });

  test('count, afterCalls and method select which calls fail', async () => {
    sim.inject({ kind: 'status500', count: 2, afterCalls: 1, method: 'event/getEnterpriseEvents' });
    assert.equal((await rest<{ id: number }>(sim, 'enterprise/getEnterprise', {}, token)).id, 1, 'other methods untouched');
    const statuses = [];
    for (let n = 0; n < 4; n++) statuses.push((await call()).status);
    assert.deepEqual(statuses, [200, 500, 500, 200]);
  });

  test('slow delays one reply; latencyMs delays every reply', async () => {
    sim.inject({ kind: 'slow', delayMs: 300 });
    const started = Date.now();
    const reply = await call();
    assert.equal(reply.status, 200);
    assert.ok(Date.now() - started >= 290, 'answered after the delay');

    const laggy = await startSimulator({ latencyMs: 150 });
    try {
      const t0 = Date.now();
      assert.equal((await rest<{ id: number }>(laggy, 'enterprise/getEnterprise', {}, token)).id, 1);
      assert.ok(Date.now() - t0 >= 140);
    } finally {
      await laggy.close();
    }
  });

  test('hang never answers until the client gives up, and close() still returns', { timeout: 10000 }, async () => {
    const hanging = await seeded();
    hanging.inject({ kind: 'hang' });
    await assert.rejects(post(hanging, '/portal/rest/event/getEnterpriseEvents', {}, token, AbortSignal.timeout(300)), /abort|timeout/i);
    hanging.inject({ kind: 'hang' });
    const pending = post(hanging, '/portal/rest/event/getEnterpriseEvents', {}, token).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await hanging.close();
    assert.equal(await pending, 'failed', 'the hung request is cut when the simulator closes');
  });
});
