// The catalogue holds itself to the check catalogue and to its own template rules, and every
// entry is reachable from a pasted text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCheckId } from '../checks/catalogue.js';
import { ERRORS, explain, type EntryId, type Condition, type ExplainOptions } from './index.js';

/** One pasted text per entry; typed by entry id so a new entry without a sample does not compile. */
const SAMPLE: Record<EntryId, string | [string, ExplainOptions]> = {
  'sts-role-arn-invalid': 'An error occurred (ValidationError) when calling the AssumeRoleWithWebIdentity operation: Request ARN is invalid',
  'sts-no-oidc-provider': 'InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.us-east-1.amazonaws.com/id/ABC',
  'sts-incorrect-audience': 'InvalidIdentityToken: Incorrect token audience',
  'sts-missing-aud-claim': 'InvalidIdentityToken: Missing a required claim: aud',
  'sts-thumbprint-mismatch': "InvalidIdentityToken: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
  'sts-jwks-unreachable': "InvalidIdentityToken: Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
  'sts-token-expired': 'ExpiredTokenException: Token expired: current date/time 1731098245 must be before the expiration date/time 1731095240',
  'sts-not-authorized-web-identity': 'AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity',
  'sts-duration-exceeds-max': 'ValidationError: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
  'sts-region-disabled': 'RegionDisabledException: STS is not activated in this region for account:111122223333. Your account administrator can activate STS in this region using the IAM Console.',
  'sts-invalid-identity-token': 'InvalidIdentityToken: something STS never said before',
  'credential-scope-invalid-region': 'SignatureDoesNotMatch: Credential should be scoped to a valid region.',
  'security-token-invalid': 'InvalidClientTokenId: The security token included in the request is invalid',
  'security-token-expired': 'ExpiredToken: The security token included in the request is expired',
  'session-token-rejected-in-region': 'InvalidToken: The provided token is malformed or otherwise invalid.',
  'sts-endpoint-unreachable': 'Post "https://sts.amazonaws.com/": dial tcp 52.94.241.129:443: i/o timeout',
  'imds-unreachable': 'Get "http://169.254.169.254/latest/api/token": dial tcp 169.254.169.254:80: i/o timeout',
  'pod-identity-agent-unreachable': 'dial tcp 169.254.170.23:80: connect: connection refused',
  'token-file-permission-denied': 'open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied',
  'token-file-missing': 'open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: no such file or directory',
  'credential-chain-exhausted': 'no EC2 IMDS role found',
  'java-sts-module-missing': "To use web identity tokens, the 'sts' service module must be on the class path.",
  'java-web-identity-env-missing': 'WebIdentityTokenCredentialsProvider(): Either the environment variable AWS_WEB_IDENTITY_TOKEN_FILE or the javaproperty aws.webIdentityTokenFile must be set.',
  'pod-identity-old-sdk': 'invalid endpoint host, "169.254.170.23", only loopback hosts are allowed',
  'pod-identity-unauthorized': '(AccessDeniedException): Unauthorized Exception! EKS does not have permissions to assume the associated role., fault: client',
  'pod-identity-token-invalid': 'Service account token cannot be empty',
  'app-access-denied-node-role': 'User: arn:aws:sts::111122223333:assumed-role/ng-NodeInstanceRole-X/i-0123456789abcdef0 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k',
  'app-access-denied-other-role': [
    'User: arn:aws:sts::111122223333:assumed-role/old-role/my-session is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k',
    { expectedRoleArn: 'arn:aws:iam::111122223333:role/new-role' },
  ],
  'app-access-denied-irsa-role': 'User: arn:aws:sts::111122223333:assumed-role/app/botocore-session-1700000000 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k',
  'app-access-denied-unknown-role': 'User: arn:aws:sts::111122223333:assumed-role/app/my-session is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k',
  'app-access-denied-iam-user': 'User: arn:aws:iam::111122223333:user/bob is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k',
};

test('catalogue: ids are unique kebab-case', () => {
  const ids = ERRORS.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[a-z0-9]+(?:-[a-z0-9]+)*$/);
});

test('catalogue: every entry has at least one cause and names only existing check ids', () => {
  for (const e of ERRORS) {
    assert.ok(e.causes.length > 0, `${e.id} has no cause`);
    for (const c of e.causes) assert.ok(isCheckId(c.check), `${e.id}: unknown check ${c.check}`);
    for (const r of 'reorder' in e ? e.reorder : []) for (const c of r.first) assert.ok(isCheckId(c), `${e.id}: reorder names unknown check ${c}`);
  }
});

test('catalogue: every entry has a title, a meaning, evidence to collect and a source', () => {
  for (const e of ERRORS) {
    assert.ok(e.title.length > 10, e.id);
    assert.ok(e.meaning.length > 20, e.id);
    assert.ok(e.collect.length > 0, `${e.id} collects nothing`);
    assert.ok(e.sources.length > 0, `${e.id} has no source`);
  }
});

test('catalogue: supersedes only names existing entries', () => {
  const ids = new Set<string>(ERRORS.map((e) => e.id));
  for (const e of ERRORS) {
    if (!('supersedes' in e)) continue;
    for (const s of e.supersedes.ids) assert.ok(ids.has(s) && s !== (e.id as string), `${e.id} supersedes ${s}`);
  }
});

function conditionsOf(e: (typeof ERRORS)[number]): Condition[] {
  const out: Condition[] = [];
  for (const c of e.causes) if ('onlyWhen' in c) out.push(c.onlyWhen);
  for (const r of 'reorder' in e ? e.reorder : []) out.push(r.when);
  return out;
}

test('catalogue: whatever the values, at least one cause remains', () => {
  for (const e of ERRORS) {
    const conds = conditionsOf(e);
    // Each key absent, and each key at each value its conditions name. A key that some condition
    // enumerates (oneOf) only takes those values: detectors produce nothing else for it.
    const enumerated = new Set(conds.filter((c) => 'oneOf' in c).map((c) => c.key));
    const variants: Array<Record<string, string>> = [{}];
    for (const c of conds) {
      if ('oneOf' in c) for (const v of c.oneOf) variants.push({ [c.key]: v });
      if ('below' in c) variants.push({ [c.key]: String(c.below - 1) }, { [c.key]: String(c.below) });
      if ('atLeast' in c) variants.push({ [c.key]: String(c.atLeast) });
      if ('present' in c && !enumerated.has(c.key)) variants.push({ [c.key]: 'x' });
    }
    for (const v of variants) {
      const remaining = e.causes.filter((c) => !('onlyWhen' in c) || holds(c.onlyWhen, v));
      assert.ok(remaining.length > 0, `${e.id} with ${JSON.stringify(v)} has no cause`);
    }
  }
});

function holds(c: Condition, v: Record<string, string>): boolean {
  const value = v[c.key];
  if ('present' in c) return (value !== undefined) === c.present;
  if (value === undefined) return false;
  if ('oneOf' in c) return c.oneOf.includes(value);
  if ('atLeast' in c) return Number(value) >= c.atLeast;
  return Number(value) < c.below;
}

test('catalogue: every entry is recognised from a pasted sample, and renders without template debris', () => {
  for (const e of ERRORS) {
    const sample = SAMPLE[e.id];
    const got = typeof sample === 'string' ? explain(sample) : explain(sample[0], sample[1]);
    assert.equal(got[0]?.id, e.id, `${e.id}: sample gave ${JSON.stringify(got.map((m) => m.id))}`);
    const m = got[0];
    assert.ok(m);
    const all = [m.meaning, ...m.causes.map((c) => c.why), ...m.collect].join('\n');
    assert.doesNotMatch(all, /\{\{|\}\}|\[\[|\]\]/, e.id);
  }
});

test('catalogue: the JSON contract fields are present on every match', () => {
  for (const e of ERRORS) {
    const sample = SAMPLE[e.id];
    const m = (typeof sample === 'string' ? explain(sample) : explain(sample[0], sample[1]))[0];
    assert.ok(m);
    const json = JSON.parse(JSON.stringify({ matches: [m] })) as { matches: Array<{ id: string; title: string; causes: Array<{ check: string; why: string }> }> };
    const first = json.matches[0];
    assert.ok(first);
    assert.equal(typeof first.id, 'string');
    assert.equal(typeof first.title, 'string');
    assert.ok(first.causes.length > 0);
    for (const c of first.causes) {
      assert.ok(isCheckId(c.check));
      assert.equal(typeof c.why, 'string');
    }
  }
});
