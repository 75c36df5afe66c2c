/**
 * The mapping tables (mappings/default.json merged with an optional user file), validated once at
 * startup into a typed, frozen structure the encoders trust. See the "_about" notes in default.json.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ConfigError, errorMessage } from '../errors.js';

export type DetailType = 'string' | 'ipv4' | 'mac';
export type FieldFormat = 'cef' | 'leef' | 'rfc5424';

export interface SeverityLevels { syslog: number; cef: number; leef: number }

export interface EventEntry {
  name?: string;
  defaultCategory?: string;
  defaultSeverity?: string;
  severity?: string;
  syslogSeverity?: number;
  cefSeverity?: number;
  leefSeverity?: number;
  cefCategory?: string;
  leefCategory?: string;
}

export interface CategoryEntry { cef?: string; leef?: string }

export interface DetailLift {
  cef?: string;
  cefLabel?: string;
  leef?: string;
  rfc5424?: string;
  type: DetailType;
}

export interface FieldSpec {
  /** Output key; absent only for the `detailFields` placeholder. */
  key?: string;
  label?: string;
  from: string;
  as?: 'epochMs';
  ifTooLong: 'truncate' | 'omit';
}

export interface Mapping {
  /** Files merged, in order (default first); for messages. */
  readonly files: readonly string[];
  readonly severities: ReadonlyMap<string, SeverityLevels>;
  readonly defaultSeverity: string;
  readonly categories: ReadonlyMap<string, CategoryEntry>;
  readonly events: ReadonlyMap<string, EventEntry>;
  readonly detail: ReadonlyMap<string, DetailLift>;
  readonly cef: { labelPosition: 'before' | 'after'; fields: readonly FieldSpec[] };
  readonly leef: { fields: readonly FieldSpec[] };
  readonly rfc5424: { structuredData: readonly FieldSpec[] };
}

/** mappings/default.json; this module sits three levels below the repo root (src/map, dist/src/map, dist-map/src/map). */
export const DEFAULT_MAPPING_FILE = fileURLToPath(new URL('../../../mappings/default.json', import.meta.url));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Reads the default mapping, merges `userFile` over it (RFC 7386 merge patch) and validates the result. */
export async function loadMapping(userFile?: string): Promise<Mapping> {
  const base = await readJson(DEFAULT_MAPPING_FILE);
  const defaults = validateMapping(base, DEFAULT_MAPPING_FILE, [DEFAULT_MAPPING_FILE]);
  if (userFile === undefined) return defaults;
  const user = await readJson(userFile);
  if (!isObject(user)) throw configError(userFile, '', 'must be a JSON object');
  // The default is valid on its own, so whatever fails now was brought in by the user file.
  return validateMapping(mergePatch(base, user), userFile, [DEFAULT_MAPPING_FILE, userFile]);
}

async function readJson(file: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`mapping file ${file}: cannot read it: ${errorMessage(error)}`, { file });
  }
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new ConfigError(`mapping file ${file}: not valid JSON: ${errorMessage(error)}`, { file });
  }
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 7386: objects merge key by key, null deletes, anything else (arrays included) replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  // Null-prototype objects: a key named "__proto__" stays an ordinary key.
  const result: JsonObject = Object.create(null) as JsonObject;
  if (isObject(target)) for (const key of Object.keys(target)) result[key] = target[key]!;
  for (const key of Object.keys(patch)) {
    const value = patch[key]!;
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key] ?? null, value);
  }
  return result;
}

function configError(file: string, path: string, what: string): ConfigError {
  return new ConfigError(`mapping file ${file}: ${path === '' ? 'top level' : path}: ${what}`, { file, path });
}

/** Keys beginning with `_` are comments. */
function settings(obj: JsonObject): [string, Json][] {
  return Object.keys(obj).filter((k) => !k.startsWith('_')).map((k) => [k, obj[k]!]);
}

const CEF_KEY = /^[A-Za-z][A-Za-z0-9]*$/;
/** Custom CEF keys whose meaning lives in a companion `<key>Label`. */
const CEF_LABELLED = /^(cs[1-6]|cn[1-3]|cfp[1-4]|c6a[1-4]|flexString[12]|flexNumber[12]|flexDate1|deviceCustomDate[12])$/;
/** Set by ArcSight itself (wire-formats.md 1.3); a sender must never emit them. */
const CEF_CONSUMER_KEYS = new Set(['rawEvent', 'eventId', 'art', 'ahost', 'agt', 'aid', 'amac', 'at', 'atz', 'av', 'agentZoneURI']);
const LEEF_KEY = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const LEEF_RESERVED = new Set(['identMAC', 'isLoginEvent', 'isLogoutEvent', 'identSecondlp', 'calLanguage', 'calCountryOrRegion']);
const SD_NAME = /^[\x21-\x7e]{1,32}$/;
const SD_NAME_FORBIDDEN = /[= \]"]/;

/** Returns why `key` cannot be an output key of `format`, or undefined when it can. */
function keyProblem(format: FieldFormat, key: string): string | undefined {
  if (format === 'cef') {
    if (!CEF_KEY.test(key)) return 'a CEF key is one alphanumeric word starting with a letter';
    if (CEF_CONSUMER_KEYS.has(key)) return `${key} is set by ArcSight itself and must not be sent`;
  } else if (format === 'leef') {
    if (!LEEF_KEY.test(key)) return 'a LEEF key is letters, digits, "_", "." or "-", starting with a letter';
    if (LEEF_RESERVED.has(key)) return `${key} is reserved by QRadar`;
  } else if (!SD_NAME.test(key) || SD_NAME_FORBIDDEN.test(key)) {
    return 'an SD-PARAM name is 1-32 printable ASCII characters without =, space, ] or "';
  }
  return undefined;
}

class Validator {
  constructor(readonly file: string) {}

  fail(path: string, what: string): never {
    throw configError(this.file, path, what);
  }

  object(value: Json | undefined, path: string): JsonObject {
    if (!isObject(value)) this.fail(path, `must be an object, found ${describe(value)}`);
    return value;
  }

  onlyKeys(obj: JsonObject, path: string, allowed: readonly string[]): void {
    for (const [key] of settings(obj)) {
      if (!allowed.includes(key)) this.fail(join(path, key), `unknown setting (allowed: ${allowed.join(', ')})`);
    }
  }

  string(value: Json | undefined, path: string, pattern?: { test(s: string): boolean; what: string }): string {
    if (typeof value !== 'string' || value === '') this.fail(path, `must be a non-empty string, found ${describe(value)}`);
    if (pattern && !pattern.test(value)) this.fail(path, `${JSON.stringify(value)} is not ${pattern.what}`);
    return value;
  }

  int(value: Json | undefined, path: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(path, `must be an integer from ${min} to ${max}, found ${describe(value)}`);
    }
    return value;
  }

  oneOf<T extends string>(value: Json | undefined, path: string, choices: readonly T[]): T {
    if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
      this.fail(path, `must be one of ${choices.join(', ')}, found ${describe(value)}`);
    }
    return value as T;
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function describe(value: Json | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

const TOP_LEVEL = ['severities', 'defaults', 'categories', 'events', 'detail', 'cef', 'leef', 'rfc5424'] as const;
const EVENT_KEYS = ['name', 'defaultCategory', 'defaultSeverity', 'severity', 'syslogSeverity', 'cefSeverity', 'leefSeverity', 'cefCategory', 'leefCategory'] as const;
const FIELD_KEYS = ['key', 'label', 'from', 'as', 'ifTooLong'] as const;

/** Validates a merged mapping document; every error names `file`, the JSON path and the problem. */
export function validateMapping(doc: Json, file: string, files: readonly string[]): Mapping {
  const v: Validator = new Validator(file);
  const root = v.object(doc, '');
  v.onlyKeys(root, '', TOP_LEVEL);

  const severities = new Map<string, SeverityLevels>();
  for (const [name, value] of settings(v.object(root.severities, 'severities'))) {
    const path = `severities.${name}`;
    const row = v.object(value, path);
    v.onlyKeys(row, path, ['syslog', 'cef', 'leef']);
    severities.set(name, {
      syslog: v.int(row.syslog, `${path}.syslog`, 0, 7),
      cef: v.int(row.cef, `${path}.cef`, 0, 10),
      leef: v.int(row.leef, `${path}.leef`, 1, 10),
    });
  }
  const severityName = (value: Json | undefined, path: string): string => {
    const name = v.string(value, path);
    if (!severities.has(name)) v.fail(path, `unknown severity ${JSON.stringify(name)} (known: ${[...severities.keys()].join(', ')})`);
    return name;
  };

  const defaults = v.object(root.defaults, 'defaults');
  v.onlyKeys(defaults, 'defaults', ['severity']);
  const defaultSeverity = severityName(defaults.severity, 'defaults.severity');

  const categories = new Map<string, CategoryEntry>();
  for (const [name, value] of settings(v.object(root.categories, 'categories'))) {
    const path = `categories.${name}`;
    const row = v.object(value, path);
    v.onlyKeys(row, path, ['cef', 'leef']);
    const entry: CategoryEntry = {};
    if (row.cef !== undefined) entry.cef = v.string(row.cef, `${path}.cef`);
    if (row.leef !== undefined) entry.leef = v.string(row.leef, `${path}.leef`);
    categories.set(name, entry);
  }

  const events = new Map<string, EventEntry>();
  for (const [name, value] of settings(v.object(root.events, 'events'))) {
    const path = `events.${name}`;
    const row = v.object(value, path);
    v.onlyKeys(row, path, EVENT_KEYS);
    const entry: EventEntry = {};
    if (row.name !== undefined) entry.name = v.string(row.name, `${path}.name`);
    if (row.defaultCategory !== undefined) entry.defaultCategory = v.string(row.defaultCategory, `${path}.defaultCategory`);
    if (row.defaultSeverity !== undefined) entry.defaultSeverity = severityName(row.defaultSeverity, `${path}.defaultSeverity`);
    if (row.severity !== undefined) entry.severity = severityName(row.severity, `${path}.severity`);
    if (row.syslogSeverity !== undefined) entry.syslogSeverity = v.int(row.syslogSeverity, `${path}.syslogSeverity`, 0, 7);
    if (row.cefSeverity !== undefined) entry.cefSeverity = v.int(row.cefSeverity, `${path}.cefSeverity`, 0, 10);
    if (row.leefSeverity !== undefined) entry.leefSeverity = v.int(row.leefSeverity, `${path}.leefSeverity`, 1, 10);
    if (row.cefCategory !== undefined) entry.cefCategory = v.string(row.cefCategory, `${path}.cefCategory`);
    if (row.leefCategory !== undefined) entry.leefCategory = v.string(row.leefCategory, `${path}.leefCategory`);
    events.set(name, entry);
  }

  const outputKey = (format: FieldFormat, value: Json | undefined, path: string): string => {
    const key = v.string(value, path);
    const problem = keyProblem(format, key);
    if (problem !== undefined) v.fail(path, problem);
    return key;
  };

  const detail = new Map<string, DetailLift>();
  for (const [name, value] of settings(v.object(root.detail, 'detail'))) {
    const path = `detail.${name}`;
    const row = v.object(value, path);
    v.onlyKeys(row, path, ['cef', 'cefLabel', 'leef', 'rfc5424', 'type']);
    const lift: DetailLift = { type: row.type === undefined ? 'string' : v.oneOf(row.type, `${path}.type`, ['string', 'ipv4', 'mac'] as const) };
    if (row.cef !== undefined) {
      lift.cef = outputKey('cef', row.cef, `${path}.cef`);
      if (CEF_LABELLED.test(lift.cef)) lift.cefLabel = v.string(row.cefLabel, `${path}.cefLabel`);
      else if (row.cefLabel !== undefined) v.fail(`${path}.cefLabel`, `${lift.cef} takes no label`);
    } else if (row.cefLabel !== undefined) v.fail(`${path}.cefLabel`, 'a label needs a cef key');
    if (row.leef !== undefined) lift.leef = outputKey('leef', row.leef, `${path}.leef`);
    if (row.rfc5424 !== undefined) lift.rfc5424 = outputKey('rfc5424', row.rfc5424, `${path}.rfc5424`);
    detail.set(name, lift);
  }

  const fieldList = (format: FieldFormat, value: Json | undefined, path: string): FieldSpec[] => {
    if (!Array.isArray(value)) v.fail(path, `must be an array of fields, found ${describe(value)}`);
    const seen = new Set<string>();
    const labels = new Set<string>();
    let placeholderAt = -1;
    return value.map((item, i) => {
      const itemPath = `${path}[${i}]`;
      const row = v.object(item, itemPath);
      v.onlyKeys(row, itemPath, FIELD_KEYS);
      const from = v.string(row.from, `${itemPath}.from`);
      const spec: FieldSpec = { from, ifTooLong: row.ifTooLong === undefined ? 'truncate' : v.oneOf(row.ifTooLong, `${itemPath}.ifTooLong`, ['truncate', 'omit'] as const) };
      if (from === 'detailFields') {
        if (row.key !== undefined || row.label !== undefined || row.as !== undefined) v.fail(itemPath, 'the detailFields placeholder takes only "from"');
        if (placeholderAt >= 0) v.fail(itemPath, 'detailFields appears twice');
        placeholderAt = i;
        return spec;
      }
      if (from === 'detailRest' && placeholderAt < 0 && value.some((f) => isObject(f) && f.from === 'detailFields')) {
        v.fail(itemPath, 'detailRest must come after detailFields (the rest is what was not lifted)');
      }
      const key = outputKey(format, row.key, `${itemPath}.key`);
      if (seen.has(key)) v.fail(`${itemPath}.key`, `${key} appears twice`);
      seen.add(key);
      spec.key = key;
      if (row.as !== undefined) spec.as = v.oneOf(row.as, `${itemPath}.as`, ['epochMs'] as const);
      if (format === 'cef' && CEF_LABELLED.test(key)) {
        spec.label = v.string(row.label, `${itemPath}.label`);
        if (labels.has(spec.label)) v.fail(`${itemPath}.label`, `label ${JSON.stringify(spec.label)} appears twice`);
        labels.add(spec.label);
      } else if (row.label !== undefined) v.fail(`${itemPath}.label`, format === 'cef' ? `${key} takes no label` : 'labels exist only in CEF');
      return spec;
    });
  };

  const cef = v.object(root.cef, 'cef');
  v.onlyKeys(cef, 'cef', ['labelPosition', 'fields']);
  const leef = v.object(root.leef, 'leef');
  v.onlyKeys(leef, 'leef', ['fields']);
  const rfc5424 = v.object(root.rfc5424, 'rfc5424');
  v.onlyKeys(rfc5424, 'rfc5424', ['structuredData']);

  return Object.freeze({
    files,
    severities,
    defaultSeverity,
    categories,
    events,
    detail,
    cef: {
      labelPosition: cef.labelPosition === undefined ? 'before' : v.oneOf(cef.labelPosition, 'cef.labelPosition', ['before', 'after'] as const),
      fields: fieldList('cef', cef.fields, 'cef.fields'),
    },
    leef: { fields: fieldList('leef', leef.fields, 'leef.fields') },
    rfc5424: { structuredData: fieldList('rfc5424', rfc5424.structuredData, 'rfc5424.structuredData') },
  });
}
