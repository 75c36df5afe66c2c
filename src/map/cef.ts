/**
 * CEF:0 (ArcSight Common Event Format), wire-formats.md section 1:
 * `[syslog prefix]CEF:0|Vendor|Product|Version|EventClassId|Name|Severity|key=value key=value...`
 */
import { compileFields } from './fields.js';
import { escapeCefHeader, escapeCefValue } from './escape.js';
import type { ResolvedOptions } from './options.js';
import { syslogPrefix } from './syslog.js';
import { truncateChars } from './text.js';
import type { EventView } from './view.js';

/** Per-key maximum length of the raw value (CEF Implementation Standard); other keys default to 1023. */
const CEF_LIMITS: Record<string, number> = {
  act: 63, outcome: 63, dvchost: 100, deviceExternalId: 255, externalId: 40, dtz: 255, proto: 31,
  cs1: 4000, cs2: 4000, cs3: 4000, cs4: 4000, cs5: 4000, cs6: 4000,
  flexString1Label: 128, flexString2Label: 128, flexDate1Label: 128,
};
const DEFAULT_LIMIT = 1023;
const NAME_MAX = 512;
const EVENT_CLASS_MAX = 1023;

export function cefMaxLength(key: string): number {
  return CEF_LIMITS[key] ?? DEFAULT_LIMIT;
}

function headerValue(value: string, max: number): string {
  return escapeCefHeader(truncateChars(value, max));
}

export function cefEncoder(o: ResolvedOptions): (view: EventView) => string {
  const fixedHeader = `CEF:0|${escapeCefHeader(o.vendor)}|${escapeCefHeader(o.product)}|${escapeCefHeader(o.productVersion)}|`;
  const fields = compileFields(o.mapping.cef.fields, { format: 'cef', maxLength: cefMaxLength, trim: true });
  const labelFirst = o.mapping.cef.labelPosition === 'before';

  return (view) => {
    let extension = '';
    fields(view, (key, value, label) => {
      const pair = `${key}=${escapeCefValue(value)}`;
      if (extension !== '') extension += ' ';
      if (label === undefined) {
        extension += pair;
      } else {
        const labelPair = `${key}Label=${escapeCefValue(truncateChars(label, cefMaxLength(`${key}Label`)))}`;
        extension += labelFirst ? `${labelPair} ${pair}` : `${pair} ${labelPair}`;
      }
    });
    const prefix = syslogPrefix(o.cefSyslogHeader, o, view);
    return `${prefix}${fixedHeader}${headerValue(view.eventName || 'UNKNOWN', EVENT_CLASS_MAX)}|${headerValue(view.displayName, NAME_MAX)}|${view.cefSeverity}|${extension}`;
  };
}
