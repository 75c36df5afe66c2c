import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors.js';
import { mappingWith } from './fixtures.js';
import { createEncoder, FORMATS, type EncoderOptions } from './index.js';

test('bad encoder options are ConfigErrors naming the option, raised by createEncoder', () => {
  const mapping = mappingWith();
  const cases: [Partial<EncoderOptions>, RegExp][] = [
    [{ format: 'xml' as EncoderOptions['format'] }, /option format/],
    [{ facility: 24 }, /option facility/],
    [{ facility: 1.5 }, /option facility/],
    [{ pen: 0 }, /option pen/],
    [{ hostname: 'has space' }, /option hostname/],
    [{ hostname: 'hôte' }, /option hostname/],
    [{ appName: 'x'.repeat(49) }, /option appName/],
    [{ vendor: 'v'.repeat(64) }, /option vendor/],
    [{ productVersion: '1\n2' }, /option productVersion/],
    [{ cefSyslogHeader: 'rfc9999' as 'none' }, /option cefSyslogHeader/],
    [{ leefVersion: '3.0' as '2.0' }, /option leefVersion/],
  ];
  for (const [bad, message] of cases) {
    assert.throws(() => createEncoder({ format: 'cef', mapping, ...bad }), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(bad));
  }
});

test('defaults produce a valid message in every format', () => {
  const mapping = mappingWith();
  for (const format of FORMATS) {
    const out = createEncoder({ format, mapping, hostname: 'h' })({ id: 1, event: 'EDGE_UP', severity: 'INFO', eventTime: '2024-05-01T00:00:00.000Z', message: 'm' });
    assert.match(out, /^(<134>|CEF|LEEF)/, format);
    if (format === 'cef') assert.ok(out.startsWith('<134>May  1 00:00:00 h CEF:0|VMware|VeloCloud Orchestrator|unknown|EDGE_UP|Edge up|1|'), out);
    if (format === 'leef') assert.ok(out.startsWith('<134>May  1 00:00:00 h LEEF:1.0|VMware|VeloCloud Orchestrator|unknown|EDGE_UP|devTime='), out);
  }
});

test('LEEF settings only bind LEEF destinations, and a LEEF 2.0 delimiter may not be a key character', () => {
  const mapping = mappingWith();
  for (const format of FORMATS.filter((f) => f !== 'leef')) {
    assert.doesNotThrow(() => createEncoder({ format, mapping, leefDelimiter: '^' }), `${format} ignores leefDelimiter`);
  }
  assert.throws(() => createEncoder({ format: 'leef', mapping, leefDelimiter: '^' }), /LEEF 1\.0 is always TAB-delimited/);
  for (const delimiter of ['a', 'Z', '7', '_', '.', '-', 'x61']) {
    assert.throws(() => createEncoder({ format: 'leef', mapping, leefVersion: '2.0', leefDelimiter: delimiter }), (e: unknown) => e instanceof ConfigError && /cannot delimit LEEF attributes/.test(e.message), delimiter);
  }
  assert.doesNotThrow(() => createEncoder({ format: 'leef', mapping, leefVersion: '2.0', leefDelimiter: '^' }));
});

test('a message that is not a string still travels in every syslog format', () => {
  const mapping = mappingWith();
  const event = { id: 5, eventTime: '2024-05-01T12:34:56.000Z', event: 'EDGE_DOWN', severity: 'ALERT', message: 42 as unknown as string };
  assert.match(createEncoder({ format: 'rfc5424', mapping, hostname: 'h' })(event), /\] 42$/);
  assert.match(createEncoder({ format: 'rfc3164', mapping, hostname: 'h' })(event), /velocloud\[5\]: 42$/);
  const objectMessage = { ...event, message: { a: 1 } as unknown as string };
  assert.match(createEncoder({ format: 'rfc5424', mapping, hostname: 'h' })(objectMessage), /\] \{"a":1\}$/);
});
