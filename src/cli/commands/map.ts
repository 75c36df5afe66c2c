import { createReadStream } from 'node:fs';
import { setting } from '../../config/settings.js';
import { encoderSettings } from '../../config/siem.js';
import { parseChoice } from '../../config/parse.js';
import { ConfigError, EXIT_OK, EXIT_RUNTIME, errorMessage } from '../../errors.js';
import { reportLine } from '../../log.js';
import { FORMATS, createEncoder, loadMapping, mapStream } from '../../map/index.js';
import type { CommandContext } from '../context.js';

/**
 * `vco-siem map`: events in, each message exactly as the SIEM would receive it out (LF framing,
 * so CR/LF inside a message are escaped). Uses the SIEM_* encoder settings when they are set.
 */
export async function mapCommand(ctx: CommandContext, argv: Record<string, unknown>): Promise<number> {
  const formatValue = typeof argv.format === 'string' ? argv.format : setting(ctx.settings, 'SIEM_FORMAT') ?? 'cef';
  const format = parseChoice('--format', formatValue, FORMATS);
  const mapping = await loadMapping(setting(ctx.settings, 'MAPPING_FILE')); // --mapping is copied there
  const encoder = createEncoder({ ...encoderSettings(ctx.settings), format, mapping, lineSafe: true });
  const file = typeof argv.file === 'string' ? argv.file : undefined;
  const input = file === undefined || file === '-' ? process.stdin : createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    if (input === process.stdin) return resolve();
    input.once('open', () => resolve());
    input.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    throw new ConfigError(`cannot read ${file} (${errorMessage(error)}): give map an existing NDJSON file, or - for stdin`);
  }
  const summary = await mapStream(input, process.stdout, (line, message) => reportLine(`line ${line}: ${message} (skipped)`), encoder);
  ctx.logger.debug('map summary', { ...summary });
  return summary.malformed > 0 ? EXIT_RUNTIME : EXIT_OK;
}
