/**
 * Event times on the hot path: every encoder reads `eventTime` (header, CEF rt, LEEF devTime) and often
 * `created`. One memoised parser per event key, shared by all of them, parses each distinct text once
 * while consecutive events share it, and the form VCO actually sends skips the general parser.
 */
import { vcoTimeParser } from '../event.js';
import { memoLast } from '../memo.js';

const parsers = new Map<string, (value: unknown) => number | undefined>();

/** The shared parser for the values of one event key (`eventTime`, `created`, ...). */
export function timeParser(key: string): (value: unknown) => number | undefined {
  let parser = parsers.get(key);
  if (parser === undefined) parsers.set(key, (parser = memoLast(vcoTimeParser())));
  return parser;
}

/** A parser of its own, for values that are not one event key's (computed sources). */
export function privateTimeParser(): (value: unknown) => number | undefined {
  return memoLast(vcoTimeParser());
}
