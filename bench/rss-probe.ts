/**
 * Preloaded into a measured child (`node --import <this> ...`): when the process exits, writes its peak
 * resident set size (VmHWM, kB) to the file named by BENCH_RSS_FILE. Reading it at exit from inside the
 * process gives the true peak, which polling from outside can miss.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const target = process.env.BENCH_RSS_FILE;
if (target) {
  process.on('exit', () => {
    let peakKb = -1;
    try {
      const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
      if (match) peakKb = Number(match[1]);
    } catch {
      // No /proc (not Linux): reported as unknown.
    }
    writeFileSync(target, String(peakKb));
  });
}
