/**
 * Benchmark 2: peak RSS of the agent forwarding and collecting a small and a large backlog. Flat memory means
 * the large point is close to the small one; the target is the large point under 150 MB. Measured as the
 * documented ways to run it start the agent (the Docker image, the crontab, the systemd example: node with
 * SHIPPED_NODE_ARGS), and, for information, as bare `node dist/src/cli/main.js` (or `npx vco-siem`) starts it.
 */
import { measureBacklog } from './collect.js';
import { measureForward } from './forward.js';
import type { Sizes } from './lib/sizes.js';
import { formatCount, formatMB, type Row } from './lib/table.js';
import { SHIPPED_NODE_ARGS } from './lib/child.js';

const LIMIT_BYTES = 150 * 1048576;

type Point = { events: number; peakRssBytes: number | undefined };

function rows(what: string, small: Point, large: Point, judged: boolean): Row[] {
  const ok = large.peakRssBytes !== undefined && large.peakRssBytes < LIMIT_BYTES;
  const growth = small.peakRssBytes && large.peakRssBytes ? ` (x${(large.peakRssBytes / small.peakRssBytes).toFixed(2)} of ${formatCount(small.events)})` : '';
  return [
    { benchmark: `memory: ${what} ${formatCount(small.events)} peak RSS`, result: formatMB(small.peakRssBytes), target: '' },
    {
      benchmark: `memory: ${what} ${formatCount(large.events)} peak RSS`,
      result: `${formatMB(large.peakRssBytes)}${growth}`,
      ...(judged ? { target: '< 150 MB, flat', pass: ok } : { target: '' }),
    },
  ];
}

export async function memoryBench(sizes: Sizes): Promise<Row[]> {
  const out: Row[] = [];
  for (const nodeArgs of [SHIPPED_NODE_ARGS, []]) {
    const shipped = nodeArgs.length > 0;
    const how = shipped ? ` (as shipped: node ${nodeArgs.join(' ')})` : ' (bare node, no flags)';
    out.push(...rows(`forward${how}`, await measureForward(sizes.smallEvents, 'auto', nodeArgs), await measureForward(sizes.forwardEvents, 'auto', nodeArgs), shipped));
    out.push(...rows(`collect${how}`, await measureBacklog(sizes.smallEvents, nodeArgs), await measureBacklog(sizes.collectBacklog, nodeArgs), shipped));
  }
  return out;
}
