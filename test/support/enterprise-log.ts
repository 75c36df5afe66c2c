/** Enterprise directories with a prepared events.json, for forwarding tests that need no collector. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { VcoEvent } from '../../src/event.js';
import { loadMapping, type Mapping } from '../../src/map/index.js';

let made = 0;

/** A fresh directory under `root` whose events.json holds `events`, one JSON line each. */
export async function enterpriseDirWith(root: string, events: VcoEvent[]): Promise<string> {
  const dir = join(root, `e${++made}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'events.json'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return dir;
}

/** What a forwarding test file shares: the default mapping, and enterprise directories under a temporary root. */
export interface ForwardingFixture {
  readonly mapping: Mapping;
  enterpriseWith(events: VcoEvent[]): Promise<string>;
}

/** Registers, in the calling `describe`, the loading of the mapping and a temporary root removed afterwards. */
export function forwardingFixture(name: string): ForwardingFixture {
  let root = '';
  let mapping: Mapping | undefined;
  before(async () => {
    mapping = await loadMapping();
    root = await mkdtemp(join(tmpdir(), `vco-siem-${name}-`));
  });
  after(() => rm(root, { recursive: true, force: true }));
  return {
    get mapping(): Mapping {
      if (mapping === undefined) throw new Error('forwardingFixture: the mapping is loaded in `before`');
      return mapping;
    },
    enterpriseWith: (events) => enterpriseDirWith(root, events),
  };
}
