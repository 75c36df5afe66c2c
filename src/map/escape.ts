/**
 * Escaping rules of each wire format (wire-formats.md sections 1.2, 2.3, 3.2). Each function is a single
 * pass with a regular expression compiled once at module load, behind a fast path: most values hold no
 * special character, and a non-global `test` (native code, no callback, no new string) proves that about
 * twice as fast as a `replace` that finds nothing, and faster than a charCodeAt loop in JavaScript.
 */

/** `replace(global, replacer)`, skipped when `probe` (the same class, not global) finds nothing. */
function replacer(characters: string, replace: (value: string, pattern: RegExp) => string): (value: string) => string {
  const probe = new RegExp(characters);
  const pattern = new RegExp(characters, 'g');
  return (value) => (probe.test(value) ? replace(value, pattern) : value);
}

const CEF_HEADER_MAP: Record<string, string> = { '\\': '\\\\', '|': '\\|', '\r': ' ', '\n': ' ' };

/** CEF header field: `\` -> `\\`, `|` -> `\|`, CR and LF -> space. Nothing else. */
export const escapeCefHeader = replacer('[\\\\|\\r\\n]', (value, pattern) => value.replace(pattern, (ch) => CEF_HEADER_MAP[ch]!));

const CEF_VALUE_MAP: Record<string, string> = { '\\': '\\\\', '=': '\\=', '\r': '\\r', '\n': '\\n' };

/** CEF extension value: `\` -> `\\`, `=` -> `\=`, CR -> `\r`, LF -> `\n` (each as itself). Nothing else. */
export const escapeCefValue = replacer('[\\\\=\\r\\n]', (value, pattern) => value.replace(pattern, (ch) => CEF_VALUE_MAP[ch]!));

/** RFC 5424 PARAM-VALUE: exactly `"`, `\` and `]` get a backslash. */
export const escapeSdValue = replacer('["\\\\\\]]', (value, pattern) => value.replace(pattern, '\\$&'));

/** For LF framing: CR and LF become the two characters `\r` and `\n`, readable and never a frame break. */
export const neutraliseLineBreaks = replacer('\\r|\\n', (value, pattern) => value.replace(pattern, (ch) => (ch === '\r' ? '\\r' : '\\n')));

/**
 * LEEF has no escaping: CRLF, CR and LF each become one space, and so does the attribute delimiter.
 * Returns a function bound to one delimiter (its regular expression is built once).
 */
export function leefValueSanitiser(delimiter: string): (value: string) => string {
  return replacer(`\\r\\n|[\\r\\n${delimiter.replace(/[\\\]^-]/g, '\\$&')}]`, (value, pattern) => value.replace(pattern, ' '));
}

/** LEEF header field: no pipe, CR or LF (each becomes a space). */
export const sanitiseLeefHeader = replacer('[|\\r\\n]', (value, pattern) => value.replace(pattern, ' '));
