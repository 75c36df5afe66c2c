/**
 * Preloaded into a measured child (`node --import <this> ...`): when the process exits, writes its peak
 * resident set size (VmHWM, kB) and the CPU time it used (user + system, ms) to the file named by
 * BENCH_RSS_FILE. Reading them at exit from inside the process gives the true peak, which polling from
 * outside can miss; CPU time depends far less than wall time on what else the machine is doing.
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
    const { user, system } = process.cpuUsage();
    writeFileSync(target, `${peakKb} ${Math.round((user + system) / 1000)}`);
  });
}
