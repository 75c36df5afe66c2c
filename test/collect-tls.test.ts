/**
 * The VCO client over HTTPS, as against a real Orchestrator: the simulator behind a TLS front end whose
 * certificate comes from a private CA. The certificate is verified; VCO_CA_FILE's CA makes it trusted.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { VcoClient } from '../src/collect/client.js';
import { DEFAULT_TOKEN, startSimulator, type Simulator } from '../src/simulator/index.js';
import { testPki, type TestPki } from './support/tls-certs.js';

describe('VcoClient over HTTPS', () => {
  let sim: Simulator;
  let pki: TestPki;
  let front: Server;
  let url: string;
  before(async () => {
    sim = await startSimulator();
    pki = await testPki();
    const target = new URL(sim.url);
    // Passes each request on to the simulator: TLS outside, the simulator's plain HTTP inside.
    front = createServer({ cert: pki.serverCert, key: pki.serverKey }, (req, res) => {
      const inner = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (reply) => {
        res.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(res);
      });
      inner.on('error', () => res.destroy());
      req.pipe(inner);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    url = `https://localhost:${(front.address() as AddressInfo).port}`;
  });
  after(async () => {
    front.closeAllConnections();
    await new Promise<void>((resolve) => front.close(() => resolve()));
    await sim.close();
  });

  const client = (ca?: string): VcoClient =>
    new VcoClient({ baseUrl: url, auth: { kind: 'token', token: DEFAULT_TOKEN }, timeoutMs: 5000, maxRetries: 0, ...(ca === undefined ? {} : { ca }) });

  test('with the private CA (VCO_CA_FILE) the call succeeds', async () => {
    const enterprise = await client(pki.caCert).call<{ id: number; name: string }>('enterprise/getEnterprise', {});
    assert.equal(enterprise.name, 'ACME Co.');
  });

  test('without it the certificate is refused, and the error names the fix', async () => {
    await assert.rejects(client().call('enterprise/getEnterprise', {}), /set VCO_CA_FILE to its certificate/);
  });
});
