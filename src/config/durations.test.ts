/**
 * Durations that become timers are bounded when the configuration is read: Node fires a delay over
 * 2^31-1 ms (about 24.8 days) at once, with only a TimeoutOverflowWarning. Durations that are not timers
 * (VCO_SINCE, VCO_LOOKBACK, STATUS_MAX_AGE) keep their own limits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors.js';
import { MAX_TIMER_MS } from '../ship/destination.js';
import { buildCollectConfig } from './collect.js';
import { parseDuration } from './parse.js';
import { buildDestinations } from './siem.js';

const configError = (pattern: RegExp) => (e: unknown): boolean => e instanceof ConfigError && e.exitCode === 2 && pattern.test(e.message);

test('parseDuration with a maximum refuses longer durations, naming the setting and the maximum', () => {
  assert.equal(MAX_TIMER_MS, 2_147_483_647, 'the largest delay Node timers take');
  assert.equal(parseDuration('SHUTDOWN_TIMEOUT', '24d', MAX_TIMER_MS), 24 * 86_400_000);
  assert.equal(parseDuration('SHUTDOWN_TIMEOUT', `${MAX_TIMER_MS}ms`, MAX_TIMER_MS), MAX_TIMER_MS);
  assert.equal(parseDuration('SHUTDOWN_TIMEOUT', '24.8d', MAX_TIMER_MS), 2_142_720_000, 'the suggested "about" value is itself allowed');
  for (const value of ['25d', '4w', '2147483648ms', '9'.repeat(400)]) {
    assert.throws(() => parseDuration('SHUTDOWN_TIMEOUT', value, MAX_TIMER_MS), configError(/^SHUTDOWN_TIMEOUT=\S+ is too long: use at most 2147483647ms \(about 24\.8d\)$/), value);
  }
  // Durations that are not timers are not capped at 24.8 days.
  assert.equal(parseDuration('STATUS_MAX_AGE', '30d'), 30 * 86_400_000, 'no maximum unless one is given');
  const now = Date.UTC(2024, 5, 1);
  const c = buildCollectConfig({ VCO_SINCE: '60d', VCO_LOOKBACK: '7d' }, now);
  assert.equal(c.sinceMs, now - 60 * 86_400_000);
  assert.equal(c.lookbackMs, 7 * 86_400_000);
});

test('SIEM_CONNECT_TIMEOUT and SIEM_WRITE_TIMEOUT: up to the timer maximum taken as given, longer refused', () => {
  const [d] = buildDestinations({ SIEM_HOST: 'h', SIEM_CONNECT_TIMEOUT: '24d', SIEM_WRITE_TIMEOUT: '2147483647ms' });
  assert.equal(d!.connectTimeoutMs, 24 * 86_400_000);
  assert.equal(d!.writeTimeoutMs, MAX_TIMER_MS);
  for (const name of ['SIEM_CONNECT_TIMEOUT', 'SIEM_WRITE_TIMEOUT']) {
    assert.throws(() => buildDestinations({ SIEM_HOST: 'h', [name]: '25d' }), configError(new RegExp(`^${name}=25d is too long: use at most 2147483647ms`)), name);
  }
});
