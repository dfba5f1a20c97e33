import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import type { CryptoKey } from 'jose';
import { AWS_EXPIRY_LEEWAY_SECONDS, TokenFormatError, decodeToken, jwtCandidate, parseServiceAccountSubject, summariseClaims } from './token.js';

const ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
const IAT = 1_767_225_600; // 2026-01-01T00:00:00Z

/** The claims a projected IRSA token carries (aws-behavior.md section 9). */
export function irsaClaims(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: ['sts.amazonaws.com'],
    exp: IAT + 86400,
    iat: IAT,
    iss: ISSUER,
    jti: '5f2d3c4b-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
    'kubernetes.io': {
      namespace: 'payments',
      node: { name: 'ip-10-0-1-23.eu-west-1.compute.internal', uid: 'a1b2' },
      pod: { name: 'api-7d9f8-x2x4z', uid: '9c8b7a' },
      serviceaccount: { name: 'api', uid: '1d2c3b' },
    },
    nbf: IAT,
    sub: 'system:serviceaccount:payments:api',
    ...over,
  };
}

let key: CryptoKey;
before(async () => {
  ({ privateKey: key } = await generateKeyPair('RS256'));
});

async function sign(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k8s-key-1' }).sign(key);
}

function b64(o: unknown): string {
  return Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
}

describe('decodeToken', () => {
  test('decodes a signed token exactly as jose does, and returns no signature', async () => {
    const jwt = await sign(irsaClaims());
    const d = decodeToken(jwt);
    assert.deepEqual(d.claims, decodeJwt(jwt));
    assert.deepEqual(d.header, decodeProtectedHeader(jwt));
    assert.equal(d.signed, true);
    const signature = jwt.split('.')[2] as string;
    assert.equal(JSON.stringify(d).includes(signature), false);
    assert.deepEqual(Object.keys(d).sort(), ['claims', 'header', 'signed']);
  });

  test('an unsecured token (empty signature) decodes as unsigned', () => {
    const d = decodeToken(`${b64({ alg: 'none' })}.${b64({ sub: 'x' })}.`);
    assert.equal(d.signed, false);
    assert.deepEqual(d.claims, { sub: 'x' });
  });

  const bad: Array<[string, string, TokenFormatError['part'], RegExp]> = [
    ['two segments', `${b64({ alg: 'RS256' })}.${b64({})}`, 'token', /3 dot-separated segments .*, found 2/],
    ['a JWE', 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d', 'token', /encrypted JWT/],
    ['standard base64 in the header', `${b64({ alg: 'RS256' })}+.${b64({})}.sig`, 'header', /standard base64/],
    ['padding in the payload', `${b64({ alg: 'RS256' })}.${b64({ a: 1 })}==.sig`, 'payload', /"=" padding/],
    ['a payload that is not JSON', `${b64({ alg: 'RS256' })}.${b64('{"sub": ')}.sig`, 'payload', /payload segment is not JSON/],
    ['a header that is a JSON array', `${b64([1])}.${b64({})}.sig`, 'header', /JSON but not an object/],
    ['a payload that is not UTF-8', `${b64({ alg: 'RS256' })}.${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}.sig`, 'payload', /UTF-8/],
    ['a truncated payload', `${b64({ alg: 'RS256' })}.${b64({ sub: 'abc' }).slice(0, 5)}.sig`, 'payload', /impossible base64url length/],
    ['a broken signature', `${b64({ alg: 'RS256' })}.${b64({})}.si*g`, 'signature', /signature segment is not base64url/],
  ];
  for (const [name, jwt, part, message] of bad) {
    test(`rejects ${name}, naming the ${part}`, () => {
      assert.throws(
        () => decodeToken(jwt),
        (e: unknown) => e instanceof TokenFormatError && e.part === part && message.test(e.message),
      );
    });
  }
});

describe('jwtCandidate', () => {
  test('accepts a token with a trailing newline or wrapped by a terminal', async () => {
    const jwt = await sign(irsaClaims());
    assert.equal(jwtCandidate(`\n${jwt}\n`), jwt);
    assert.equal(jwtCandidate(`${jwt.slice(0, 50)}\n${jwt.slice(50, 120)}\r\n${jwt.slice(120)}`), jwt);
  });
  test('ignores text that is not JWT-shaped', () => {
    for (const t of ['a.b.c', 'eyJ only', 'eyJa.b', 'eyJa.b.c d e', '{"token":"eyJa.b.c"}', '']) {
      assert.equal(jwtCandidate(t), undefined, t);
    }
  });
});

describe('summariseClaims', () => {
  test('summarises a projected IRSA token', () => {
    const s = summariseClaims(irsaClaims(), new Date((IAT + 3600) * 1000));
    assert.equal(s.iss, ISSUER);
    assert.equal(s.sub, 'system:serviceaccount:payments:api');
    assert.deepEqual(s.aud, ['sts.amazonaws.com']);
    assert.equal(s.expiresIn, 86400 - 3600);
    assert.equal(s.lifetimeSeconds, 86400);
    assert.equal(s.expiresAt, '2026-01-02T00:00:00.000Z');
    assert.equal(s.issuedAt, '2026-01-01T00:00:00.000Z');
    assert.equal(s.expired, false);
    assert.deepEqual(s.aws, { leewaySeconds: 300, rejectedAsExpired: false });
    assert.deepEqual(s.subject, { namespace: 'payments', serviceAccount: 'api' });
    assert.deepEqual(s.kubernetes, {
      namespace: 'payments',
      serviceAccount: 'api',
      serviceAccountUid: '1d2c3b',
      pod: 'api-7d9f8-x2x4z',
      podUid: '9c8b7a',
      node: 'ip-10-0-1-23.eu-west-1.compute.internal',
    });
    assert.deepEqual(s.problems, []);
  });

  const exp = IAT + 600;
  const timing: Array<[string, number, boolean, boolean]> = [
    ['one second before exp', exp - 1, false, false],
    ['at exp (RFC 7519: expired)', exp, true, false],
    ['inside AWS\'s 5 minute leeway', exp + AWS_EXPIRY_LEEWAY_SECONDS, true, false],
    ['past the leeway', exp + AWS_EXPIRY_LEEWAY_SECONDS + 1, true, true],
  ];
  for (const [name, now, expired, rejected] of timing) {
    test(`expiry ${name}`, () => {
      const s = summariseClaims(irsaClaims({ exp }), new Date(now * 1000));
      assert.equal(s.expired, expired);
      assert.equal(s.aws.rejectedAsExpired, rejected);
      assert.equal(s.expiresIn, exp - now);
    });
  }

  test('a single-string aud becomes one entry; nbf in the future is not yet valid', () => {
    const s = summariseClaims(irsaClaims({ aud: 'sts.amazonaws.com', nbf: IAT + 100 }), new Date(IAT * 1000));
    assert.deepEqual(s.aud, ['sts.amazonaws.com']);
    assert.equal(s.notYetValid, true);
  });

  test('reports wrong types, missing claims and disagreeing identities', () => {
    const claims = irsaClaims({ exp: '1767312000', aud: undefined, iss: undefined, sub: 'system:serviceaccount:default:api' });
    delete claims['aud'];
    delete claims['iss'];
    const s = summariseClaims(claims, new Date(IAT * 1000));
    assert.equal(s.exp, undefined);
    assert.equal(s.expired, false);
    assert.deepEqual(s.problems, [
      'claim "exp" is a string ("1767312000"), expected a number of seconds since the epoch',
      'no "iss" claim',
      'no "aud" claim (STS: "Missing a required claim: aud")',
      '"sub" names namespace default but kubernetes.io.namespace is payments',
    ]);
  });

  test('a subject that is not a service account is named', () => {
    const s = summariseClaims({ sub: 'user@example.com', aud: ['x'], iss: 'https://i', exp: IAT }, new Date(IAT * 1000));
    assert.equal(s.subject, undefined);
    assert.match(s.problems.join('\n'), /not system:serviceaccount:<namespace>:<name>/);
  });

  test('parseServiceAccountSubject', () => {
    assert.deepEqual(parseServiceAccountSubject('system:serviceaccount:kube-system:aws-node'), { namespace: 'kube-system', serviceAccount: 'aws-node' });
    assert.equal(parseServiceAccountSubject('system:serviceaccount:ns'), undefined);
    assert.equal(parseServiceAccountSubject('system:serviceaccount:ns:a:b'), undefined);
  });
});
