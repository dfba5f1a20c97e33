import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import {
  describeCert,
  findInStore,
  leafMatchesHost,
  nameCoversHost,
  parsePemBundle,
  PemFormatError,
  scanPemBlocks,
  splitSubjectAltName,
  thumbprintCandidates,
  trustOfChain,
} from './chain.js';
import { CA_EXT, LEAF_EXT, makePki, openssl, opensslSha1 } from './pki-fixture.test.js';
import type { Issued, Pki } from './pki-fixture.test.js';

let pki: Pki;
let crossRoot: Issued; // "Test Root CA" (same name and key) signed by an older root
let oldRoot: Issued;
let wildcardLeaf: Issued;
let noSanLeaf: Issued;
const NOW = new Date('2030-01-01T00:00:00Z');

before(() => {
  pki = makePki();
  oldRoot = pki.issue('old-root', '/O=irsa-doctor tests/CN=Old Root CA', undefined, CA_EXT);
  crossRoot = pki.issue('cross-root', '/O=irsa-doctor tests/CN=Test Root CA', oldRoot, CA_EXT, pki.root);
  wildcardLeaf = pki.issue(
    'wild',
    '/CN=*.oidc.example.test',
    pki.intermediate,
    LEAF_EXT.replace(/subjectAltName=.*\n/, 'subjectAltName=DNS:*.oidc.example.test,IP:::1\n'),
  );
  noSanLeaf = pki.issue('nosan', '/CN=oidc.example.test', pki.intermediate, 'basicConstraints=critical,CA:FALSE\n');
});
after(() => pki.cleanup());

/** A real public root from Node's bundled store (never a leaf: none can be made for it). */
function publicRoot(): { pem: string; der: Buffer } {
  const pem = tls.rootCertificates.find((p) => new X509Certificate(p).subject.includes('ISRG Root X1')) ?? tls.rootCertificates[0];
  assert.ok(pem);
  return { pem, der: new X509Certificate(pem).raw };
}

describe('parsePemBundle', () => {
  test('reads blocks in order through CRLF, text between blocks and a missing final newline', () => {
    const text = `subject=CN = leaf\r\n${pki.leaf.pem.replace(/\n/g, '\r\n')}some note\n\n${pki.intermediate.pem.trimEnd()}`;
    const ders = parsePemBundle(text);
    assert.deepEqual(ders, [pki.leaf.der, pki.intermediate.der]);
  });

  test('reads a block pasted on one line with spaces', () => {
    const oneLine = pki.root.pem.replace(/\n/g, ' ');
    assert.deepEqual(parsePemBundle(`chain: ${oneLine} end`), [pki.root.der]);
  });

  test('cuts the OpenSSL trust settings off a TRUSTED CERTIFICATE', () => {
    const trusted = openssl(['x509', '-in', pki.root.path, '-trustout', '-addtrust', 'serverAuth']);
    assert.match(trusted, /BEGIN TRUSTED CERTIFICATE/);
    const [der] = parsePemBundle(trusted);
    assert.deepEqual(der, pki.root.der);
  });

  test('locates key blocks without decoding them', () => {
    const blocks = scanPemBlocks(pki.leaf.keyPem + pki.leaf.pem);
    assert.deepEqual(
      blocks.map((b) => [b.label, b.der !== undefined]),
      [
        ['PRIVATE KEY', false],
        ['CERTIFICATE', true],
      ],
    );
    assert.deepEqual(parsePemBundle(pki.leaf.keyPem + pki.leaf.pem), [pki.leaf.der]);
  });

  const broken: Array<[string, (pem: string) => string, RegExp, number]> = [
    ['BEGIN without END', (p) => `x\n${p.replace(/-----END CERTIFICATE-----\n?/, '')}`, /has no END/, 2],
    ['END without BEGIN', (p) => p.replace(/-----BEGIN CERTIFICATE-----/, ''), /no matching BEGIN/, -1],
    ['mismatched labels', (p) => p.replace('END CERTIFICATE', 'END PRIVATE KEY'), /is closed by "END PRIVATE KEY"/, 1],
    ['a non-base64 character', (p) => p.replace(/\n(.)/, '\n!'), /not base64: "!"/, 1],
    ['a truncated body', (p) => p.split('\n').slice(0, 4).join('\n') + '\n-----END CERTIFICATE-----\n', /truncated|not valid base64/, 1],
    ['a body that is not DER', () => '-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n', /does not hold DER/, 1],
  ];
  for (const [name, mutate, message, line] of broken) {
    test(`rejects ${name} with the line of the block`, () => {
      const text = mutate(pki.leaf.pem);
      const want = line === -1 ? text.trimEnd().split('\n').length : line; // -1: the last line
      assert.throws(
        () => parsePemBundle(text),
        (e: unknown) => e instanceof PemFormatError && message.test(e.message) && e.line === want,
      );
    });
  }
});

describe('describeCert', () => {
  test('agrees with openssl on fingerprints, names, serial and dates', () => {
    const d = describeCert(pki.intermediate.der);
    assert.equal(d.sha1, opensslSha1(pki.intermediate.path));
    const sha256 = /Fingerprint=([0-9A-F:]+)/.exec(openssl(['x509', '-in', pki.intermediate.path, '-noout', '-fingerprint', '-sha256']))?.[1];
    assert.equal(d.sha256, sha256?.replace(/:/g, '').toLowerCase());
    assert.equal(d.subject, 'O=irsa-doctor tests, CN=Test Intermediate CA');
    assert.equal(d.issuer, 'O=irsa-doctor tests, CN=Test Root CA');
    assert.equal(d.serialNumber, openssl(['x509', '-in', pki.intermediate.path, '-noout', '-serial']).trim().replace('serial=', ''));
    const end = openssl(['x509', '-in', pki.intermediate.path, '-noout', '-enddate']).trim().replace('notAfter=', '');
    assert.equal(d.notAfter, new Date(end).toISOString());
    assert.equal(d.isCA, true);
    assert.equal(d.selfSigned, false);
  });

  test('reads subjectAltNames and self-signature', () => {
    const leaf = describeCert(pki.leaf.der);
    assert.deepEqual(leaf.subjectAltNames, ['DNS:localhost', 'DNS:oidc.example.test', 'IP:127.0.0.1']);
    assert.equal(leaf.isCA, false);
    assert.equal(describeCert(pki.root.der).selfSigned, true);
    // same name and key as the root, but signed by another CA: not self-signed
    assert.equal(describeCert(crossRoot.der).selfSigned, false);
  });

  test('splits JSON-quoted SAN values the way Node prints them', () => {
    assert.deepEqual(splitSubjectAltName('DNS:a.example, DNS:"b,c.example", IP Address:10.0.0.1, URI:spiffe://x/y'), [
      'DNS:a.example',
      'DNS:b,c.example',
      'IP:10.0.0.1',
      'URI:spiffe://x/y',
    ]);
    assert.deepEqual(splitSubjectAltName(undefined), []);
  });
});

describe('thumbprintCandidates', () => {
  test('a normal chain: the last certificate sent (the intermediate), as openssl fingerprints it', () => {
    const c = thumbprintCandidates([pki.leaf.der, pki.intermediate.der], { roots: [pki.root.pem] });
    assert.equal(c.expected, opensslSha1(pki.intermediate.path));
    assert.equal(c.index, 1);
    assert.match(c.rule, /last certificate the server sends/);
    assert.deepEqual(c.caveats, []);
    assert.deepEqual(
      c.alternatives.map((a) => [a.relation, a.sha1]),
      [
        ['storeIssuer', opensslSha1(pki.root.path)],
        ['leaf', opensslSha1(pki.leaf.path)],
      ],
    );
  });

  test('without the root in the store, no store alternative is invented', () => {
    const c = thumbprintCandidates([pki.leaf.der, pki.intermediate.der]);
    assert.deepEqual(
      c.alternatives.map((a) => a.relation),
      ['leaf'],
    );
  });

  test('a server that also sends its root: the root is last, the intermediate is the alternative', () => {
    const c = thumbprintCandidates([pki.leaf.der, pki.intermediate.der, pki.root.der], { roots: [pki.root.pem] });
    assert.equal(c.expected, opensslSha1(pki.root.path));
    assert.match(c.rule, /also sends its root/);
    assert.deepEqual(
      c.alternatives.map((a) => [a.relation, a.index]),
      [
        ['topIntermediate', 1],
        ['leaf', 0],
      ],
    );
  });

  test('a cross-signed top certificate: the store root that anchors earlier is offered', () => {
    // like EKS's Amazon Root CA 1 cross-signed by Starfield: the store holds the self-signed twin
    const c = thumbprintCandidates([pki.leaf.der, pki.intermediate.der, crossRoot.der], { roots: [pki.root.pem] });
    assert.equal(c.expected, describeCert(crossRoot.der).sha1);
    const anchor = c.alternatives.find((a) => a.relation === 'storeAnchor');
    assert.equal(anchor?.sha1, opensslSha1(pki.root.path));
    assert.equal(c.alternatives.some((a) => a.relation === 'storeIssuer'), false);
  });

  test('a lone leaf: its own thumbprint, with the caveat to rerun with -showcerts', () => {
    const c = thumbprintCandidates([pki.leaf.der]);
    assert.equal(c.expected, opensslSha1(pki.leaf.path));
    assert.equal(c.caveats.length, 1);
    assert.match(c.caveats[0] ?? '', /-showcerts/);
  });

  test('a lone self-signed certificate is its own CA', () => {
    const c = thumbprintCandidates([pki.root.der]);
    assert.equal(c.expected, opensslSha1(pki.root.path));
    assert.match(c.rule, /self-signed/);
    assert.deepEqual(c.caveats, []);
    assert.deepEqual(c.alternatives, []);
  });

  test('never lists the expected value as an alternative, nor any value twice', () => {
    const chains = [
      [pki.leaf.der],
      [pki.leaf.der, pki.intermediate.der],
      [pki.leaf.der, pki.intermediate.der, pki.root.der],
      [pki.leaf.der, pki.intermediate.der, crossRoot.der, oldRoot.der],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...chains), fc.boolean(), (chain, withStore) => {
        const c = thumbprintCandidates(chain, withStore ? { roots: [pki.root.pem, oldRoot.pem] } : undefined);
        const all = [c.expected, ...c.alternatives.map((a) => a.sha1)];
        return new Set(all).size === all.length && all.every((s) => /^[0-9a-f]{40}$/.test(s));
      }),
    );
  });

  test('rejects an empty chain', () => {
    assert.throws(() => thumbprintCandidates([]), RangeError);
  });
});

describe('trustOfChain', () => {
  test('a real public root from Node\'s store is found as its own anchor', () => {
    const { der } = publicRoot();
    const t = trustOfChain([der], NOW);
    assert.equal(t.anchor?.sha1, describeCert(der).sha1);
    assert.equal(t.anchoredAt, 0);
    assert.equal(findInStore(der)?.sha1, describeCert(der).sha1);
    assert.match(t.store, /Node\.js/);
  });

  test('a self-made chain is not publicly trusted', () => {
    const t = trustOfChain([pki.leaf.der, pki.intermediate.der], NOW);
    assert.equal(t.publiclyTrusted, false);
    assert.equal(t.anchor, undefined);
    assert.deepEqual(
      t.details.map((d) => d.code),
      ['noAnchor'],
    );
    assert.equal(findInStore(pki.root.der), undefined);
  });

  test('with its root in the store, the chain is trusted and the anchor is that root', () => {
    const t = trustOfChain([pki.leaf.der, pki.intermediate.der], NOW, { roots: [pki.root.pem] });
    assert.equal(t.publiclyTrusted, true);
    assert.equal(t.anchor?.sha1, opensslSha1(pki.root.path));
    assert.equal(t.anchoredAt, 1);
    assert.deepEqual(t.problems, []);
  });

  test('the anchor is found by signature, not by name: a look-alike root does not anchor', () => {
    const impostor = pki.issue('impostor', '/O=irsa-doctor tests/CN=Test Root CA', undefined, CA_EXT);
    const t = trustOfChain([pki.leaf.der, pki.intermediate.der], NOW, { roots: [impostor.pem] });
    assert.equal(t.publiclyTrusted, false);
    assert.equal(t.anchor, undefined);
  });

  test('a cross-signed top certificate anchors at the store twin (trusted first)', () => {
    const t = trustOfChain([pki.leaf.der, pki.intermediate.der, crossRoot.der], NOW, { roots: [pki.root.pem] });
    assert.equal(t.publiclyTrusted, true);
    assert.equal(t.anchoredAt, 1);
    assert.equal(t.anchor?.sha1, opensslSha1(pki.root.path));
  });

  test('expired and not-yet-valid certificates are problems and break trust', () => {
    const late = trustOfChain([pki.leaf.der, pki.intermediate.der], new Date('2200-01-01T00:00:00Z'), { roots: [pki.root.pem] });
    assert.equal(late.publiclyTrusted, false);
    assert.deepEqual(
      late.details.map((d) => [d.code, d.index]),
      [
        ['expired', 0],
        ['expired', 1],
        ['anchorExpired', undefined],
      ],
    );
    const early = trustOfChain([pki.leaf.der], new Date('1990-01-01T00:00:00Z'), { roots: [pki.root.pem] });
    assert.deepEqual(
      early.details.map((d) => d.code),
      ['notYetValid', 'noAnchor'],
    );
  });

  test('a broken link (out of order) is reported and breaks trust below the anchor', () => {
    const t = trustOfChain([pki.leaf.der, pki.root.der, pki.intermediate.der], NOW, { roots: [pki.root.pem] });
    assert.equal(t.publiclyTrusted, false);
    assert.deepEqual(
      t.details.filter((d) => d.code === 'brokenLink').map((d) => d.index),
      [0, 1],
    );
    assert.match(t.problems[0] ?? '', /certificate 0 \(CN=oidc\.example\.test\) is not signed by certificate 1/);
  });
});

describe('leafMatchesHost', () => {
  const cases: Array<[string, () => Buffer, string, boolean]> = [
    ['exact DNS name', () => pki.leaf.der, 'oidc.example.test', true],
    ['case and trailing dot', () => pki.leaf.der, 'OIDC.Example.Test.', true],
    ['IP SAN', () => pki.leaf.der, '127.0.0.1', true],
    ['other host', () => pki.leaf.der, 'oidc.example.com', false],
    ['IP not listed', () => pki.leaf.der, '10.0.0.1', false],
    ['wildcard one label', () => wildcardLeaf.der, 'abc.oidc.example.test', true],
    ['wildcard does not cover the bare domain', () => wildcardLeaf.der, 'oidc.example.test', false],
    ['wildcard covers one label only', () => wildcardLeaf.der, 'a.b.oidc.example.test', false],
    ['IPv6 SAN, any spelling', () => wildcardLeaf.der, '[0:0:0:0:0:0:0:1]', true],
    ['CN without SAN is not used', () => noSanLeaf.der, 'oidc.example.test', false],
  ];
  for (const [name, der, host, expected] of cases) {
    test(`${name}: ${host} -> ${expected}`, () => {
      const m = leafMatchesHost([der()], host);
      assert.equal(m.matches, expected, m.reason);
      if (expected) assert.ok(m.matchedName);
    });
  }

  test('explains a certificate without SANs', () => {
    assert.match(leafMatchesHost([noSanLeaf.der], 'oidc.example.test').reason, /no DNS or IP subjectAltName/);
  });

  test('agrees with tls.checkServerIdentity on DNS names and whole-label wildcards', () => {
    const label = fc.stringMatching(/^[a-z0-9]{1,3}$/);
    const name = fc.array(label, { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(name, name, fc.boolean(), fc.boolean(), (h, p, wild, sameTail) => {
        const tail = sameTail ? h.slice(1) : p.slice(1);
        const pattern = [wild ? '*' : (p[0] as string), ...tail].join('.');
        const host = h.join('.');
        const cert = { subject: {}, subjectaltname: `DNS:${pattern}` } as unknown as tls.PeerCertificate;
        const node = tls.checkServerIdentity(host, cert) === undefined;
        return node === nameCoversHost(`DNS:${pattern}`, host);
      }),
      { numRuns: 1000 },
    );
  });
});
