/**
 * LEEF 1.0 / 2.0 (IBM QRadar), wire-formats.md section 2:
 * `[syslog prefix]LEEF:1.0|Vendor|Product|Version|EventID|k=v<TAB>k=v...`
 * `[syslog prefix]LEEF:2.0|Vendor|Product|Version|EventID|Delimiter|k=v<D>k=v...`
 * LEEF has no escaping, so CR/LF and the delimiter inside values become spaces.
 */
import { compileFields } from './fields.js';
import { leefValueSanitiser, sanitiseLeefHeader } from './escape.js';
import type { ResolvedOptions } from './options.js';
import { syslogPrefix } from './syslog.js';
import { flatString, truncateChars } from './text.js';
import type { EventView } from './view.js';

const LEEF_LIMITS: Record<string, number> = {
  usrName: 255, identNetBios: 255, identGrpName: 255, identHostName: 255, vSrcName: 255, accountName: 255,
};
const EVENT_ID_MAX = 255;

export function leefEncoder(o: ResolvedOptions): (view: EventView) => string {
  const delimiter = o.leefDelimiter;
  const sanitise = leefValueSanitiser(delimiter);
  const header = (value: string): string => sanitise(sanitiseLeefHeader(value));
  const fixedHeader = flatString(`LEEF:${o.leefVersion}|${header(o.vendor)}|${header(o.product)}|${header(o.productVersion)}|`);
  const afterEventId = o.leefVersion === '2.0' ? `|${o.leefDelimiterField}|` : '|';
  const fields = compileFields(o.mapping.leef.fields, {
    format: 'leef',
    maxLength: (key) => (Object.hasOwn(LEEF_LIMITS, key) ? LEEF_LIMITS[key] : undefined), // a key like `toString` is not a limit
    trim: false,
    separator: delimiter,
    around: (key) => ({ before: `${key}=`, after: '' }),
    escape: sanitise,
  }, o.mapping);

  const prefix = syslogPrefix(o.leefSyslogHeader, o);
  return (view) => {
    const eventId = header(truncateChars(view.eventName || 'UNKNOWN', EVENT_ID_MAX));
    return `${prefix(view)}${fixedHeader}${eventId}${afterEventId}${fields(view)}`;
  };
}
