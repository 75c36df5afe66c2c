/**
 * Event catalogue of the simulator: every event name of vco-api.md section 12 (tables A-D), with its
 * category, severity, relative frequency and a renderer for realistic `message` and `detail` text.
 * Detail quirks are kept on purpose: JSON object text (compact or Python-style spacing), a JSON
 * array (REMOTE_ACTION), plain text (EDGE_AUTO_SIM_SWITCH) and null.
 */
import type { Rng } from './random.js';

export interface SimEdge {
  id: number;
  name: string;
  serial: string;
  logicalId: string;
  mac: string;
}

export interface RenderContext {
  rng: Rng;
  edge: SimEdge;
  user: string;
  enterpriseId: number;
  enterpriseLogicalId: string;
  timeMs: number;
}

/**
 * Who the event is about. edge: edgeName set, user null. action: edge + the user who acted.
 * orchestrator: no edge, user null or "". user: no edge, user email. alert: edge + user "".
 */
export type Scope = 'edge' | 'action' | 'orchestrator' | 'user' | 'alert';

export interface CatalogueEntry {
  event: string;
  category: string;
  severity: string;
  weight: number;
  scope: Scope;
  /** segmentName 'Global Segment' instead of null. */
  segment: boolean;
  render(ctx: RenderContext): { message: string; detail: string | null };
}

const INTERFACES = ['GE1', 'GE2', 'GE3', 'GE4', 'GE5', 'GE6', 'SFP1', 'CELL1'];
const DATACENTERS = ['Azure-SIN', 'AWS-FRA', 'Zscaler-AMS', 'DC-East'];
const OS_TYPES = [
  { os: 'Xerox Printer', code: 800 },
  { os: 'Windows 10', code: 1 },
  { os: 'macOS', code: 3 },
  { os: 'Android', code: 5 },
  { os: 'Linux', code: 2 },
];
const HOSTS = ['nexusquantum7', 'lab-pc-12', 'reception-ipad', 'pos-terminal-3', 'cam-lobby', 'printer-2f'];
const ACTIONS = ['runDiagnostics', 'restartService', 'rebootEdge', 'getDiagnosticBundle'];

/** Compact JSON, as most VCO detail strings are. */
const compact = (value: unknown): string => JSON.stringify(value);

/** Python json.dumps spacing (", " and ": "), as some VCO services write detail. */
function pythonJson(value: Record<string, unknown>): string {
  return `{${Object.entries(value)
    .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    .join(', ')}}`;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const naiveIso = (ms: number): string => new Date(ms).toISOString().slice(0, -1);
const publicIp = (r: Rng): string => `${r.pick([51, 13, 20, 52, 104])}.${r.int(256)}.${r.int(256)}.${r.between(1, 254)}`;
const privateIp = (r: Rng): string => `192.168.${r.int(8)}.${r.between(2, 254)}`;
const clientMac = (r: Rng): string => r.hex(12).replace(/(..)(?!$)/g, '$1:');

/*
 * The hot detail shapes are written as templates: JSON.stringify of a small object costs more than
 * the rest of an event. Every interpolated value is a number or goes through JSON.stringify.
 */
const q = JSON.stringify;

function linkDetail(c: RenderContext, iface: string): string {
  const internalId = `${String(INTERFACES.indexOf(iface) + 1).padStart(8, '0')}-${c.rng.hex(4)}-${c.rng.hex(4)}-${c.rng.hex(4)}-${c.rng.hex(12)}`;
  return `{"logicalId":${q(`${c.edge.mac}:0000`)},"internalId":${q(internalId)},"edgeSerialNumber":${q(c.edge.serial)}}`;
}

function alertDetail(c: RenderContext, name: string): string {
  const trigger = c.timeMs - c.rng.between(60, 300) * 1000;
  return (
    `{"enterpriseId":${c.enterpriseId},"edgeId":${c.edge.id},"edgeName":${q(c.edge.name)},"state":"PENDING",` +
    `"stateSetTime":${q(iso(c.timeMs))},"triggerTime":${q(iso(trigger))},"lastContact":${q(iso(trigger - 30000))},` +
    `"name":${q(name)},"type":${q(name)},"timezone":"America/Los_Angeles","locale":"en-US"}`
  );
}

function loginDetail(c: RenderContext, ip: string): string {
  return `{"userType":"ENTERPRISE","remoteIp":${q(ip)},"username":${q(c.user)}}`;
}

/** Detail of events documented without a capture: usually the edge serial, sometimes nothing. */
function serialDetail(c: RenderContext): string | null {
  return c.rng.chance(0.25) ? null : `{"edgeSerialNumber":${q(c.edge.serial)}}`;
}

type Renderer = CatalogueEntry['render'];

function entry(
  event: string,
  category: string,
  severity: string,
  scope: Scope,
  render: Renderer,
  opts: { weight?: number; segment?: boolean } = {},
): CatalogueEntry {
  return { event, category, severity, scope, render, weight: opts.weight ?? 1, segment: opts.segment ?? false };
}

function physicalLink(event: string, state: 'up' | 'down'): CatalogueEntry {
  return entry(event, 'SYSTEM', 'INFO', 'edge', (c) => {
    const n = c.rng.between(1, 6);
    return {
      message: `Edge  ${c.rng.pick(['WAN', 'LAN'])} link GE${n} is ${state}`,
      detail: `{"physicalInterface":"eth${n + 2}","logicalInterface":"GE${n}","edgeSerialNumber":${q(c.edge.serial)}}`,
    };
  }, { weight: 5 });
}

/** An edge event known only by name: a fixed message about the edge and the serial detail. */
function edgeNote(event: string, category: string, severity: string, message: (c: RenderContext) => string): CatalogueEntry {
  return entry(event, category, severity, 'edge', (c) => ({ message: message(c), detail: serialDetail(c) }));
}

/** An audit event done by a user in the portal. */
function userAudit(event: string, category: string, severity: string, message: (c: RenderContext) => string): CatalogueEntry {
  return entry(event, category, severity, 'user', (c) => ({
    message: message(c),
    detail: c.rng.chance(0.3) ? null : loginDetail(c, publicIp(c.rng)),
  }));
}

/** A gateway event (operator level); no edge, no user. */
function gatewayNote(event: string, severity: string, message: (c: RenderContext) => string): CatalogueEntry {
  return entry(event, 'GATEWAY', severity, 'orchestrator', (c) => ({
    message: message(c),
    detail: compact({ gatewayName: `gw-${c.rng.between(1, 4)}-${c.rng.pick(['sjc', 'fra', 'sin'])}`, gatewayLogicalId: c.rng.uuid() }),
  }));
}

const edgeLabel = (c: RenderContext): string => `Edge [${c.edge.name}]`;
const iface = (c: RenderContext): string => c.rng.pick(INTERFACES);

const TABLE_A: CatalogueEntry[] = [
  entry('LINK_DEAD', 'NETWORK', 'ALERT', 'edge', (c) => {
    const i = iface(c);
    return { message: `Link ${i} is now DEAD`, detail: linkDetail(c, i) };
  }, { weight: 10, segment: true }),
  entry('LINK_ALIVE', 'NETWORK', 'INFO', 'edge', (c) => {
    const i = iface(c);
    // Older VCOs sent no serial number in this detail.
    const detail = c.rng.chance(0.5) ? linkDetail(c, i) : compact({ logicalId: `${c.edge.mac}:0000`, internalId: `0000000${INTERFACES.indexOf(i) + 1}-${c.rng.hex(4)}` });
    return { message: `Link ${i} is no longer DEAD`, detail };
  }, { weight: 10, segment: true }),
  entry('EDGE_DOWN', 'EDGE', 'ERROR', 'alert', (c) => ({
    message: c.rng.chance(0.8) ? `Edge [${c.edge.name}] is not communicating with the Orchestrator` : 'Edge is down',
    detail: alertDetail(c, 'EDGE_DOWN'),
  }), { weight: 5 }),
  entry('EDGE_UP', 'EDGE', 'INFO', 'alert', (c) => ({
    message: `Edge [${c.edge.name}]  has re-established communication with the Orchestrator`,
    detail: alertDetail(c, 'EDGE_UP'),
  }), { weight: 5 }),
  physicalLink('EDGE_PHYSICAL_LINK_UP', 'up'),
  physicalLink('EDGE_PHYSICAL_LINK_DOWN', 'down'),
  entry('BROWSER_ENTERPRISE_LOGIN', 'USER', 'INFO', 'user', (c) => {
    const ip = publicIp(c.rng);
    return { message: `${c.user} from [${ip}]`, detail: loginDetail(c, ip) };
  }, { weight: 6 }),
  entry('EDGE_SSH_LOGIN', 'SYSTEM', 'INFO', 'edge', (c) => {
    const pid = c.rng.between(1000, 4000000);
    const ip = publicIp(c.rng);
    const port = c.rng.between(1024, 65000);
    return {
      message: `sshd[${pid}]: Accepted keyboard-interactive/pam for root from ${ip} port ${port} ssh2`,
      detail: compact({ type: 'keyboard-interactive/pam', username: 'root', source: ip, timestamp: naiveIso(c.timeMs - 1000), edgeSerialNumber: c.edge.serial }),
    };
  }, { weight: 2 }),
  entry('EDGE_SSH_LOGOUT', 'SYSTEM', 'INFO', 'edge', (c) => {
    const ip = publicIp(c.rng);
    const port = c.rng.between(1024, 65000);
    return {
      message: `sshd[${c.rng.between(1000, 4000000)}]: Disconnected from user root ${ip} port ${port}`,
      detail: compact({ username: 'root', source: ip, timestamp: naiveIso(c.timeMs - 1000), edgeSerialNumber: c.edge.serial }),
    };
  }, { weight: 2 }),
  entry('EDGE_BGP_NEIGHBOR_DOWN', 'EDGE', 'INFO', 'edge', (c) => ({
    message: `BGP session down for edge [${c.edge.name}] to neighbor IP: [172.16.${c.rng.int(4)}.1]`,
    detail: compact({
      remoteIp: publicIp(c.rng),
      method: 'edge/edgeHeartbeat',
      principle: `edge:${c.edge.logicalId}`,
      principleType: 'EDGE',
      requestId: c.rng.uuid(),
      pid: c.rng.between(100, 40000),
      jobId: null,
      enterpriseId: c.enterpriseId,
    }),
  }), { weight: 3, segment: true }),
  entry('REMOTE_ACTION', 'EDGE', 'INFO', 'action', (c) => {
    const action = c.rng.pick(ACTIONS);
    return { message: action, detail: compact([{ action, parameters: {} }]) };
  }, { weight: 2 }),
  entry('EDGE_AUTO_SIM_SWITCH', 'EDGE', 'NOTICE', 'edge', (c) => ({
    message: 'Autosim Switch Disabled',
    detail: `Auto SIM switchover disabled edgeSerialNumber: ${c.edge.serial}`,
  })),
  entry('VPN_DATACENTER_STATUS', 'SYSTEM', 'NOTICE', 'orchestrator', (c) => {
    const ip = publicIp(c.rng);
    return {
      message: `Tunnel to [${c.rng.pick(DATACENTERS)}] - Failed to negotiate child SA IKEv2_I with ${ip}. Error: ERR_IKE_TIMEOUT`,
      detail: pythonJson({
        enterpriseLogicalId: c.enterpriseLogicalId,
        dataCenterLogicalId: c.rng.uuid(),
        ipAddress: ip,
        ikeState: 'DOWN',
        numberP2SA: 0,
        Hint: 'No response from peer or no proposal chosen; check VPN type, GWIP, DH Group, IKE-ID, subnets.',
      }),
    };
  }, { weight: 4 }),
  entry('EDGE_NEW_DEVICE', 'EDGE', 'NOTICE', 'edge', (c) => {
    const mac = clientMac(c.rng);
    const ip = privateIp(c.rng);
    const host = c.rng.pick(HOSTS);
    const os = c.rng.pick(OS_TYPES);
    return {
      message: `New or updated client device ${mac}, ip ${ip}, segId 0, hostname ${host}, os ${os.os}`,
      detail: `{"client_mac":${q(mac)},"client_ipv4addr":${q(ip)},"hostname":${q(host)},"os_type":${os.code},"os_description":${q(os.os)},"segment_id":0,"edgeSerialNumber":${q(c.edge.serial)}}`,
    };
  }, { weight: 8, segment: true }),
  entry('USER_LOGIN', 'USER', 'INFO', 'user', (c) => ({ message: `User ${c.user} logged in`, detail: null }), { weight: 3 }),
  entry('EDGE_INTERFACE_UP', 'SYSTEM', 'INFO', 'edge', (c) => ({ message: `Interface ${iface(c)} is up`, detail: null }), { weight: 3 }),
  entry('EDGE_INTERFACE_DOWN', 'SYSTEM', 'INFO', 'edge', (c) => ({ message: `Interface ${iface(c)} is down`, detail: null }), { weight: 3 }),
];

const TABLE_B: CatalogueEntry[] = [
  edgeNote('BW_UNMEASURABLE', 'NETWORK', 'ALERT', (c) => `Bandwidth for link ${iface(c)} is unmeasurable, using default`),
  edgeNote('EDGE_BIOS_UPDATE_FAILED', 'SYSTEM', 'ERROR', () => 'BIOS update failed'),
  edgeNote('EDGE_BIOS_UPDATED', 'SYSTEM', 'INFO', () => 'BIOS updated successfully'),
  edgeNote('EDGE_COMMAND', 'SYSTEM', 'INFO', (c) => `Diagnostics command ${c.rng.pick(['ping', 'traceroute', 'arp_table', 'route_table'])} executed`),
  edgeNote('EDGE_CONSOLE_LOGIN', 'SYSTEM', 'INFO', () => 'Console login for user root'),
  edgeNote('EDGE_DEACTIVATED', 'EDGE', 'WARNING', (c) => `${edgeLabel(c)} deactivated, configuration cleared`),
  edgeNote('EDGE_DHCP_BAD_OPTION', 'EDGE', 'WARNING', (c) => `Invalid DHCP option ${c.rng.between(43, 252)} ignored`),
  edgeNote('EDGE_DISK_IO_ERROR', 'SYSTEM', 'WARNING', () => 'Disk IO error during software upgrade'),
  edgeNote('EDGE_DISK_READONLY', 'SYSTEM', 'CRITICAL', () => 'Disk is now read-only'),
  edgeNote('EDGE_DNSMASQ_FAILED', 'SYSTEM', 'ERROR', () => 'dnsmasq service failed'),
  edgeNote('EDGE_DOT1X_SERVICE_DISABLED', 'SYSTEM', 'WARNING', () => '802.1x service disabled'),
  edgeNote('EDGE_DOT1X_SERVICE_FAILED', 'SYSTEM', 'ERROR', () => '802.1x service failed'),
  edgeNote('EDGE_HARD_RESET', 'EDGE', 'WARNING', (c) => `${edgeLabel(c)} hard reset by user`),
  edgeNote('EDGE_HEALTH_ALERT', 'SYSTEM', 'EMERGENCY', () => 'Data plane out of resources: packet buffers exhausted'),
  edgeNote('EDGE_KERNEL_PANIC', 'SYSTEM', 'ALERT', () => 'Operating system exception, edge rebooting'),
  edgeNote('EDGE_L2_LOOP_DETECTED', 'NETWORK', 'ERROR', (c) => `L2 loop detected on interface ${iface(c)}`),
  edgeNote('EDGE_LED_SERVICE_DISABLED', 'SYSTEM', 'WARNING', () => 'LED service disabled'),
  gatewayNote('GATEWAY_UP', 'INFO', () => 'Gateway has re-established communication with the Orchestrator'),
  gatewayNote('GATEWAY_DOWN', 'INFO', () => 'Gateway is not communicating with the Orchestrator'),
  gatewayNote('GATEWAY_LARGE_PKT_SIZE', 'INFO', (c) => `Large packet of size ${c.rng.between(1600, 9000)} received from peer`),
  gatewayNote('GATEWAY_SERVICE_FAILED', 'ERROR', () => 'Gateway service failed'),
  gatewayNote('GATEWAY_BFD_NEIGHBOR_UP', 'INFO', (c) => `BFD neighbor 10.${c.rng.int(255)}.0.1 is up`),
  gatewayNote('GATEWAY_BFD_NEIGHBOR_DOWN', 'INFO', (c) => `BFD neighbor 10.${c.rng.int(255)}.0.1 is down`),
];

const failover = (c: RenderContext): string => `${c.rng.between(5, 30) * 100}ms`;

const TABLE_C: CatalogueEntry[] = [
  edgeNote('HA_GOING_ACTIVE', 'EDGE', 'WARNING', () => 'Standby edge going active'),
  edgeNote('HA_STANDBY_ACTIVATED', 'EDGE', 'INFO', () => 'New standby edge activated'),
  edgeNote('HA_FAILED', 'EDGE', 'ERROR', () => 'Active edge lost contact with the standby'),
  edgeNote('HA_READY', 'EDGE', 'INFO', () => 'Standby edge heard again, HA ready'),
  edgeNote('HA_TERMINATED', 'EDGE', 'INFO', () => 'HA disabled'),
  edgeNote('HA_ACTIVATION_FAILURE', 'EDGE', 'ERROR', () => 'HA activation could not be verified'),
  entry('VCO_IDENTIFIED_HA_FAILOVER', 'EDGE', 'WARNING', 'alert', () => ({ message: 'Edge HA Failover Detected', detail: null })),
  entry('VCO_IDENTIFIED_HA_FAILURE', 'EDGE', 'ERROR', 'alert', () => ({ message: 'Edge HA Failure Detected', detail: null })),
  edgeNote('HA_UPDATE_FAILOVER_TIME', 'EDGE', 'INFO', (c) => `Updating HA Failover time from ${failover(c)} to ${failover(c)}`),
  edgeNote('HA_RESET_FAILOVER_TIME', 'EDGE', 'INFO', (c) => `Resetting HA Failover time from ${failover(c)} to ${failover(c)}`),
];

const version = (c: RenderContext): string => `${c.rng.between(3, 5)}.${c.rng.int(5)}.${c.rng.int(3)}`;

const TABLE_D: CatalogueEntry[] = [
  edgeNote('MGD_CONF_APPLIED', 'EDGE', 'INFO', (c) => `Applied new ${c.rng.pick(['deviceSettings', 'firewall', 'QOS', 'WAN'])} configuration`),
  edgeNote('MGD_CONF_FAILED', 'EDGE', 'ERROR', () => 'Failed to apply configuration'),
  edgeNote('MGD_CONF_PENDING', 'EDGE', 'INFO', () => 'Configuration pending, waiting for edge to apply'),
  edgeNote('MGD_CONF_ROLLBACK', 'EDGE', 'WARNING', () => 'Configuration rolled back after loss of connectivity'),
  edgeNote('MGD_CONF_UPDATE_INVALID', 'EDGE', 'ERROR', () => 'Invalid configuration update rejected'),
  edgeNote('MGD_START', 'EDGE', 'INFO', () => 'Management daemon started'),
  edgeNote('MGD_SHUTDOWN', 'EDGE', 'INFO', () => 'Management daemon shutting down'),
  edgeNote('MGD_EXITING', 'EDGE', 'INFO', () => 'Management daemon exiting'),
  edgeNote('MGD_DEACTIVATED', 'EDGE', 'WARNING', () => 'Edge deactivated by the Orchestrator'),
  edgeNote('MGD_HARD_RESET', 'EDGE', 'WARNING', () => 'Hard reset requested by the Orchestrator'),
  edgeNote('MGD_INVALID_VCO_ADDRESS', 'EDGE', 'ERROR', () => 'Invalid Orchestrator address in activation'),
  edgeNote('MGD_SWUP_INSTALLED', 'EDGE', 'INFO', (c) => `Software update ${version(c)} installed`),
  edgeNote('MGD_SWUP_INSTALL_FAILED', 'EDGE', 'ERROR', (c) => `Software update ${version(c)} install failed`),
  edgeNote('MGD_SWUP_DOWNLOAD_FAILED', 'EDGE', 'ERROR', (c) => `Software update ${version(c)} download failed`),
  edgeNote('NTP_CONF_APPLIED', 'EDGE', 'INFO', () => 'NTP configuration applied'),
  edgeNote('EDGE_MEMORY_USAGE_WARNING', 'SYSTEM', 'WARNING', (c) => `Memory usage at ${c.rng.between(80, 89)}%`),
  edgeNote('EDGE_MEMORY_USAGE_ERROR', 'SYSTEM', 'ERROR', (c) => `Memory usage at ${c.rng.between(90, 99)}%`),
  edgeNote('EDGE_SERVICE_FAILED', 'SYSTEM', 'ERROR', (c) => `Service ${c.rng.pick(['edged', 'natd', 'dhcpd'])} failed`),
  edgeNote('EDGE_SERVICE_DISABLED', 'SYSTEM', 'WARNING', (c) => `Service ${c.rng.pick(['edged', 'natd', 'dhcpd'])} disabled after repeated failures`),
  edgeNote('EDGE_SERVICE_DUMPED', 'SYSTEM', 'ERROR', (c) => `Service ${c.rng.pick(['edged', 'natd', 'dhcpd'])} dumped core`),
  edgeNote('EDGE_MGD_SERVICE_FAILED', 'SYSTEM', 'ERROR', () => 'Management service failed'),
  edgeNote('EDGE_MGD_SERVICE_DISABLED', 'SYSTEM', 'WARNING', () => 'Management service disabled'),
  edgeNote('EDGE_REBOOTING', 'SYSTEM', 'INFO', (c) => `${edgeLabel(c)} rebooting`),
  edgeNote('EDGE_RESTARTING', 'SYSTEM', 'INFO', (c) => `${edgeLabel(c)} restarting`),
  edgeNote('EDGE_SHUTTING_DOWN', 'SYSTEM', 'INFO', (c) => `${edgeLabel(c)} shutting down`),
  edgeNote('EDGE_STARTUP', 'SYSTEM', 'INFO', (c) => `${edgeLabel(c)} started`),
  entry('EDGE_BGP_NEIGHBOR_UP', 'EDGE', 'INFO', 'edge', (c) => ({
    message: `BGP session up for edge [${c.edge.name}] to neighbor IP: [172.16.${c.rng.int(4)}.1]`,
    detail: serialDetail(c),
  }), { weight: 3, segment: true }),
  edgeNote('EDGE_BFD_NEIGHBOR_UP', 'EDGE', 'INFO', (c) => `BFD session up to neighbor 172.16.${c.rng.int(4)}.1`),
  edgeNote('EDGE_BFD_NEIGHBOR_DOWN', 'EDGE', 'INFO', (c) => `BFD session down to neighbor 172.16.${c.rng.int(4)}.1`),
  edgeNote('EDGE_NVS_TUNNEL_UP', 'NETWORK', 'INFO', (c) => `Tunnel to non-VeloCloud site [${c.rng.pick(DATACENTERS)}] is up`),
  edgeNote('EDGE_NVS_TUNNEL_DOWN', 'NETWORK', 'WARNING', (c) => `Tunnel to non-VeloCloud site [${c.rng.pick(DATACENTERS)}] is down`),
  edgeNote('ALL_CSS_DOWN', 'NETWORK', 'ERROR', () => 'All cloud security service tunnels are down'),
  edgeNote('CSS_UP', 'NETWORK', 'INFO', () => 'Cloud security service tunnel is up'),
  edgeNote('EDGE_TUNNEL_CAP_WARNING', 'SYSTEM', 'WARNING', (c) => `Tunnel count ${c.rng.between(380, 400)} close to the edge limit`),
  edgeNote('EDGE_CONGESTED', 'SYSTEM', 'WARNING', () => 'Edge is congested'),
  edgeNote('EDGE_STABLE', 'SYSTEM', 'INFO', () => 'Edge is stable'),
  userAudit('USER_LOGIN_FAILURE', 'USER', 'WARNING', (c) => `Failed login for ${c.user}: invalid password`),
  userAudit('USER_LOGIN_SSO', 'USER', 'INFO', (c) => `${c.user} logged in via SSO`),
  userAudit('USER_LOGIN_FAILURE_SSO', 'USER', 'WARNING', (c) => `SSO login failed for ${c.user}`),
  userAudit('USER_LOCKOUT', 'USER', 'WARNING', (c) => `User ${c.user} locked out after repeated failures`),
  userAudit('PASSWORD_RESET', 'USER', 'INFO', (c) => `Password reset for ${c.user}`),
  userAudit('CREATE_USER', 'USER', 'INFO', (c) => `Created user ${c.rng.pick(['noc', 'auditor', 'helpdesk'])}@${c.user.split('@')[1] ?? 'example.com'}`),
  userAudit('DELETE_USER', 'USER', 'INFO', (c) => `Deleted user ${c.rng.pick(['temp', 'contractor'])}@${c.user.split('@')[1] ?? 'example.com'}`),
  userAudit('EDIT_PROFILE', 'CONFIGURATION', 'INFO', (c) => `Profile ${c.rng.pick(['Quick Start Profile', 'Branch Profile', 'DC Profile'])} updated`),
  userAudit('CREATE_API_TOKEN', 'USER', 'INFO', (c) => `API token created for ${c.user}`),
  userAudit('DOWNLOAD_API_TOKEN', 'USER', 'INFO', (c) => `API token downloaded by ${c.user}`),
  userAudit('REVOKE_API_TOKEN', 'USER', 'INFO', (c) => `API token revoked by ${c.user}`),
  userAudit('DELETE_API_TOKEN', 'USER', 'INFO', (c) => `API token deleted by ${c.user}`),
  edgeNote('CERTIFICATE_REVOCATION', 'SECURITY', 'INFO', () => 'Edge certificate revoked'),
  edgeNote('CERTIFICATE_RENEWAL', 'SECURITY', 'INFO', () => 'Edge certificate renewed'),
  userAudit('FIREWALL_ENABLE', 'CONFIGURATION', 'INFO', () => 'Stateful firewall enabled'),
  userAudit('FIREWALL_DISABLE', 'CONFIGURATION', 'INFO', () => 'Stateful firewall disabled'),
  userAudit('FIREWALL_LOG_ENABLE', 'CONFIGURATION', 'INFO', () => 'Firewall logging enabled'),
  edgeNote('VRRP_INTO_MASTER_STATE', 'NETWORK', 'INFO', (c) => `VRRP group ${c.rng.between(1, 20)} entered MASTER state`),
  edgeNote('VRRP_OUT_OF_MASTER_STATE', 'NETWORK', 'INFO', (c) => `VRRP group ${c.rng.between(1, 20)} left MASTER state`),
  edgeNote('VRRP_FAIL_INFO', 'NETWORK', 'WARNING', (c) => `VRRP group ${c.rng.between(1, 20)} failure`),
  edgeNote('EDGE_USB_PLUGGED_IN', 'SYSTEM', 'INFO', () => 'USB device plugged in'),
  edgeNote('EDGE_USB_UNPLUGGED', 'SYSTEM', 'INFO', () => 'USB device unplugged'),
  edgeNote('CWS_EVENT', 'SECURITY', 'INFO', () => 'Cloud web security policy updated'),
  edgeNote('OVERTEMP', 'SYSTEM', 'CRITICAL', (c) => `CPU temperature ${c.rng.between(90, 105)}C above threshold`),
  edgeNote('LINK_MTU', 'NETWORK', 'INFO', (c) => `Link ${iface(c)} path MTU ${c.rng.pick([1400, 1450, 1500])}`),
  edgeNote('LINK_DETECTED', 'NETWORK', 'INFO', (c) => `New link detected on ${iface(c)}`),
  edgeNote('SLOW_START_CAP_MET', 'NETWORK', 'INFO', (c) => `Slow start cap met on link ${iface(c)}`),
  edgeNote('IDPS_SIGNATURE_DOWNLOAD_FAILURE', 'SECURITY', 'ERROR', () => 'IDPS signature download failed'),
  edgeNote('MGD_ATPUP_APPLY_IDPS_SIGNATURE_FAILED', 'SECURITY', 'ERROR', () => 'Applying IDPS signature failed'),
];

export const CATALOGUE: readonly CatalogueEntry[] = [...TABLE_A, ...TABLE_B, ...TABLE_C, ...TABLE_D];

/** Cumulative weights for a weighted pick with one random number. */
const CUMULATIVE: number[] = [];
let total = 0;
for (const e of CATALOGUE) {
  total += e.weight;
  CUMULATIVE.push(total);
}
const TOTAL_WEIGHT = total;

/** Catalogue entry for a uniform 32-bit random value, by weight. */
export function pickEntry(random32: number): CatalogueEntry {
  const target = random32 % TOTAL_WEIGHT;
  let lo = 0;
  let hi = CUMULATIVE.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((CUMULATIVE[mid] as number) > target) hi = mid;
    else lo = mid + 1;
  }
  return CATALOGUE[lo] as CatalogueEntry;
}
