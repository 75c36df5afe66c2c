/**
 * Interoperability with a real receiver: Debian's rsyslogd receives our messages over TLS (gtls driver,
 * octet counting, RFC 5424 with BOM) and over plain TCP (LF framing, CEF) and writes each raw message as one
 * line. Every event must arrive exactly once with its bytes intact, including while the forwarder rotates
 * connections to confirm delivery.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { VcoEvent } from '../src/event.js';
import { createEncoder, loadMapping, type Mapping } from '../src/map/index.js';
import { makeDestination, type Destination } from '../src/ship/destination.js';
import { forwardEnterprise } from '../src/ship/forwarder.js';
import { rsyslogSkipReason, startRsyslog, type RsyslogInstance } from './support/rsyslog.js';
import { testPki } from './support/tls-certs.js';
import { enterpriseDirWith } from './support/enterprise-log.js';

const COUNT = 1000;
const ENTERPRISE = 'ACME Co.';
const events: VcoEvent[] = Array.from({ length: COUNT }, (_, i) => ({
  id: 7_000_000 + i,
  eventTime: new Date(Date.parse('2024-05-01T12:00:00Z') + i * 1000).toISOString(),
  event: i % 2 ? 'EDGE_DOWN' : 'LINK_ALIVE_STATUS_CHANGED_TO_INACTIVE',
  category: 'EDGE',
  severity: 'ALERT',
  message: `Edge Zürich-東京 ${i} is down "quoted" [bracket] back\\slash`,
  edgeName: 'Zürich-東京',
  segmentName: 'Global Segment',
  detail: JSON.stringify({ hostname: 'h', n: i }),
}));

describe('rsyslog interop', { skip: rsyslogSkipReason() }, () => {
  let rsyslog: RsyslogInstance;
  let mapping: Mapping;
  let root: string;
  let enterpriseDir: string;

  before(async () => {
    const pki = await testPki();
    mapping = await loadMapping();
    root = await mkdtemp(join(tmpdir(), 'vco-siem-interop-'));
    enterpriseDir = await enterpriseDirWith(root, events);
    rsyslog = await startRsyslog({
      ports: 2,
      waitForTcp: [0, 1],
      config: (dir, [tlsPort, tcpPort]) => `
global(DefaultNetstreamDriverCAFile="${pki.caCertFile}" DefaultNetstreamDriverCertFile="${pki.serverCertFile}" DefaultNetstreamDriverKeyFile="${pki.serverKeyFile}")
module(load="imtcp")
template(name="raw" type="string" string="%rawmsg%\\n")
ruleset(name="tls") { action(type="omfile" file="${dir}/tls.log" template="raw") }
ruleset(name="tcp") { action(type="omfile" file="${dir}/tcp.log" template="raw") }
input(type="imtcp" port="${tlsPort}" ruleset="tls" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")
input(type="imtcp" port="${tcpPort}" ruleset="tcp")
`,
    });
  });
  after(async () => {
    await rsyslog?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function deliverAndCompare(destination: Destination, file: string): Promise<void> {
    const summary = await forwardEnterprise({ enterpriseDir, enterpriseName: ENTERPRISE, destination, mapping });
    assert.equal(summary.error, undefined);
    assert.equal(summary.sent, COUNT);
    const encode = createEncoder({ ...destination.encoder, format: destination.format, mapping, lineSafe: destination.framing === 'lf' });
    const expected = events.map((e) => encode(e, { enterpriseName: ENTERPRISE }));
    const content = await rsyslog.waitForFile(file, (text) => text.split('\n').length > COUNT);
    const lines = content.split('\n').slice(0, -1);
    assert.equal(lines.length, COUNT, 'every event once');
    assert.deepEqual(lines, expected, 'bytes intact, in order');
  }

  test('TLS (gtls), octet counting, RFC 5424 with BOM, confirming every 64 KiB', async () => {
    const pki = await testPki();
    await deliverAndCompare(
      makeDestination({
        name: 'rsyslog-tls', host: '127.0.0.1', port: rsyslog.ports[0]!, protocol: 'tls', format: 'rfc5424',
        tls: { ca: pki.caCertFile }, confirmEveryBytes: 64 * 1024, encoder: { hostname: 'vco.example.net', bom: true },
      }),
      'tls.log',
    );
  });

  test('TCP, LF framing, CEF', async () => {
    await deliverAndCompare(
      makeDestination({ name: 'rsyslog-tcp', host: '127.0.0.1', port: rsyslog.ports[1]!, protocol: 'tcp', format: 'cef', encoder: { hostname: 'vco' } }),
      'tcp.log',
    );
  });
});
