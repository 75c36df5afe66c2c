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
  const text = o.lineSafe ? neutraliseLineBreaks : (value: string): string => value;
  const paramValue = (value: string): string => escapeSdValue(text(value));
  const around = (key: string): { before: string; after: string } => ({ before: ` ${key}="`, after: '"' });
  const nameParam = around('event');
  const fields = compileFields(o.mapping.rfc5424.structuredData, {
    format: 'rfc5424',
    maxLength: () => undefined,
    trim: false,
    separator: '',
    around,
    escape: paramValue,
  }, o.mapping);
  const msgPrefix = o.bom ? ` ${UTF8_BOM}` : ' ';

  return (view) => {
    // The full event name goes first when the MSGID had to shorten or change it.
    const fullName = view.eventName !== '' && msgIdFor(view.eventName) !== view.eventName ? `${nameParam.before}${paramValue(view.eventName)}${nameParam.after}` : '';
    const params = fullName + fields(view);
    const structuredData = params === '' ? '-' : `[${sdId}${params}]`;
    const raw = textOf(view.event.message);
    const message = raw !== undefined ? `${msgPrefix}${text(raw)}` : '';
    return `${eventRfc5424Header(o, view)} ${structuredData}${message}`;
  };
}
