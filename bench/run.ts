/**
 * Bench runner: `node dist/bench/run.js [forward|memory|collect|startup|encoders ...] [--quick] [--cpu-prof[=DIR]]
 * [--node-arg=FLAG ...]`.
 * Runs the chosen benchmarks (all by default) and prints ONE table. Exit 1 when a benchmark failed to run or
 * missed its target. --quick uses small sizes (a smoke run of every path, under a minute); --cpu-prof writes
 * V8 CPU profiles of the measured agent processes (forward, collect, run) to DIR (default ./bench-profiles);
 * --node-arg passes a Node/V8 flag to those processes (e.g. --node-arg=--max-semi-space-size=4).
 */
import { resolve } from 'node:path';
import { collectionBench } from './collect.js';
import { encodersBench } from './encoders.js';
import { forwardBench } from './forward.js';
import { AGENT_NODE_ARGS } from './lib/child.js';
import { FULL, QUICK, type Sizes } from './lib/sizes.js';
import { renderTable, type Row } from './lib/table.js';
import { memoryBench } from './memory.js';
import { startupBench } from './startup.js';

const BENCHES: Record<string, (sizes: Sizes) => Promise<Row[]>> = {
  forward: forwardBench,
  memory: memoryBench,
  collect: collectionBench,
  startup: startupBench,
  encoders: encodersBench,
};

const USAGE = `usage: node dist/bench/run.js [${Object.keys(BENCHES).join('|')} ...] [--quick] [--cpu-prof[=DIR]] [--node-arg=FLAG ...]`;

function parseArgs(args: string[]): { names: string[]; sizes: Sizes; profileDir?: string } {
  const names: string[] = [];
  let sizes = FULL;
  let profileDir: string | undefined;
  for (const arg of args) {
    if (arg === '--quick') sizes = QUICK;
    else if (arg === '--cpu-prof' || arg.startsWith('--cpu-prof=')) profileDir = resolve(arg.split('=')[1] ?? 'bench-profiles');
    else if (arg.startsWith('--node-arg=')) AGENT_NODE_ARGS.push(arg.slice('--node-arg='.length));
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg in BENCHES) names.push(arg);
    else {
      process.stderr.write(`unknown argument ${JSON.stringify(arg)}\n${USAGE}\n`);
      process.exit(2);
    }
  }
  return { names: names.length > 0 ? names : Object.keys(BENCHES), sizes, ...(profileDir ? { profileDir } : {}) };
}

const { names, sizes, profileDir } = parseArgs(process.argv.slice(2));
if (profileDir) AGENT_NODE_ARGS.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
const rows: Row[] = [];
const started = performance.now();
for (const name of names) {
  const t0 = performance.now();
  process.stderr.write(`bench: ${name}${sizes === QUICK ? ' (quick)' : ''}...\n`);
  try {
    rows.push(...(await BENCHES[name]!(sizes)));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`bench: ${name} failed: ${message}\n`);
    rows.push({ benchmark: name, result: `error: ${message.split('\n')[0]}`, target: 'runs', pass: false });
  }
  process.stderr.write(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
process.stdout.write(`\n${renderTable(rows)}\n\n`);
process.stdout.write(`${sizes === QUICK ? 'quick sizes (smoke run; targets are for the full sizes)' : 'full sizes'}; total ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
if (profileDir) process.stdout.write(`CPU profiles of the agent runs: ${profileDir}\n`);
process.exitCode = rows.some((r) => r.pass === false) ? 1 : 0;
