/**
 * JSON over syslog for Splunk's JSON extraction: an RFC 5424 message whose MSG is the canonical event
 * (the object exactly as stored, plus enterpriseName from the context when the event lacks it).
 * JSON.stringify escapes every control character, so the message never holds a raw CR or LF.
 */
import type { ResolvedOptions } from './options.js';
import { UTF8_BOM } from './rfc5424.js';
import { eventRfc5424Header } from './syslog.js';
import type { EventView } from './view.js';

export function jsonEncoder(o: ResolvedOptions): (view: EventView) => string {
  const msgPrefix = o.bom ? ` - ${UTF8_BOM}` : ' - ';
  return (view) => {
    const enterpriseName = view.context?.enterpriseName;
    const body = enterpriseName !== undefined && view.event.enterpriseName === undefined ? { ...view.event, enterpriseName } : view.event;
    return `${eventRfc5424Header(o, view)}${msgPrefix}${JSON.stringify(body)}`;
  };
}
