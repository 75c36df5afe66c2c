/**
 * Every event of the VCO catalogue (vco-api.md section 12, A-D) has a default mapping entry and maps in
 * every format; real detail shapes are lifted into standard fields; odd events still map.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VcoEvent } from '../src/event.js';
import { vectorOptions } from '../src/map/fixtures.js';
import { createEncoder, FORMATS, loadMapping } from '../src/map/index.js';

const CATALOGUE = [
  'LINK_DEAD', 'LINK_ALIVE', 'EDGE_DOWN', 'EDGE_UP', 'EDGE_PHYSICAL_LINK_UP', 'EDGE_PHYSICAL_LINK_DOWN',
  'BROWSER_ENTERPRISE_LOGIN', 'EDGE_SSH_LOGIN', 'EDGE_SSH_LOGOUT', 'EDGE_BGP_NEIGHBOR_DOWN', 'REMOTE_ACTION',
  'EDGE_AUTO_SIM_SWITCH', 'VPN_DATACENTER_STATUS', 'EDGE_NEW_DEVICE', 'USER_LOGIN', 'EDGE_INTERFACE_UP',
  'EDGE_INTERFACE_DOWN', 'BW_UNMEASURABLE', 'EDGE_BIOS_UPDATE_FAILED', 'EDGE_BIOS_UPDATED', 'EDGE_COMMAND',
  'EDGE_CONSOLE_LOGIN', 'EDGE_DEACTIVATED', 'EDGE_DHCP_BAD_OPTION', 'EDGE_DISK_IO_ERROR', 'EDGE_DISK_READONLY',
  'EDGE_DNSMASQ_FAILED', 'EDGE_DOT1X_SERVICE_DISABLED', 'EDGE_DOT1X_SERVICE_FAILED', 'EDGE_HARD_RESET',
  'EDGE_HEALTH_ALERT', 'EDGE_KERNEL_PANIC', 'EDGE_L2_LOOP_DETECTED', 'EDGE_LED_SERVICE_DISABLED', 'GATEWAY_UP',
  'GATEWAY_DOWN', 'GATEWAY_LARGE_PKT_SIZE', 'GATEWAY_SERVICE_FAILED', 'GATEWAY_BFD_NEIGHBOR_UP',
  'GATEWAY_BFD_NEIGHBOR_DOWN', 'HA_GOING_ACTIVE', 'HA_STANDBY_ACTIVATED', 'HA_FAILED', 'HA_READY', 'HA_TERMINATED',
  'HA_ACTIVATION_FAILURE', 'VCO_IDENTIFIED_HA_FAILOVER', 'VCO_IDENTIFIED_HA_FAILURE', 'HA_UPDATE_FAILOVER_TIME',
  'HA_RESET_FAILOVER_TIME', 'MGD_CONF_APPLIED', 'MGD_CONF_FAILED', 'MGD_CONF_PENDING', 'MGD_CONF_ROLLBACK',
  'MGD_CONF_UPDATE_INVALID', 'MGD_START', 'MGD_SHUTDOWN', 'MGD_EXITING', 'MGD_DEACTIVATED', 'MGD_HARD_RESET',
  'MGD_INVALID_VCO_ADDRESS', 'MGD_SWUP_INSTALLED', 'MGD_SWUP_INSTALL_FAILED', 'MGD_SWUP_DOWNLOAD_FAILED',
  'NTP_CONF_APPLIED', 'EDGE_MEMORY_USAGE_WARNING', 'EDGE_MEMORY_USAGE_ERROR', 'EDGE_SERVICE_FAILED',
  'EDGE_SERVICE_DISABLED', 'EDGE_SERVICE_DUMPED', 'EDGE_MGD_SERVICE_FAILED', 'EDGE_MGD_SERVICE_DISABLED',
  'EDGE_REBOOTING', 'EDGE_RESTARTING', 'EDGE_SHUTTING_DOWN', 'EDGE_STARTUP', 'EDGE_BGP_NEIGHBOR_UP',
  'EDGE_BFD_NEIGHBOR_UP', 'EDGE_BFD_NEIGHBOR_DOWN', 'EDGE_NVS_TUNNEL_UP', 'EDGE_NVS_TUNNEL_DOWN', 'ALL_CSS_DOWN',
  'CSS_UP', 'EDGE_TUNNEL_CAP_WARNING', 'EDGE_CONGESTED', 'EDGE_STABLE', 'USER_LOGIN_FAILURE', 'USER_LOGIN_SSO',
  'USER_LOGIN_FAILURE_SSO', 'USER_LOCKOUT', 'PASSWORD_RESET', 'CREATE_USER', 'DELETE_USER', 'EDIT_PROFILE',
  'CREATE_API_TOKEN', 'DOWNLOAD_API_TOKEN', 'REVOKE_API_TOKEN', 'DELETE_API_TOKEN', 'CERTIFICATE_REVOCATION',
  'CERTIFICATE_RENEWAL', 'FIREWALL_ENABLE', 'FIREWALL_DISABLE', 'FIREWALL_LOG_ENABLE', 'VRRP_INTO_MASTER_STATE',
  'VRRP_OUT_OF_MASTER_STATE', 'VRRP_FAIL_INFO', 'EDGE_USB_PLUGGED_IN', 'EDGE_USB_UNPLUGGED', 'CWS_EVENT', 'OVERTEMP',
  'LINK_MTU', 'LINK_DETECTED', 'SLOW_START_CAP_MET', 'IDPS_SIGNATURE_DOWNLOAD_FAILURE',
  'MGD_ATPUP_APPLY_IDPS_SIGNATURE_FAILED',
];

const cefEncode = createEncoder(vectorOptions('cef', {}, { cefSyslogHeader: 'none' }));
const leefEncode = createEncoder(vectorOptions('leef', {}, { leefSyslogHeader: 'none' }));
const sdEncode = createEncoder(vectorOptions('rfc5424'));
const base = { id: 77, eventTime: '2025-01-07T14:36:25.000Z', enterpriseUsername: null, edgeName: 'branch1-vedge', segmentName: null };

describe('event catalogue', () => {
  test('every catalogue event has a named default entry', async () => {
    const mapping = await loadMapping();
    assert.equal(new Set(CATALOGUE).size, 115);
    for (const name of CATALOGUE) {
      const entry = mapping.events.get(name);
      assert.ok(entry?.name && entry.defaultCategory && entry.defaultSeverity, name);
    }
  });

  test('every catalogue event maps in every format, with and without lineSafe', () => {
    for (const format of FORMATS) {
      for (const lineSafe of [false, true]) {
        const encode = createEncoder(vectorOptions(format, {}, { lineSafe }));
        for (const name of CATALOGUE) {
          const out = encode({ ...base, event: name, message: `${name} happened` });
          assert.ok(out.length > 40, `${format} ${name}`);
          if (format === 'cef') assert.ok(out.includes(`|${name}|`), out);
          if (format === 'leef') assert.ok(out.includes(`|${name}|`), out);
          if (format === 'rfc3164') assert.ok(out.endsWith(`: ${name} happened`), out);
          if (format === 'rfc5424' || format === 'json') assert.ok(out.includes(` ${name.slice(0, 32)} `), out);
        }
      }
    }
  });

  test('severity and category come from the entry when the event carries none', () => {
    const out = cefEncode({ ...base, event: 'EDGE_HEALTH_ALERT', message: 'm' });
    assert.match(out, /\|EDGE_HEALTH_ALERT\|Edge health alert\|10\|.* cat=SYSTEM /);
  });
});

describe('detail shapes of real events', () => {
  test('EDGE_NEW_DEVICE: client IP, MAC, hostname and serial lifted; the rest stays in the detail', () => {
    const detail = JSON.stringify({ client_mac: '03:11:22:33:44:55', client_ipv4addr: '192.168.1.1', hostname: 'nexusquantum7', os_type: 800, os_description: 'Xerox Printer', segment_id: 0, edgeSerialNumber: 'VMware-42' });
    const event: VcoEvent = { ...base, event: 'EDGE_NEW_DEVICE', category: 'EDGE', severity: 'NOTICE', message: 'New or updated client device', detail };
    const cef = cefEncode(event);
    assert.match(cef, / src=192\.168\.1\.1 smac=03:11:22:33:44:55 shost=nexusquantum7 deviceExternalId=VMware-42 cs2Label=detail cs2=\{"os_type":800,"os_description":"Xerox Printer","segment_id":0\}$/);
    const leef = leefEncode(event);
    assert.match(leef, /\tsrc=192\.168\.1\.1\tsrcMAC=03:11:22:33:44:55\tidentHostName=nexusquantum7\tedgeSerialNumber=VMware-42\tdetail=\{"os_type":800,"os_description":"Xerox Printer","segment_id":0\}$/);
    // RFC 5424 lifts nothing by default: the whole detail travels in SD.
    assert.ok(sdEncode(event).includes(`detail="${detail.replace(/"/g, '\\"')}"`));
  });

  test('BROWSER_ENTERPRISE_LOGIN: remote IP and user name', () => {
    const detail = JSON.stringify({ userType: 'ENTERPRISE', remoteIp: '51.0.0.253', username: 'user@example.com' });
    const cef = cefEncode({ ...base, edgeName: null, event: 'BROWSER_ENTERPRISE_LOGIN', category: 'USER', severity: 'INFO', message: 'user@example.com from [51.0.0.253]', detail });
    assert.match(cef, / src=51\.0\.0\.253 suser=user@example\.com cs2Label=detail cs2=\{"userType":"ENTERPRISE"\}$/);
  });

  test('EDGE_PHYSICAL_LINK_UP: interface names', () => {
    const detail = JSON.stringify({ physicalInterface: 'eth5', logicalInterface: 'GE3', edgeSerialNumber: 'VMware-1' });
    const cef = cefEncode({ ...base, event: 'EDGE_PHYSICAL_LINK_UP', category: 'SYSTEM', severity: 'INFO', message: 'Edge  WAN link GE3 is up', detail });
    assert.match(cef, / deviceExternalId=VMware-1 cs4Label=interface cs4=GE3 cs5Label=physicalInterface cs5=eth5$/);
  });

  test('a lifted key whose standard field is already set stays in the detail; invalid typed values are not lifted', () => {
    const detail = JSON.stringify({ edgeName: 'other-edge', remoteIp: 'not-an-ip', logicalId: '88:a2:5e:e2:d1:c1:0000' });
    const cef = cefEncode({ ...base, event: 'LINK_DEAD', category: 'NETWORK', severity: 'ALERT', message: 'Link GE4 is now DEAD', detail });
    assert.match(cef, / dvchost=branch1-vedge cs2Label=detail cs2=\{"edgeName":"other-edge","remoteIp":"not-an-ip","logicalId":"88:a2:5e:e2:d1:c1:0000"\}$/);
    assert.doesNotMatch(cef, / src=/);
  });

  const odd: [string, unknown, RegExp][] = [
    ['a JSON array (REMOTE_ACTION)', '[{"action":"restartService","parameters":{}}]', / cs2=\[\{"action":"restartService","parameters":\{\}\}\]$/],
    ['plain text (EDGE_AUTO_SIM_SWITCH)', 'Auto SIM switchover disabled edgeSerialNumber: VMware-1', / cs2=Auto SIM switchover disabled edgeSerialNumber: VMware-1$/],
    ['invalid JSON (trailing space trimmed)', '{"broken": ', / cs2=\{"broken":$/],
    ['null', null, / dvchost=branch1-vedge$/],
    ['a number', 42, / cs2=42$/],
  ];
  for (const [what, detail, expected] of odd) {
    test(`detail as ${what} is carried safely`, () => {
      for (const format of FORMATS) createEncoder(vectorOptions(format))({ ...base, event: 'REMOTE_ACTION', detail } as VcoEvent);
      assert.match(cefEncode({ ...base, event: 'REMOTE_ACTION', severity: 'INFO', message: 'm', detail } as VcoEvent), expected);
    });
  }
});

describe('odd events', () => {
  test('unknown event: humanised name, severity from the VCO severity', () => {
    const cef = cefEncode({ ...base, event: 'EDGE_QUANTUM_FLUX_DETECTED', category: 'EDGE', severity: 'CRITICAL', message: 'm' });
    assert.match(cef, /\|EDGE_QUANTUM_FLUX_DETECTED\|Edge quantum flux detected\|8\|/);
    const leef = leefEncode({ ...base, event: 'NEW_THING', severity: 'BOGUS' });
    assert.match(leef, /\|NEW_THING\|devTime=1736260585000\tsev=3\t/);
  });

  test('no event name at all', () => {
    assert.match(cefEncode({ ...base, message: 'm' }), /\|UNKNOWN\|Unknown event\|3\|/);
  });

  test('logicalId-only event (newer VCO): ids come from the logicalId', () => {
    const { id: _omit, ...rest } = base;
    const event = { ...rest, logicalId: '0f4c6a0e-5d1b-4a4b-9a53-2d0e8d2c8f11', event: 'EDGE_UP', severity: 'INFO', message: 'up', created: '2025-01-07T14:36:45.000Z', enterpriseName: 'ACME' };
    assert.match(cefEncode(event), / externalId=0f4c6a0e-5d1b-4a4b-9a53-2d0e8d2c8f11 .*cs3=ACME cs6Label=eventLogicalId cs6=0f4c6a0e-5d1b-4a4b-9a53-2d0e8d2c8f11 deviceCustomDate1Label=created deviceCustomDate1=1736260605000$/);
    assert.match(leefEncode(event), /\tvcoEventId=0f4c6a0e-5d1b-4a4b-9a53-2d0e8d2c8f11\t/);
    assert.match(sdEncode(event), / eventId="0f4c6a0e-5d1b-4a4b-9a53-2d0e8d2c8f11" /);
    assert.match(createEncoder(vectorOptions('rfc3164'))(event), / velocloud: up$/);
  });
});
