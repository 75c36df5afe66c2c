/** The logger: one record is one line, whatever the values hold; JSON lines are exactly JSON.stringify's. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, registerSecret } from './log.js';

// NUL, LF, CR, ESC (an ANSI colour), DEL, two C1 controls (NEL, CSI) and the line/paragraph separators.
const HOSTILE = 'evil\u0000nul\nnewline\r\u001b[31mRED\u007f\u0085\u009b2J\u2028\u2029end';
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

test('text logger: a value, message or bound field with control characters gives exactly one line, none of them raw', () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', json: false, write: (line) => lines.push(line) });
  logger.child({ enterprise: HOSTILE }).warn(`collecting ${HOSTILE}`, { lastError: HOSTILE, nested: { name: HOSTILE } });
  assert.equal(lines.length, 1);
  const line = lines[0]!;
  assert.ok(line.endsWith('\n'));
  const body = line.slice(0, -1);
  assert.doesNotMatch(body, RAW_CONTROL, JSON.stringify(body));
  assert.ok(body.includes('enterprise=evil\\x00nul\\x0anewline\\x0d\\x1b[31mRED\\x7f\\x85\\x9b2J\\u2028\\u2029end'), body);
  assert.ok(body.startsWith('WARN  collecting evil\\x00nul\\x0a'), body);

  // JSON lines stay exactly what JSON.stringify writes.
  const json: string[] = [];
  createLogger({ level: 'debug', json: true, write: (l) => json.push(l) }).child({ enterprise: HOSTILE }).warn('collecting', { lastError: HOSTILE });
  const parsed = JSON.parse(json[0]!) as { time: string };
  assert.equal(json[0], `${JSON.stringify({ time: parsed.time, level: 'warn', msg: 'collecting', enterprise: HOSTILE, lastError: HOSTILE })}\n`);
});

test('text logger: a registered secret is still redacted when it holds a control character', () => {
  registerSecret('tok\u001ben-s3cret');
  const lines: string[] = [];
  createLogger({ json: false, write: (line) => lines.push(line) }).error('failed\nagain', { token: 'tok\u001ben-s3cret' });
  assert.deepEqual(lines, ['ERROR failed\\x0aagain  token=***\n']);
});
