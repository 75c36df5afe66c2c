/**
 * A one-line progress display for long backfills, shown only on a terminal (stderr is a TTY) and
 * redrawn at most a few times a second: events and pages fetched, rate, enterprises done.
 */
import type { CollectProgress } from '../collect/collector.js';

export interface ProgressLine {
  onProgress(progress: CollectProgress): void;
  enterpriseDone(): void;
  finish(): void;
}

export function createProgressLine(enterprises: number, stream: NodeJS.WriteStream = process.stderr): ProgressLine | undefined {
  if (!stream.isTTY) return undefined;
  const started = Date.now();
  const perEnterprise = new Map<string, CollectProgress>();
  let done = 0;
  let lastDraw = 0;
  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - lastDraw < 250) return;
    lastDraw = now;
    let events = 0;
    let pages = 0;
    for (const p of perEnterprise.values()) {
      events += p.fetched;
      pages += p.pages;
    }
    const rate = Math.round(events / Math.max(0.001, (now - started) / 1000));
    stream.write(`\r\x1b[Kcollecting: ${events} events, ${pages} pages, ${rate} events/s, ${done}/${enterprises} enterprises done`);
  };
  return {
    onProgress: (progress) => {
      perEnterprise.set(progress.enterprise, progress);
      draw(false);
    },
    enterpriseDone: () => {
      done++;
      draw(true);
    },
    finish: () => stream.write('\r\x1b[K'),
  };
}
