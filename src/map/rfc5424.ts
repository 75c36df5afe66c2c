/**
 * RFC 5424 syslog, wire-formats.md section 3:
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME - MSGID [vco@PEN k="v" ...] [BOM]MSG`
 * MSGID is the event name cut to 32 printable ASCII characters; when that changed it, the full name
 * goes first in the structured data as event="...". MSG is the event message (absent when empty).
 */
import { compileFields } from './fields.js';
import { escapeSdValue, neutraliseLineBreaks } from './escape.js';
import type { ResolvedOptions } from './options.js';
import { eventRfc5424Header, msgIdFor } from './syslog.js';
import { textOf, type EventView } from './view.js';

export const UTF8_BOM = '\ufeff';

export function rfc5424Encoder(o: ResolvedOptions): (view: EventView) => string {
  const sdId = `vco@${o.pen}`;
  const fields = compileFields(o.mapping.rfc5424.structuredData, { format: 'rfc5424', maxLength: () => undefined, trim: false }, o.mapping);
  const text = o.lineSafe ? neutraliseLineBreaks : (value: string): string => value;
  const param = (key: string, value: string): string => ` ${key}="${escapeSdValue(text(value))}"`;
  const msgPrefix = o.bom ? ` ${UTF8_BOM}` : ' ';

  return (view) => {
    let params = '';
    if (view.eventName !== '' && msgIdFor(view.eventName) !== view.eventName) params += param('event', view.eventName);
    fields(view, (key, value) => {
      params += param(key, value);
    });
    const structuredData = params === '' ? '-' : `[${sdId}${params}]`;
    const raw = textOf(view.event.message);
    const message = raw !== undefined ? `${msgPrefix}${text(raw)}` : '';
    return `${eventRfc5424Header(o, view)} ${structuredData}${message}`;
  };
}
