/**
 * A throw-away PKI for TLS tests, made with the openssl CLI in a temp dir (once per process):
 * a CA, a server certificate for localhost / 127.0.0.1 signed by it, a client certificate signed by it
 * (mutual TLS), and a self-signed server certificate nobody trusts. EC P-256 keys in PKCS#8 PEM.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  dir: string;
  /** File paths (what SIEM_TLS_CA / SIEM_TLS_CERT / SIEM_TLS_KEY take). */
  caCertFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  selfSignedCertFile: string;
  selfSignedKeyFile: string;
  /** PEM contents, for node:tls servers. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  selfSignedCert: string;
  selfSignedKey: string;
}

let pki: Promise<TestPki> | undefined;

/** The shared test PKI; created on first use, removed when the process exits. */
export function testPki(): Promise<TestPki> {
  pki ??= createPki();
  return pki;
}

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr ?? String(error)}`);
  }
}

async function newKey(dir: string, name: string): Promise<string> {
  await openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
  return join(dir, `${name}.key`);
}

/** Key + CSR + certificate signed by `issuer` (or by itself), with the extensions given. */
async function certificate(dir: string, name: string, subject: string, extensions: string[], issuer?: string): Promise<void> {
  await newKey(dir, name);
  await openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
  await writeFile(join(dir, `${name}.ext`), `${extensions.join('\n')}\n`);
  const signing = issuer ? ['-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial'] : ['-signkey', `${name}.key`];
  await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, ...signing, '-days', '825', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`]);
}

async function createPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'vco-siem-pki-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const leaf = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid'];
  const serverNames = 'subjectAltName=DNS:localhost,IP:127.0.0.1';
  await certificate(dir, 'ca', '/O=vco-siem tests/CN=vco-siem test CA', ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash']);
  await certificate(dir, 'server', '/O=vco-siem tests/CN=localhost', [...leaf, 'extendedKeyUsage=serverAuth', serverNames], 'ca');
  await certificate(dir, 'client', '/O=vco-siem tests/CN=vco-siem-client', [...leaf, 'extendedKeyUsage=clientAuth'], 'ca');
  await certificate(dir, 'selfsigned', '/O=nobody/CN=localhost', ['basicConstraints=critical,CA:FALSE', 'extendedKeyUsage=serverAuth', serverNames]);
  const file = (name: string): string => join(dir, name);
  const text = (name: string): Promise<string> => readFile(file(name), 'utf8');
  return {
    dir,
    caCertFile: file('ca.pem'),
    serverCertFile: file('server.pem'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client.key'),
    selfSignedCertFile: file('selfsigned.pem'),
    selfSignedKeyFile: file('selfsigned.key'),
    caCert: await text('ca.pem'),
    serverCert: await text('server.pem'),
    serverKey: await text('server.key'),
    clientCert: await text('client.pem'),
    clientKey: await text('client.key'),
    selfSignedCert: await text('selfsigned.pem'),
    selfSignedKey: await text('selfsigned.key'),
  };
}
