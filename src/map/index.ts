/**
 * Mapping of VCO events to SIEM wire formats. `createEncoder` validates the options once and returns a
 * closure that turns one event into one message (a string without framing). It never throws per event:
 * a malformed event is still encoded with whatever it has.
 *
 * Time fallback (documented): the header time is `eventTime`, else `created`; when neither parses,
 * RFC 5424 / JSON send NILVALUE `-`, RFC 3164 headers (also in front of CEF/LEEF) send the current time,
 * and the CEF `rt` / LEEF `devTime` fields are left out.
 */
import type { VcoEvent } from '../event.js';
import { cefEncoder } from './cef.js';
import { jsonEncoder } from './json.js';
import { leefEncoder } from './leef.js';
import { resolveOptions, type EncoderOptions, type Format, type ResolvedOptions } from './options.js';
import { rfc3164Encoder } from './rfc3164.js';
import { rfc5424Encoder } from './rfc5424.js';
import { EventView, type EncodeContext } from './view.js';

export { FORMATS, type EncoderOptions, type Format, type SyslogHeaderStyle } from './options.js';
export { loadMapping, DEFAULT_MAPPING_FILE, type Mapping } from './mapping.js';
export { mapStream, type MapStreamSummary } from './preview.js';
export type { EncodeContext } from './view.js';

export type Encoder = (event: VcoEvent, context?: EncodeContext) => string;

const FACTORIES: Record<Format, (o: ResolvedOptions) => (view: EventView) => string> = {
  cef: cefEncoder,
  leef: leefEncoder,
  rfc5424: rfc5424Encoder,
  rfc3164: rfc3164Encoder,
  json: jsonEncoder,
};

/** Throws ConfigError for bad options (at startup); the returned encoder never throws for an event. */
export function createEncoder(opts: EncoderOptions): Encoder {
  const resolved = resolveOptions(opts);
  const encode = FACTORIES[resolved.format](resolved);
  return (event, context) => encode(new EventView(event, resolved.mapping, context));
}
