/**
 * CEF:0 (ArcSight Common Event Format), wire-formats.md section 1:
 * `[syslog prefix]CEF:0|Vendor|Product|Version|EventClassId|Name|Severity|key=value key=value...`
 */
import { compileFields } from './fields.js';
import { escapeCefHeader, escapeCefValue } from './escape.js';
import type { ResolvedOptions } from './options.js';
import { syslogPrefix } from './syslog.js';
import { flatString, truncateChars } from './text.js';
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
const HEADER_CACHE_MAX = 4096;

function cefMaxLength(key: string): number {
  return Object.hasOwn(CEF_LIMITS, key) ? CEF_LIMITS[key]! : DEFAULT_LIMIT; // a key like `toString` is not a limit
}

function headerValue(value: string, max: number): string {
  return escapeCefHeader(truncateChars(value, max));
}

export function cefEncoder(o: ResolvedOptions): (view: EventView) => string {
  const fixedHeader = `CEF:0|${escapeCefHeader(o.vendor)}|${escapeCefHeader(o.product)}|${escapeCefHeader(o.productVersion)}|`;
  const labelFirst = o.mapping.cef.labelPosition === 'before';
  const fields = compileFields(o.mapping.cef.fields, {
    format: 'cef',
    maxLength: cefMaxLength,
    trim: true,
    separator: ' ',
    around: (key, label) => {
      if (label === undefined) return { before: `${key}=`, after: '' };
      const labelKey = `${key}Label`;
      const labelPair = `${labelKey}=${escapeCefValue(truncateChars(label, cefMaxLength(labelKey)))}`;
      return labelFirst ? { before: `${labelPair} ${key}=`, after: '' } : { before: `${key}=`, after: ` ${labelPair}` };
    },
    escape: escapeCefValue,
  }, o.mapping);

  // `Vendor|Product|Version|EventClassId|Name|` depends only on the event name: built once per name. A log has
  // a few hundred names; a flood of made-up ones empties the cache instead of growing it.
  const headers = new Map<string, string>();
  const headerFor = (view: EventView): string => {
    let header = headers.get(view.eventName);
    if (header === undefined) {
      if (headers.size >= HEADER_CACHE_MAX) headers.clear();
      header = flatString(`${fixedHeader}${headerValue(view.eventName || 'UNKNOWN', EVENT_CLASS_MAX)}|${headerValue(view.displayName, NAME_MAX)}|`);
      headers.set(view.eventName, header);
    }
    return header;
  };

  const prefix = syslogPrefix(o.cefSyslogHeader, o);
  return (view) => `${prefix(view)}${headerFor(view)}${view.cefSeverity}|${fields(view)}`;
}
