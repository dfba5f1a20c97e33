// The lab's certificate authority: a root, an intermediate and leaf certificates for the lab's
// hosts, generated in-process with WebCrypto keys (@peculiar/x509). Every lab server presents a
// leaf plus the intermediate, like a real server; the root is what clients are told to trust
// (AWS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, the kubeconfig's certificate-authority-data).

import 'reflect-metadata';
import { webcrypto, createHash, X509Certificate as NodeX509 } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;

export interface CertAndKey {
  certPem: string;
  keyPem: string;
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

export interface Leaf {
  /** Leaf then intermediate: what the server sends. */
  chainPem: string;
  keyPem: string;
  hosts: string[];
}

export interface LabPki {
  root: CertAndKey;
  intermediate: CertAndKey;
  /** The root only: the trust anchor to hand to clients. */
  caPem: string;
  /** SHA-1 of the intermediate, the last certificate the servers send: AWS's thumbprint rule. */
  thumbprint: string;
  issueLeaf(hosts: string[]): Promise<Leaf>;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

async function keyPem(k: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', k as webcrypto.CryptoKey));
}

const YEAR = 365 * 24 * 3600 * 1000;
let serial = Date.now();
const nextSerial = () => (serial++).toString(16).padStart(16, '0');

async function makeCa(name: string, issuer?: CertAndKey, pathLength?: number): Promise<CertAndKey> {
  const keys = (await webcrypto.subtle.generateKey(issuer ? ALG : RSA, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  const notAfter = new Date(Date.now() + 20 * YEAR);
  const extensions = [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const cert = issuer
    ? await x509.X509CertificateGenerator.create({
        serialNumber: nextSerial(),
        subject: name,
        issuer: issuer.cert.subject,
        notBefore,
        notAfter,
        signingAlgorithm: issuer.keys.privateKey.algorithm.name === 'ECDSA' ? ALG : RSA,
        publicKey: keys.publicKey,
        signingKey: issuer.keys.privateKey,
        extensions: [...extensions, await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey)],
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: nextSerial(), name, notBefore, notAfter, signingAlgorithm: RSA, keys, extensions });
  return { cert, keys, certPem: cert.toString('pem') + '\n', keyPem: await keyPem(keys.privateKey) };
}

/** Creates a fresh lab CA: `<name> Root CA` -> `<name> Issuing CA`. */
export async function createLabPki(name = 'irsa-doctor lab'): Promise<LabPki> {
  const root = await makeCa(`CN=${name} Root CA, O=irsa-doctor lab`);
  const intermediate = await makeCa(`CN=${name} Issuing CA, O=irsa-doctor lab`, root, 0);
  const thumbprint = createHash('sha1').update(Buffer.from(intermediate.cert.rawData)).digest('hex');
  return {
    root,
    intermediate,
    caPem: root.certPem,
    thumbprint,
    async issueLeaf(hosts: string[]): Promise<Leaf> {
      const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
      const names = hosts.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h }));
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: nextSerial(),
        subject: `CN=${hosts[0] ?? 'localhost'}`,
        issuer: intermediate.cert.subject,
        notBefore: new Date(Date.now() - 24 * 3600 * 1000),
        notAfter: new Date(Date.now() + 2 * YEAR),
        signingAlgorithm: ALG,
        publicKey: keys.publicKey,
        signingKey: intermediate.keys.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
          new x509.SubjectAlternativeNameExtension(names, false),
          await x509.AuthorityKeyIdentifierExtension.create(intermediate.keys.publicKey),
        ],
      });
      return { chainPem: cert.toString('pem') + '\n' + intermediate.certPem, keyPem: await keyPem(keys.privateKey), hosts };
    },
  };
}

/** SHA-1 thumbprint of a PEM certificate, lower-case hex, as IAM stores it. */
export function thumbprintOf(certPem: string): string {
  return createHash('sha1').update(new NodeX509(certPem).raw).digest('hex');
}
