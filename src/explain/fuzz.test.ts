// Property tests: explain never throws, stays fast on megabytes of noise (including noise made of
// the very literals the detectors look for), and finds a known error wherever it is buried.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCheckId } from '../checks/catalogue.js';
import { ERRORS, explain, explainStsError, type ExplainMatch } from './index.js';

const IDS = new Set<string>(ERRORS.map((e) => e.id));

/** Pieces of real errors and of their wrappers: random concatenations of these reach the detectors' corner cases. */
const FRAGMENTS = [
  'InvalidIdentityToken', ': ', 'Incorrect token audience', 'No OpenIDConnect provider found in your account for ', 'https://',
  'oidc.eks.us-east-1.amazonaws.com/id/', 'ABC123', 'sts.amazonaws.com', 'sts.eu-west-1.amazonaws.com:443', 'Post "https://', '": dial tcp 1.2.3.4:443: ',
  'i/o timeout', 'Token expired: current date/time ', '1700000000', ' must be before the expiration date/time ', 'User: ', 'arn:aws:sts::111122223333:',
  'assumed-role/', 'NodeInstanceRole', '/i-0123456789abcdef0', ' is not authorized to perform: ', 's3:GetObject', ' on resource: ', 'arn:aws:s3:::b/k',
  '/var/run/secrets/eks.amazonaws.com/', 'serviceaccount/token', ': permission denied', 'no such file or directory', '169.254.170.23', '169.254.169.254',
  'connection refused', '\\n', '\\t', '\\"', '\\\\', '\\u003c', '\n', '\n\n', ' ', '"', "'", '`', 'Value \'', "' at 'roleArn' failed to satisfy",
  'Not authorized to perform sts:AssumeRoleWithWebIdentity', 'Credential should be scoped to a valid region', ", not '", 'operation error S3: GetObject, ',
  'An error occurred (', ') when calling the ', ' operation: ', '(Service: Sts, Status Code: 400, Request ID: ', 'request id: ', 'İ', '😀', '\u0000',
];

function wellFormed(matches: ExplainMatch[], input: string): void {
  let lastStart = -1;
  for (const m of matches) {
    assert.ok(IDS.has(m.id), m.id);
    assert.ok(m.causes.length > 0, `${m.id} without causes`);
    for (const c of m.causes) assert.ok(isCheckId(c.check), c.check);
    assert.ok(m.count >= 1);
    assert.ok(m.start >= 0 && m.start <= m.end && m.end <= input.length, `${m.id} offsets ${m.start}-${m.end} in ${input.length}`);
    assert.ok(m.start >= lastStart, 'ordered by position');
    lastStart = m.start;
    assert.ok(m.excerpt.length <= 310);
  }
}

test('fuzz: never throws on arbitrary text, and returns well-formed matches', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (s) => {
      wellFormed(explain(s), s);
    }),
    { numRuns: 300 },
  );
});

test('fuzz: never throws on concatenations of error fragments', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 12 })), { maxLength: 120 }), (parts) => {
      const s = parts.join('');
      wellFormed(explain(s, { expectedRoleArn: 'arn:aws:iam::111122223333:role/app' }), s);
    }),
    { numRuns: 500 },
  );
});

test('fuzz: explainStsError never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 400 }), (code, message) => {
      const m = explainStsError(code, message);
      if (m) assert.ok(IDS.has(m.id));
    }),
    { numRuns: 300 },
  );
});

const MB = 1 << 20;
// A hang (catastrophic backtracking) is caught by the test timeouts below; speed itself is
// measured by scripts/bench-explain.ts, not asserted here.
const HANG_GUARD = { timeout: 60_000 };

test('fuzz: a megabyte of random junk or of repeated error fragments finishes', HANG_GUARD, () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 30 })), { minLength: 1, maxLength: 40 }),
      (parts) => {
        const unit = parts.join('') || 'x';
        const s = unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
        const matches = explain(s);
        wellFormed(matches, s);
      },
    ),
    { numRuns: 12 },
  );
});

test('fuzz: hand-picked worst cases finish', HANG_GUARD, () => {
  const rep = (u: string): string => u.repeat(Math.ceil(MB / u.length)).slice(0, MB);
  const cases = [
    '\\'.repeat(MB),
    rep('\\n\\t\\"\\u003c'),
    rep('/a') + 'serviceaccount/token: permission denied',
    rep('User: arn:aws:sts::111122223333:'),
    rep('https://sts.amazonaws.com:443 '),
    rep('Post "https://sts.amazonaws.com/": i/o timeout '),
    rep('InvalidIdentityToken\n\n'),
    rep("Value '" + 'x'.repeat(290) + "' at 'roleArn' failed to satisfy "),
    rep('No OpenIDConnect provider found in your account for https://' + 'a'.repeat(290)),
    'a'.repeat(MB),
    rep("To use web identity tokens, the 'sts' service module must be on the class path. Unable to load credentials from any of the providers in the chain "),
    rep('\n\n\n'),
  ];
  for (const s of cases) {
    const matches = explain(s);
    wellFormed(matches, s);
  }
});

/** Known errors in several wrappings, and the entry each must produce wherever it sits. */
const KNOWN: Array<[string, string]> = [
  [String.raw`WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.us-east-1.amazonaws.com/id/ABCDEF\n\tstatus code: 400, request id: 3714365f-c50b-4cae-b958-917eb6a34b50`, 'sts-no-oidc-provider'],
  ['An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience', 'sts-incorrect-audience'],
  ['software.amazon.awssdk.services.sts.model.InvalidIdentityTokenException: Incorrect token audience (Service: Sts, Status Code: 400, Request ID: 5a7b9c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d)', 'sts-incorrect-audience'],
  ['operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 403, RequestID: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0, api error AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity', 'sts-not-authorized-web-identity'],
  ['s.a.a.s.s.m.ExpiredTokenException: Token expired: current date/time 1731098245 must be before the expiration date/time 1731095240 (Service: Sts, Status Code: 400, Request ID: 22679931-6a1d-4db3-abd0-a189de181809)', 'sts-token-expired'],
  ['WebIdentityErr: failed to retrieve credentials\ncaused by: RequestError: send request failed\ncaused by: Post "https://sts.amazonaws.com/": dial tcp 52.94.241.129:443: i/o timeout', 'sts-endpoint-unreachable'],
  ["Error: EACCES: permission denied, open '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'", 'token-file-permission-denied'],
  ['User: arn:aws:sts::111122223333:assumed-role/app-s3-reader/botocore-session-1700000000 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::my-bucket/data.csv', 'app-access-denied-irsa-role'],
  ['User: arn:aws:sts::111122223333:assumed-role/eksctl-prod-nodegroup-ng-NodeInstanceRole-ABC/i-0cee646fefe9d6da9 is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:111122223333:q', 'app-access-denied-node-role'],
  ['CredentialsProviderError: Could not load credentials from any providers', 'credential-chain-exhausted'],
  ['(AccessDeniedException): Unauthorized Exception! EKS does not have permissions to assume the associated role., fault: client', 'pod-identity-unauthorized'],
];

test('fuzz: a known error embedded in random log noise is still found', () => {
  const noise = fc.string({ unit: 'grapheme-ascii', maxLength: 3000 });
  fc.assert(
    fc.property(noise, noise, fc.constantFrom(...KNOWN), (before, after, [error, id]) => {
      const text = `${before}\n${error}\n${after}`;
      const got = explain(text);
      assert.ok(got.some((m) => m.id === id), `${id} not found in ${JSON.stringify(got.map((m) => m.id))}`);
      wellFormed(got, text);
    }),
    { numRuns: 400 },
  );
});

test('fuzz: a known error inside a JSON log line (escaped) among JSON noise is still found', () => {
  const word = fc.string({ unit: 'grapheme-ascii', maxLength: 40 });
  fc.assert(
    fc.property(fc.array(word, { maxLength: 30 }), fc.constantFrom(...KNOWN), (words, [error, id]) => {
      const lines = words.map((w, i) => JSON.stringify({ level: 'info', i, msg: w }));
      lines.splice(Math.floor(lines.length / 2), 0, JSON.stringify({ level: 'error', msg: 'call failed', error }));
      const text = lines.join('\n');
      assert.ok(explain(text).some((m) => m.id === id), `${id} not found`);
    }),
    { numRuns: 300 },
  );
});

test('offsets stay inside the text when lower-casing changes lengths (found by fuzzing: "İ")', () => {
  const s = 'İconnection refused169.254.170.23';
  const m = explain(s);
  assert.ok(m.length >= 1);
  for (const x of m) assert.ok(x.end <= s.length && x.start >= 0, `${x.start}-${x.end} in ${s.length}`);
});
