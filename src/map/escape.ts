/**
 * Escaping rules of each wire format (wire-formats.md sections 1.2, 2.3, 3.2). Each function is a single
 * pass with a regular expression compiled once at module load.
 */

const CEF_HEADER = /[\\|\r\n]/g;
const CEF_HEADER_MAP: Record<string, string> = { '\\': '\\\\', '|': '\\|', '\r': ' ', '\n': ' ' };

/** CEF header field: `\` -> `\\`, `|` -> `\|`, CR and LF -> space. Nothing else. */
export function escapeCefHeader(value: string): string {
  return value.replace(CEF_HEADER, (ch) => CEF_HEADER_MAP[ch]!);
}

const CEF_VALUE = /[\\=\r\n]/g;
const CEF_VALUE_MAP: Record<string, string> = { '\\': '\\\\', '=': '\\=', '\r': '\\r', '\n': '\\n' };

/** CEF extension value: `\` -> `\\`, `=` -> `\=`, CR -> `\r`, LF -> `\n` (each as itself). Nothing else. */
export function escapeCefValue(value: string): string {
  return value.replace(CEF_VALUE, (ch) => CEF_VALUE_MAP[ch]!);
}

const SD_VALUE = /["\\\]]/g;

/** RFC 5424 PARAM-VALUE: exactly `"`, `\` and `]` get a backslash. */
export function escapeSdValue(value: string): string {
  return value.replace(SD_VALUE, '\\$&');
}

const LINE_BREAK = /\r|\n/g;

/** For LF framing: CR and LF become the two characters `\r` and `\n`, readable and never a frame break. */
export function neutraliseLineBreaks(value: string): string {
  return value.replace(LINE_BREAK, (ch) => (ch === '\r' ? '\\r' : '\\n'));
}

/**
 * LEEF has no escaping: CRLF, CR and LF each become one space, and so does the attribute delimiter.
 * Returns a function bound to one delimiter (its regular expression is built once).
 */
export function leefValueSanitiser(delimiter: string): (value: string) => string {
  const pattern = new RegExp(`\\r\\n|[\\r\\n${delimiter.replace(/[\\\]^-]/g, '\\$&')}]`, 'g');
  return (value) => value.replace(pattern, ' ');
}

const LEEF_HEADER = /[|\r\n]/g;

/** LEEF header field: no pipe, CR or LF (each becomes a space). */
export function sanitiseLeefHeader(value: string): string {
  return value.replace(LEEF_HEADER, ' ');
}
