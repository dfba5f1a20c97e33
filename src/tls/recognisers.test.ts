import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SignJWT, generateKeyPair } from 'jose';
import { parseAllDocuments } from 'yaml';
import { InputError } from '../evidence/facts.js';
import type { Fact, Source } from '../evidence/facts.js';
import type { FileInput } from '../evidence/offline/types.js';
import { describeCert } from './chain.js';
import { makePki } from './pki-fixture.test.js';
import type { Pki } from './pki-fixture.test.js';
import { pemChainRecogniser, sClientRecogniser, tlsRecognisers, tokenRecogniser, tokenRequestRecogniser } from './recognisers.js';
import type { TlsCertChainFact } from './recognisers.js';
import { irsaClaims } from './token.test.js';

let pki: Pki;
let jwt: string;
before(async () => {
  pki = makePki();
  const { privateKey } = await generateKeyPair('RS256');
  jwt = await new SignJWT(irsaClaims()).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
});
after(() => pki.cleanup());

const src = (path: string): Source => ({ path });

/** A text file as the offline loader hands it over (docs when it parses as JSON/YAML). */
function file(path: string, text: string): FileInput {
  let docs: Array<{ value: unknown; line: number }> | undefined;
  try {
    docs = [{ value: JSON.parse(text), line: 1 }];
  } catch {
    try {
      const parsed = parseAllDocuments(text);
      if (Array.isArray(parsed) && parsed.every((d) => d.errors.length === 0)) docs = parsed.map((d) => ({ value: d.toJS(), line: 1 }));
    } catch {
      docs = undefined;
    }
  }
  return docs ? { path, text, docs } : { path, text };
}

function only(facts: Fact[] | null): Fact {
  assert.ok(facts);
  assert.equal(facts.length, 1);
  return facts[0] as Fact;
}

/** The s_client text layout of OpenSSL 1.0/1.1 (`s:/CN=...`), which the real-capture tests do not produce. */
function oldSClient(chain: Array<{ pem: string; der: Buffer }>, showcerts: boolean, command = ''): string {
  const lines = [command, 'CONNECTED(00000003)', 'depth=0 CN = oidc.example.test', 'verify error:num=20:unable to get local issuer certificate', '---', 'Certificate chain'];
  chain.forEach((c, i) => {
    const d = describeCert(c.der);
    lines.push(` ${i} s:/${d.subject.replace(/, /g, '/')}`, `   i:/${d.issuer.replace(/, /g, '/')}`);
    if (showcerts) lines.push(c.pem.trimEnd());
  });
  lines.push('---', 'Server certificate');
  if (!showcerts) lines.push((chain[0]?.pem ?? '').trimEnd());
  lines.push('subject=/CN=oidc.example.test', '---', 'SSL handshake has read 3000 bytes and written 400 bytes', '---', 'New, TLSv1/SSLv3, Cipher is ECDHE-RSA-AES128-GCM-SHA256');
  lines.push('SSL-Session:', '    Protocol  : TLSv1.2', '    Master-Key: 0123456789ABCDEF', '    Verify return code: 21 (unable to verify the first certificate)', '---');
  return lines.join('\n');
}

describe('openssl s_client recogniser', () => {
  test('old layout with -showcerts and a pasted command line', () => {
    const text = oldSClient([pki.leaf, pki.intermediate], true, '$ openssl s_client -showcerts -servername OIDC.example.test -connect 10.1.2.3:443 </dev/null');
    const f = only(sClientRecogniser.recognise(file('s.txt', text), src('s.txt'))) as TlsCertChainFact;
    assert.equal(f.kind, 'certChain');
    assert.deepEqual(f.certs, [pki.leaf.der, pki.intermediate.der]);
    assert.equal(f.fromSClient, true);
    assert.equal(f.host, 'oidc.example.test');
    assert.equal(f.hostSource, 'servername');
    assert.equal(f.complete, true);
    assert.equal(f.listed, 2);
    assert.deepEqual(f.verifyReturn, { code: 21, text: 'unable to verify the first certificate' });
    assert.equal(f.protocol, 'TLSv1.2');
    assert.equal(JSON.stringify(f).includes('0123456789ABCDEF'), false, 'the session master key is not kept');
  });

  test('-connect host:port when there is no -servername', () => {
    const text = oldSClient([pki.leaf, pki.intermediate], true, 'openssl s_client -connect oidc.eks.us-east-1.amazonaws.com:443 -showcerts');
    const f = only(sClientRecogniser.recognise(file('s.txt', text), src('s.txt'))) as TlsCertChainFact;
    assert.equal(f.host, 'oidc.eks.us-east-1.amazonaws.com');
    assert.equal(f.hostSource, 'connect');
  });

  test('without -showcerts: only the leaf, marked incomplete', () => {
    const text = oldSClient([pki.leaf, pki.intermediate], false);
    const f = only(sClientRecogniser.recognise(file('s.txt', text), src('s.txt'))) as TlsCertChainFact;
    assert.deepEqual(f.certs, [pki.leaf.der]);
    assert.equal(f.complete, false);
    assert.match(f.incompleteReason ?? '', /listed 2 certificates .* rerun with -showcerts/);
    assert.equal(f.host, 'oidc.example.test');
    assert.equal(f.hostSource, 'certificate');
  });

  test('a server that sends only its leaf is complete', () => {
    const f = only(sClientRecogniser.recognise(file('s.txt', oldSClient([pki.leaf], false)), src('s.txt'))) as TlsCertChainFact;
    assert.equal(f.complete, true);
    assert.equal(f.listed, 1);
  });

  test('two runs in one file (issuer host and JWKS host) give two facts with their lines', () => {
    const a = oldSClient([pki.leaf, pki.intermediate], true, '$ openssl s_client -showcerts -connect oidc.example.test:443');
    const b = oldSClient([pki.intermediate, pki.root], true, '$ openssl s_client -showcerts -connect keys.example.test:443');
    const facts = sClientRecogniser.recognise(file('two.txt', `${a}\n${b}\n`), src('two.txt'));
    assert.ok(facts);
    assert.equal(facts.length, 2);
    const [f1, f2] = facts as TlsCertChainFact[];
    assert.deepEqual(f1?.certs, [pki.leaf.der, pki.intermediate.der]);
    assert.deepEqual(f2?.certs, [pki.intermediate.der, pki.root.der]);
    assert.ok((f1?.source.line ?? 0) < (f2?.source.line ?? 0));
    assert.deepEqual([f1?.host, f2?.host], ['oidc.example.test', 'keys.example.test']);
  });

  test('a failed handshake is named', () => {
    const text = 'CONNECTED(00000003)\n40B7:error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure\n---\nno peer certificate available\n---\nNo client certificate CA names sent\n';
    assert.throws(
      () => sClientRecogniser.recognise(file('f.txt', text), src('f.txt')),
      (e: unknown) => e instanceof InputError && /no peer certificate available/.test(e.message) && e.line === 1,
    );
  });

  test('a corrupted certificate inside s_client output points at its line', () => {
    const text = oldSClient([pki.leaf, pki.intermediate], true).replace(/(-----BEGIN CERTIFICATE-----\n)MI/, '$1M*');
    assert.throws(
      () => sClientRecogniser.recognise(file('c.txt', text), src('c.txt')),
      (e: unknown) => e instanceof InputError && /not base64/.test(e.message) && e.line === text.split('\n').indexOf('-----BEGIN CERTIFICATE-----') + 1,
    );
  });

  test('is not fooled by a plain PEM file', () => {
    assert.equal(sClientRecogniser.recognise(file('c.pem', pki.leaf.pem), src('c.pem')), null);
  });
});

describe('PEM chain recogniser', () => {
  test('a chain file with comments, CRLF and no final newline', () => {
    const text = `# issuer chain\r\n${pki.leaf.pem.replace(/\n/g, '\r\n')}\r\n# intermediate\r\n${pki.intermediate.pem.trimEnd()}`;
    const f = only(pemChainRecogniser.recognise(file('chain.pem', text), src('chain.pem'))) as TlsCertChainFact;
    assert.deepEqual(f, { kind: 'certChain', source: { path: 'chain.pem' }, certs: [pki.leaf.der, pki.intermediate.der], fromSClient: false });
  });

  test('leaves JSON and Kubernetes manifests that embed a PEM to their recognisers', () => {
    const json = JSON.stringify({ data: { 'ca.crt': pki.root.pem } });
    assert.equal(pemChainRecogniser.recognise(file('cm.json', json), src('cm.json')), null);
    const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kube-root-ca.crt\ndata:\n  ca.crt: |\n${pki.root.pem
      .trimEnd()
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n')}\n`;
    assert.equal(pemChainRecogniser.recognise(file('cm.yaml', yaml), src('cm.yaml')), null);
  });

  test('s_client output is not claimed twice', () => {
    assert.equal(pemChainRecogniser.recognise(file('s.txt', oldSClient([pki.leaf], true)), src('s.txt')), null);
  });

  test('a block that is DER but not a certificate is an InputError at its line', () => {
    const notCert = `\n\n-----BEGIN CERTIFICATE-----\n${Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]).toString('base64')}\n-----END CERTIFICATE-----\n`;
    assert.throws(
      () => pemChainRecogniser.recognise(file('x.pem', notCert), src('x.pem')),
      (e: unknown) => e instanceof InputError && /line 3 is not a readable X.509 certificate/.test(e.message) && e.line === 3,
    );
  });

  test('a file of keys only is not a chain', () => {
    assert.equal(pemChainRecogniser.recognise(file('k.pem', pki.leaf.keyPem), src('k.pem')), null);
  });
});

describe('token recognisers', () => {
  test('a projected token file: header and claims, no signature anywhere', () => {
    const f = only(tokenRecogniser.recognise(file('token', `${jwt}\n`), src('token')));
    assert.equal(f.kind, 'token');
    if (f.kind !== 'token') return;
    assert.equal(f.header['alg'], 'RS256');
    assert.equal(f.claims['sub'], 'system:serviceaccount:payments:api');
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const out = JSON.stringify(f);
    for (const secret of [s, jwt, `${h}.${p}`]) assert.equal(out.includes(secret), false);
    assert.deepEqual(Object.keys(f).sort(), ['claims', 'header', 'kind', 'source']);
  });

  test('a Bearer header is named, not guessed', () => {
    assert.throws(
      () => tokenRecogniser.recognise(file('t', `Bearer ${jwt}`), src('t')),
      (e: unknown) => e instanceof InputError && /remove the "Bearer " prefix/.test(e.message),
    );
  });

  test('a broken JWT is an InputError naming the broken part and the line', () => {
    const [h] = jwt.split('.') as [string];
    const broken = `\n${h}.${Buffer.from('{"sub":').toString('base64url')}.abc\n`;
    assert.throws(
      () => tokenRecogniser.recognise(file('t', broken), src('t')),
      (e: unknown) => e instanceof InputError && /^service-account token: the payload segment is not JSON/.test(e.message) && e.line === 2,
    );
  });

  test('text that is not JWT-shaped is not claimed', () => {
    for (const t of ['a.b.c\n', 'hello', 'eyJhbGciOiJSUzI1NiJ9 is a header', `{"token": "${jwt}"}`]) {
      assert.equal(tokenRecogniser.recognise(file('t', t), src('t')), null, t);
    }
  });

  test('kubectl create token -o json (TokenRequest)', () => {
    const tr = { kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { name: 'api', namespace: 'payments' }, spec: { audiences: ['sts.amazonaws.com'] }, status: { token: jwt, expirationTimestamp: '2026-01-02T00:00:00Z' } };
    const f = only(tokenRequestRecogniser.recognise(file('tr.json', JSON.stringify(tr)), src('tr.json')));
    assert.equal(f.kind, 'token');
    assert.equal(JSON.stringify(f).includes(jwt.split('.')[2] as string), false);
    const noStatus = { ...tr, status: {} };
    assert.throws(
      () => tokenRequestRecogniser.recognise(file('tr.json', JSON.stringify(noStatus)), src('tr.json')),
      (e: unknown) => e instanceof InputError && /without status.token/.test(e.message),
    );
    assert.equal(tokenRequestRecogniser.recognise(file('sa.json', JSON.stringify({ kind: 'ServiceAccount', apiVersion: 'v1', metadata: {} })), src('sa.json')), null);
  });
});

describe('every tls recogniser throws nothing but InputError', () => {
  const fragments = [
    'CONNECTED(00000003)\n',
    'Certificate chain\n',
    ' 0 s:CN = x\n   i:CN = y\n',
    'Server certificate\n',
    '---\n',
    'no peer certificate available\n',
    'Verify return code: 0 (ok)\n',
    '-----BEGIN CERTIFICATE-----\n',
    '-----END CERTIFICATE-----\n',
    '-----BEGIN TRUSTED CERTIFICATE-----\n',
    '-----BEGIN PRIVATE KEY-----\n',
    'MIIB',
    'MAMCAQU=\n',
    '\r\n',
    'eyJ',
    'eyJhbGciOiJSUzI1NiJ9',
    '.',
    'Bearer ',
    'openssl s_client -connect [::1]:443 -servername x\n',
    '{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","status":{"token":"eyJ.a.b"}}',
  ];
  const realPieces = (): string[] => [pki.leaf.pem, pki.intermediate.pem, jwt, jwt.slice(0, 40)];

  test('on text built from format fragments and noise', () => {
    const pieces = [...fragments, ...realPieces()];
    const text = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 8 })), { maxLength: 14 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, (t) => {
        for (const r of tlsRecognisers) {
          try {
            r.recognise(file('fuzz', t), src('fuzz'));
          } catch (e) {
            if (!(e instanceof InputError)) throw e;
          }
        }
      }),
      { numRuns: 1500 },
    );
  });

  test('on arbitrary structured documents', () => {
    const tokenish = fc.oneof(fc.constant(jwt), fc.string(), fc.constant('eyJ.a.b'), fc.constant(''));
    const tr = fc.record({ kind: fc.constantFrom('TokenRequest', 'Pod'), apiVersion: fc.constantFrom('authentication.k8s.io/v1', 'v1'), status: fc.oneof(fc.record({ token: fc.oneof(tokenish, fc.integer()) }), fc.jsonValue()) });
    fc.assert(
      fc.property(fc.array(fc.oneof(tr, fc.jsonValue()), { minLength: 1, maxLength: 3 }), (values) => {
        const input: FileInput = { path: 'fuzz.yaml', text: JSON.stringify(values), docs: values.map((value, i) => ({ value, line: i + 1 })) };
        for (const r of tlsRecognisers) {
          try {
            r.recognise(input, src('fuzz.yaml'));
          } catch (e) {
            if (!(e instanceof InputError)) throw e;
          }
        }
      }),
      { numRuns: 800 },
    );
  });
});
