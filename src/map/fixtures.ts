/**
 * Test fixtures shared by the map tests: the standard input event of wire-formats.md and a way to build
 * a mapping from the default plus a merge patch (as a user file would). Not used by production code.
 */
import { readFileSync } from 'node:fs';
import type { VcoEvent } from '../event.js';
import { DEFAULT_MAPPING_FILE, mergePatch, validateMapping, type Mapping } from './mapping.js';
import type { EncoderOptions } from './options.js';

export const STANDARD_EVENT: VcoEvent = Object.freeze({
  id: 1109553, eventTime: '2024-05-01T12:34:56.789Z', event: 'EDGE_DOWN', category: 'EDGE', severity: 'ALERT',
  message: 'Edge b1-edge1 is down', detail: '{"edgeName":"b1-edge1","state":"PENDING"}',
  enterpriseUsername: 'admin@example.com', edgeName: 'b1-edge1', segmentName: 'Global Segment',
});

/** Vector constants of wire-formats.md section 0. */
export const VECTOR_OPTIONS = { hostname: 'vco.example.net', appName: 'velocloud', facility: 16, pen: 32473, productVersion: '5.2.0' } as const;

type Json = Parameters<typeof mergePatch>[1];
/** A merge patch as a test writes it (any JSON-shaped object). */
type Patch = object;

export function mappingWith(patch: Patch = {}): Mapping {
  const base = JSON.parse(readFileSync(DEFAULT_MAPPING_FILE, 'utf8')) as Json;
  return validateMapping(mergePatch(base, patch as Json), 'test-patch.json', [DEFAULT_MAPPING_FILE]);
}

/** Encoder options with the vector constants, the given mapping patch and overrides. */
export function vectorOptions(format: EncoderOptions['format'], patch: Patch = {}, extra: Partial<EncoderOptions> = {}): EncoderOptions {
  return { format, mapping: mappingWith(patch), ...VECTOR_OPTIONS, ...extra };
}
