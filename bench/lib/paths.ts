/** Where things are, relative to this compiled file (<out>/bench/lib/paths.js), never to the working directory. */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url));

/** The compiled CLI of the same build as this bench. */
export const CLI_PATH = here('../../src/cli/main.js');
/** Compiled bench scripts run as child processes. */
export const BENCH_SCRIPT = {
  simServer: here('../sim-server.js'),
  ceiling: here('../ceiling.js'),
  rssProbe: here('../rss-probe.js'),
} as const;

/** Generated event logs are kept here between runs (they take seconds to write). */
export const CACHE_DIR = join(tmpdir(), 'vco-siem-bench-cache');

/** A fresh scratch directory, removed by the returned function. */
export async function scratchDir(label: string): Promise<{ path: string; remove(): Promise<void> }> {
  await mkdir(tmpdir(), { recursive: true });
  const path = await mkdtemp(join(tmpdir(), `vco-siem-bench-${label}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
