/**
 * RFC 3164 (BSD) syslog, wire-formats.md section 4: `<PRI>Mmm dd HH:mm:ss HOST TAG[id]: MSG`, UTC time,
 * space-padded day, PID = numeric event id (omitted otherwise), whole message cut to 1024 bytes at a
 * UTF-8 boundary. MSG is the event message, or the event's readable name when it has none.
 */
import { neutraliseLineBreaks } from './escape.js';
import type { ResolvedOptions } from './options.js';
import { syslogPrefix } from './syslog.js';
import { truncateUtf8 } from './text.js';
import { textOf, type EventView } from './view.js';

const RFC3164_MAX_BYTES = 1024;

export function rfc3164Encoder(o: ResolvedOptions): (view: EventView) => string {
  const text = o.lineSafe ? neutraliseLineBreaks : (value: string): string => value;
  const prefix = syslogPrefix('rfc3164', o);
  return (view) => {
    const id = view.event.id;
    const pid = typeof id === 'number' && Number.isInteger(id) ? `[${id}]` : '';
    const message = textOf(view.event.message) ?? view.displayName;
    return truncateUtf8(`${prefix(view)}${o.tag}${pid}: ${text(message)}`, RFC3164_MAX_BYTES);
  };
}
