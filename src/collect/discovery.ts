/**
 * Which enterprises to collect: the configured ids, the enterprise of an enterprise user, the
 * customers of a partner (MSP) user, or every enterprise of the network for an operator.
 */
import { VcoApiError, VcoAuthError } from '../errors.js';
import type { Enterprise } from '../event.js';
import type { VcoClient } from './client.js';
import { isRecord } from '../event.js';

export interface DiscoveryOptions {
  login: 'enterprise' | 'operator';
  enterpriseIds?: number[];
  signal?: AbortSignal;
}

const GET_ENTERPRISE = 'enterprise/getEnterprise';
const PROXY_ENTERPRISES = 'enterpriseProxy/getEnterpriseProxyEnterprises';
const NETWORK_ENTERPRISES = 'network/getNetworkEnterprises';

/** Enterprises visible to the credential, deduplicated and sorted by id. */
export async function discoverEnterprises(client: VcoClient, opts: DiscoveryOptions): Promise<Enterprise[]> {
  const { signal } = opts;
  if (opts.enterpriseIds !== undefined && opts.enterpriseIds.length > 0) {
    const found: Enterprise[] = [];
    for (const enterpriseId of new Set(opts.enterpriseIds)) {
      const raw = await client.call<unknown>(GET_ENTERPRISE, { enterpriseId }, signal);
      const enterprise = toEnterprise(raw, `${GET_ENTERPRISE} {enterpriseId:${enterpriseId}}`);
      if (enterprise.id !== enterpriseId) {
        throw new VcoApiError(`${GET_ENTERPRISE} for enterprise ${enterpriseId} returned enterprise ${enterprise.id}: check VCO_ENTERPRISE_IDS`, {
          context: { enterpriseId },
        });
      }
      found.push(enterprise);
    }
    return sortUnique(found);
  }
  if (opts.login === 'operator') {
    return sortUnique(toEnterpriseList(await client.call<unknown>(NETWORK_ENTERPRISES, {}, signal), NETWORK_ENTERPRISES));
  }
  const own = await ownEnterprise(client, signal);
  if (own) return [own];
  // A partner (MSP) user has no enterprise of its own: list the customers it manages.
  return sortUnique(toEnterpriseList(await client.call<unknown>(PROXY_ENTERPRISES, {}, signal), PROXY_ENTERPRISES));
}

/** The caller's own enterprise, or undefined when the account is a partner (no enterprise, or an API error). */
async function ownEnterprise(client: VcoClient, signal: AbortSignal | undefined): Promise<Enterprise | undefined> {
  let raw: unknown;
  try {
    raw = await client.call<unknown>(GET_ENTERPRISE, {}, signal);
  } catch (error) {
    // Only an error answer from the VCO (a partner account has no enterprise of its own) means "try the
    // partner call"; a network, TLS or 5xx failure is reported as it is.
    if (error instanceof VcoApiError && !(error instanceof VcoAuthError) && Object.hasOwn(error.context, 'code')) return undefined;
    throw error;
  }
  if (!isRecord(raw) || raw.id === undefined || raw.id === null) return undefined;
  return toEnterprise(raw, GET_ENTERPRISE);
}

function toEnterpriseList(raw: unknown, source: string): Enterprise[] {
  if (!Array.isArray(raw)) {
    throw new VcoApiError(`${source}: expected an array of enterprises, got ${raw === null ? 'null' : typeof raw}`, { context: { method: source } });
  }
  return raw.map((item, index) => toEnterprise(item, `${source}[${index}]`));
}

function toEnterprise(raw: unknown, source: string): Enterprise {
  if (!isRecord(raw)) throw new VcoApiError(`${source}: expected an enterprise object, got ${raw === null ? 'null' : typeof raw}`);
  const { id, name, logicalId } = raw;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    throw new VcoApiError(`${source}: enterprise without a numeric id (id: ${JSON.stringify(id) ?? 'missing'})`);
  }
  if (typeof name !== 'string') {
    throw new VcoApiError(`${source}: enterprise ${id} has no name (name: ${JSON.stringify(name) ?? 'missing'})`);
  }
  return typeof logicalId === 'string' ? { id, name, logicalId } : { id, name };
}

function sortUnique(enterprises: Enterprise[]): Enterprise[] {
  const byId = new Map<number, Enterprise>();
  for (const enterprise of enterprises) if (!byId.has(enterprise.id)) byId.set(enterprise.id, enterprise);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}
