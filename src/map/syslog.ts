/** Syslog header pieces shared by the RFC 5424, RFC 3164, JSON, CEF and LEEF encoders. */
import type { ResolvedOptions, SyslogHeaderStyle } from './options.js';
import { memoLast } from '../memo.js';
import { headerField } from './text.js';
import type { EventView } from './view.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Largest instant with a four-digit year; later ones have no RFC 3339 form. */
const MAX_TIME_MS = 253402300799999;

/** `<PRI>` = facility * 8 + severity. */
function syslogPri(facility: number, severity: number): string {
  return `<${facility * 8 + severity}>`;
}

function isSyslogTime(ms: number | undefined): ms is number {
  return ms !== undefined && ms >= 0 && ms <= MAX_TIME_MS;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** RFC 3164 `Mmm dd HH:mm:ss` in UTC, day space-padded (`May  1`). */
export const rfc3164Timestamp = memoLast((ms: number): string => {
  const d = new Date(ms);
  const day = d.getUTCDate();
  return `${MONTHS[d.getUTCMonth()]} ${day < 10 ? ` ${day}` : day} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
});

/** RFC 5424 TIMESTAMP in UTC with milliseconds, or NILVALUE when the time is unknown. */
export const rfc5424Timestamp = memoLast((ms: number | undefined): string => (isSyslogTime(ms) ? new Date(ms).toISOString() : '-'));

interface Rfc5424HeaderParts {
  pri: string;
  timestamp: string;
  /** Already a valid header field (see `headerField`). */
  hostname: string;
  appName: string;
  msgId: string;
}

/** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID` (PROCID is always NIL: events have no process). */
function rfc5424Header(p: Rfc5424HeaderParts): string {
  return `${p.pri}1 ${p.timestamp} ${p.hostname} ${p.appName} - ${p.msgId}`;
}

const MSGID_MAX = 32;

/** MSGID from the event name: printable ASCII, at most 32 characters, NIL when absent. */
export const msgIdFor = memoLast((eventName: string): string => headerField(eventName, MSGID_MAX)); // asked twice per event

/** The RFC 5424 header of an event: PRI from the facility and mapped severity, MSGID from the event name. */
export function eventRfc5424Header(o: ResolvedOptions, view: EventView): string {
  return rfc5424Header({
    pri: syslogPri(o.facility, view.syslogSeverity), timestamp: rfc5424Timestamp(view.timeMs),
    hostname: o.hostname, appName: o.appName, msgId: msgIdFor(view.eventName),
  });
}

/**
 * Syslog header carried in front of a CEF or LEEF payload: RFC 3164 style `<PRI>Mmm dd HH:mm:ss host `
 * (what ArcSight and QRadar expect), an RFC 5424 header with NIL structured data, or nothing.
 * RFC 3164 cannot say "time unknown": an event without a usable time gets the current time there.
 */
export function syslogPrefix(style: SyslogHeaderStyle, o: ResolvedOptions, view: EventView): string {
  if (style === 'none') return '';
  if (style === 'rfc5424') return `${eventRfc5424Header(o, view)} - `;
  const timeMs = view.timeMs;
  return `${syslogPri(o.facility, view.syslogSeverity)}${rfc3164Timestamp(isSyslogTime(timeMs) ? timeMs : o.now())} ${o.hostname} `;
}
