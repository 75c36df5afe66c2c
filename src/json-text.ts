/**
 * Reading JSON text without parsing it into values: where a string or value ends, and an object's members as
 * written. Used on text that JSON.parse accepts (or will judge), so only nesting, strings and delimiters are
 * followed. Loops, not recursion: nesting depth costs no stack.
 */
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_OBJECT = 0x7b;
export const CLOSE_OBJECT = 0x7d;
export const OPEN_ARRAY = 0x5b;
export const CLOSE_ARRAY = 0x5d;

/** Whether `c` is JSON whitespace. */
export function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** End of the string whose opening quote is at `p`, or -1. */
export function skipString(text: string, p: number): number {
  // From quote to quote (a native search), until one is not escaped: an even run of backslashes before it.
  for (let from = p + 1; ; ) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let before = quote - 1;
    while (before > p && text.charCodeAt(before) === BACKSLASH) before--;
    if ((quote - 1 - before) % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** End of the JSON value at `p`, or -1. */
export function skipValue(text: string, p: number): number {
  const c = text.charCodeAt(p);
  if (c === QUOTE) return skipString(text, p);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    for (let i = p; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === QUOTE) {
        i = skipString(text, i) - 1;
        if (i < 0) return -1;
      } else if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return i + 1;
    }
    return -1;
  }
  // A number or literal runs until a delimiter.
  let i = p;
  for (let d = text.charCodeAt(i); i < text.length && d !== COMMA && d !== CLOSE_OBJECT && d !== CLOSE_ARRAY && !isJsonSpace(d); d = text.charCodeAt(++i));
  return i > p ? i : -1;
}

function skipSpace(text: string, p: number): number {
  while (p < text.length && isJsonSpace(text.charCodeAt(p))) p++;
  return p;
}

/**
 * The JSON object `text` (one JSON.parse accepted) without its members named in `keys`, every occurrence of
 * a repeated one included: the other members exactly as written (number forms, escapes, repeats, order),
 * joined by commas; undefined when none is left.
 */
export function objectWithout(text: string, keys: readonly string[]): string | undefined {
  let kept = '';
  // From the first member (past '{') to the next one (past its ',').
  for (let p = skipSpace(text, skipSpace(text, 0) + 1); text.charCodeAt(p) === QUOTE; p = skipSpace(text, p)) {
    const keyEnd = skipString(text, p);
    const end = keyEnd < 0 ? -1 : skipValue(text, skipSpace(text, skipSpace(text, keyEnd) + 1)); // past the ':'
    if (end < 0) return text; // not an object JSON.parse accepted: leave it whole
    const written = text.slice(p + 1, keyEnd - 1);
    const key = written.includes('\\') ? (JSON.parse(text.slice(p, keyEnd)) as string) : written;
    if (!keys.includes(key)) kept += `${kept === '' ? '' : ','}${text.slice(p, end)}`;
    p = skipSpace(text, end);
    if (text.charCodeAt(p) === COMMA) p++;
  }
  return kept === '' ? undefined : `{${kept}}`;
}
