/** Enterprise directories with a prepared events.json, for forwarding tests that need no collector. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VcoEvent } from '../../src/event.js';

let made = 0;

/** A fresh directory under `root` whose events.json holds `events`, one JSON line each. */
export async function enterpriseDirWith(root: string, events: VcoEvent[]): Promise<string> {
  const dir = join(root, `e${++made}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'events.json'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return dir;
}
