/**
 * The README's quick start must stay true: exactly two commands, the second is what CI runs, and the
 * first works on a fresh copy of the repository (install, build, one full cycle against the simulator).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './support/cli.js';

function quickStartCommands(): string[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## Quick start$/m)[1];
  assert.ok(section, 'README has a "## Quick start" section');
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'the quick start has a sh code block');
  return block.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

test('the quick start is exactly two commands and the second is what .ci/run runs', () => {
  const commands = quickStartCommands();
  assert.equal(commands.length, 2, `two commands, got: ${commands.join(' | ')}`);
  assert.equal(commands[1], 'npm test');
  const ci = readFileSync(path.join(REPO_ROOT, '.ci/run'), 'utf8');
  assert.match(ci, /^npm test$/m, '.ci/run runs the README test command');
});

test('the first quick-start command works on a fresh copy of the repository', { timeout: 240_000 }, () => {
  const [first] = quickStartCommands();
  const dir = mkdtempSync(path.join(tmpdir(), 'vco-siem-fresh-'));
  try {
    // What a clone holds: tracked files plus new files git does not ignore (the working tree under test).
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '');
    for (const file of files) {
      const source = path.join(REPO_ROOT, file);
      try {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        cpSync(source, path.join(dir, file));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // deleted but not yet committed
      }
    }
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? dir, npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
    const result = spawnSync('sh', ['-c', first!], { cwd: dir, env, encoding: 'utf8', timeout: 220_000 });
    assert.equal(result.status, 0, `"${first}" failed:\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`);
    for (const format of ['cef', 'leef', 'rfc5424', 'rfc3164', 'json']) {
      assert.match(result.stdout, new RegExp(`== ${format}: [1-9]\\d* messages received`), `the demo shows ${format} messages`);
    }
    assert.match(result.stdout, /CEF:0\|VMware\|VeloCloud Orchestrator\|/);
    assert.match(result.stdout, /ACME Co\.\s+\d+\s+[1-9]\d*\s+\d+\s+\d+\s+\d+\s+ok/, 'the collect summary shows new events');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
