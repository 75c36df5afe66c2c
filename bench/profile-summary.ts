/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `run.js --cpu-prof`): self time per function and per
 * source file, the hottest first, and optionally the call paths into functions whose name contains a text.
 * Usage: node dist/bench/profile-summary.js <file.cpuprofile> [top=25] [--callers NAME]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const callersAt = args.indexOf('--callers');
const callersOf = callersAt === -1 ? undefined : args.splice(callersAt, 2)[1];
const [file, topArg] = args;
if (!file) throw new Error('usage: profile-summary.js <file.cpuprofile> [top] [--callers NAME]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

// Self time of each node: the time deltas of the samples that landed in it.
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = profile.endTime - profile.startTime;

const shortUrl = (url: string): string => url.replace(/^file:\/\/.*?\/(dist[^/]*|node_modules)\//, '$1/') || '(native)';
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = shortUrl(url);
  const fn = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  byFile.set(where, (byFile.get(where) ?? 0) + us);
}

const print = (title: string, entries: Map<string, number>, limit = top): void => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    process.stdout.write(`${(us / 1000).toFixed(0).padStart(8)} ms ${((us / totalUs) * 100).toFixed(1).padStart(5)}%  ${name}\n`);
  }
};
process.stdout.write(`${file}: ${(totalUs / 1000).toFixed(0)} ms profiled\n`);
print('self time by function', byFunction);
print('self time by file', byFile);

if (callersOf !== undefined) {
  const parent = new Map<number, ProfileNode>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  // Total time of a node = its self time plus its descendants'.
  const totalOf = (node: ProfileNode): number => (selfUs.get(node.id) ?? 0) + (node.children ?? []).reduce((sum, c) => sum + totalOf(byId.get(c)!), 0);
  const paths = new Map<string, number>();
  for (const node of profile.nodes) {
    if (!node.callFrame.functionName.includes(callersOf)) continue;
    const chain: string[] = [];
    for (let p: ProfileNode | undefined = node; p !== undefined && chain.length < 8; p = parent.get(p.id)) {
      chain.push(`${p.callFrame.functionName || '(anonymous)'}@${shortUrl(p.callFrame.url).split('/').pop()}:${p.callFrame.lineNumber + 1}`);
    }
    const key = chain.join(' <- ');
    paths.set(key, (paths.get(key) ?? 0) + totalOf(node));
  }
  print(`call paths into "${callersOf}" (total time, innermost first)`, paths, 12);
}
