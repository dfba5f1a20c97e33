// Property tests (fast-check): the parsers and the evaluator never throw on arbitrary input, the
// evaluator's decision is consistent with its own per-statement explanation, negated operators are
// the negation of their positive forms, and wildcard matching agrees with a regex oracle.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  OPERATORS,
  PARTITIONS,
  compareIssuers,
  evaluateIdentityPolicies,
  evaluatePolicy,
  explainEvaluation,
  nearMissIssuer,
  parseArn,
  parseClusterArn,
  parseIssuer,
  parsePolicyDocument,
  parseProviderArn,
  parseRoleArn,
  partitionOfRegion,
  patternMatch,
  providerArn,
  roleArn,
  wildcardMatch,
  type PartitionId,
  type PolicyEvaluation,
  type Request,
} from './index.js';

const HP = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E';
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${HP}`;

// Strings that reach deep into the ARN / issuer parsers, plus fully arbitrary ones.
const arnish = fc
  .array(
    fc.constantFrom('arn', ':', 'aws', 'aws-cn', 'iam', 'sts', 'eks', 'role', 'role/', 'user/', 'instance-profile/', 'assumed-role/', 'cluster/', 'oidc-provider/', '/', '"', "'", ' ', '\n', '111122223333', 'us-east-1', 'https://', 'oidc.eks.', 'amazonaws.com', '.cn', '/id/', 'ABC', ':8443', '?', '#', '@', '*', 'é', '\u0000'),
    { maxLength: 14 },
  )
  .map((a) => a.join(''));
const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), arnish);

test('ARN, role ARN, cluster ARN, issuer and provider parsers never throw', () => {
  fc.assert(
    fc.property(anyString, anyString, (s, t) => {
      for (const r of [parseArn(s), parseRoleArn(s), parseClusterArn(s), parseIssuer(s), parseProviderArn(s)]) {
        assert.equal(typeof r.ok, 'boolean');
        if (!r.ok) assert.equal(typeof r.detail, 'string');
      }
      const c = compareIssuers(s, t);
      assert.equal(typeof c.same, 'boolean');
      assert.equal(typeof nearMissIssuer(s, t, { account: '111122223333' }).kind, 'string');
    }),
    { numRuns: 500 },
  );
});

test('parseRoleArn: every valid role ARN parses to its parts; whitespace and quotes give it back as the suggestion', () => {
  const nameChar = fc.constantFrom(...'abcXYZ019_+=,.@-'.split(''));
  const name = fc.array(nameChar, { minLength: 1, maxLength: 64 }).map((a) => a.join(''));
  const segment = fc.array(fc.constantFrom(...'abc-_.~!:'.split('')), { minLength: 1, maxLength: 5 }).map((a) => a.join(''));
  const path = fc.array(segment, { maxLength: 3 }).map((s) => (s.length > 0 ? `/${s.join('/')}/` : '/'));
  const account = fc.stringMatching(/^\d{12}$/);
  const partition = fc.constantFrom(...(Object.keys(PARTITIONS) as PartitionId[]));
  const wrap = fc.constantFrom(['', ' '], [' ', ''], ['"', '"'], ["'", "'"], ['\n', '\n'], [' "', '" ']);
  fc.assert(
    fc.property(partition, account, name, path, wrap, (p, a, n, pa, [pre, post]) => {
      const arn = roleArn(p, a, n, pa);
      const r = parseRoleArn(arn);
      assert.ok(r.ok, JSON.stringify(r));
      assert.deepEqual({ partition: r.partition, account: r.account, name: r.name, path: r.path, arn: r.arn }, { partition: p, account: a, name: n, path: pa, arn });
      const w = parseRoleArn(`${pre}${arn}${post}`);
      assert.equal(w.ok, false);
      if (!w.ok) {
        assert.ok(w.problem === 'whitespace' || w.problem === 'quoted');
        assert.equal(w.suggestion, arn);
      }
    }),
  );
});

test('parseIssuer recognises every EKS issuer and the provider ARN round-trips', () => {
  const region = fc.constantFrom('us-east-1', 'eu-west-3', 'ap-southeast-5', 'cn-north-1', 'cn-northwest-1', 'us-gov-west-1', 'us-iso-east-1', 'us-isob-east-1');
  const id = fc.stringMatching(/^[A-F0-9]{32}$/);
  const account = fc.stringMatching(/^\d{12}$/);
  fc.assert(
    fc.property(region, id, account, (r, i, a) => {
      const partition = partitionOfRegion(r);
      const url = `https://oidc.eks.${r}.${PARTITIONS[partition].dnsSuffix}/id/${i}`;
      const p = parseIssuer(url);
      assert.ok(p.ok);
      assert.deepEqual([p.issuer.form, p.issuer.region, p.issuer.id, p.issuer.partition], ['eks', r, i, partition]);
      const arn = providerArn(partition, a, url);
      const back = parseProviderArn(arn);
      assert.ok(back.ok);
      assert.equal(back.hostPath, p.issuer.hostPath);
      assert.equal(nearMissIssuer(p.issuer.hostPath, arn, { account: a }).kind, 'same');
    }),
  );
});

test('parsePolicyDocument never throws on arbitrary values and JSON text', () => {
  fc.assert(
    fc.property(fc.oneof(fc.anything(), fc.jsonValue(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.jsonValue().map((v) => encodeURIComponent(JSON.stringify(v))), anyString), (raw) => {
      const p = parsePolicyDocument(raw);
      assert.equal(p.format, 'parsedPolicy');
      assert.ok(Array.isArray(p.statements));
      for (const pr of p.problems) assert.equal(typeof pr.detail, 'string');
    }),
    { numRuns: 500 },
  );
});

// Policy-shaped arbitraries that exercise every operator, qualifier and element.
const ctxKey = fc.constantFrom('k', 'K', 'j', `${HP}:sub`, `${HP}:aud`, 'aws:SourceIp', 'aws:CurrentTime', 'aws:username', 'aws:PrincipalArn');
const scalar = fc.oneof(
  fc.constantFrom('a', 'b', 'a*', '?', '', '1', '2.5', 'true', 'FALSE', '10.0.0.0/8', '10.1.2.3', '::1', '2024-01-01', '1704067200', 'QUJD', 'arn:aws:s3:::b/*', 'arn:aws:iam::1:role/x', '${k}', '${aws:username}', "${j, 'd'}", '${*}'),
  fc.string({ maxLength: 6 }),
);
const policyValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.boolean(), fc.integer());
const operatorName = fc
  .tuple(
    fc.constantFrom('', '', 'ForAnyValue:', 'ForAllValues:', 'forallvalues:', 'Nope:'),
    fc.constantFrom(...OPERATORS.map((o) => o.name), 'StringEqual', 'Nul', 'stringlike'),
    fc.constantFrom('', '', 'IfExists', 'ifexists'),
  )
  .map(([q, o, s]) => `${q}${o}${s}`);
const conditionBlock = fc.dictionary(operatorName, fc.dictionary(ctxKey, policyValue, { minKeys: 1, maxKeys: 2 }), { maxKeys: 2 });
const principal = fc.constantFrom<unknown>('*', { Federated: PROVIDER }, { Federated: [`arn:aws:iam::111122223333:oidc-provider/x.example.com`, PROVIDER] }, { AWS: '111122223333' }, { AWS: '*' }, { Service: 'pods.eks.amazonaws.com' });
const effect = fc.constantFrom('Allow', 'Allow', 'Deny', 'allow');
const actionEl = fc.oneof(
  { weight: 4, arbitrary: fc.record({ Action: fc.constantFrom<unknown>('sts:*', 'sts:AssumeRoleWithWebIdentity', 'STS:assumerole*', ['s3:Get*', 'sts:TagSession'], '*') }) },
  { weight: 1, arbitrary: fc.record({ NotAction: fc.constantFrom<unknown>('sts:AssumeRole', ['iam:*']) }) },
);
const principalEl = fc.oneof(
  { weight: 4, arbitrary: fc.record({ Principal: principal }) },
  { weight: 1, arbitrary: fc.record({ NotPrincipal: principal }) },
);
const resourceList = fc.constantFrom<unknown>('*', 'arn:aws:s3:::b/*', 'arn:aws:s3:::b/${aws:username}/*', ['arn:aws:sqs:*:111122223333:q'], 'bucket/*');
const resourceEl = fc.oneof({ weight: 4, arbitrary: fc.record({ Resource: resourceList }) }, { weight: 1, arbitrary: fc.record({ NotResource: resourceList }) });
const maybeCondition = fc.option(conditionBlock.map((Condition) => ({ Condition })), { nil: {} });
const trustStatement = fc.tuple(effect, principalEl, actionEl, maybeCondition).map(([Effect, p, a, c]) => ({ Effect, ...p, ...a, ...c }));
const identityStatement = fc.tuple(effect, actionEl, resourceEl, maybeCondition).map(([Effect, a, r, c]) => ({ Effect, ...a, ...r, ...c }));
// Anything goes: both Principal and NotPrincipal, no Action, Resource in a trust policy...
const malformedStatement = fc.record(
  {
    Sid: fc.constantFrom('A', 'B'),
    Effect: effect,
    Principal: principal,
    NotPrincipal: principal,
    Action: fc.constantFrom<unknown>('sts:*', '*'),
    NotAction: fc.constantFrom<unknown>('sts:AssumeRole'),
    Resource: resourceList,
    Condition: conditionBlock,
  },
  { requiredKeys: [] },
);
const statement = fc.oneof({ weight: 4, arbitrary: trustStatement }, { weight: 4, arbitrary: identityStatement }, { weight: 1, arbitrary: malformedStatement });
const policy = fc.record({ Version: fc.constantFrom('2012-10-17', '2008-10-17'), Statement: fc.array(statement, { maxLength: 4 }) }, { requiredKeys: ['Statement'] });
const contextValue = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.boolean(), fc.integer(), fc.constant(undefined));
const context = fc.dictionary(ctxKey, contextValue, { maxKeys: 5 });
const reqPrincipal = fc.constantFrom<Request['principal']>(
  { type: 'Federated', id: PROVIDER },
  { type: 'Federated', id: 'arn:aws:iam::111122223333:oidc-provider/x.example.com' },
  { type: 'AWS', id: 'arn:aws:sts::111122223333:assumed-role/x/s' },
  { type: 'Service', id: 'pods.eks.amazonaws.com' },
  undefined,
);
const request = fc.record({
  principal: reqPrincipal,
  action: fc.constantFrom('sts:AssumeRoleWithWebIdentity', 'sts:AssumeRole', 'sts:TagSession', 's3:GetObject', ''),
  resource: fc.constantFrom<string | undefined>('arn:aws:s3:::b/alice/k', 'arn:aws:sqs:us-east-1:111122223333:q', undefined),
  context,
});

function checkConsistent(e: PolicyEvaluation): void {
  const applying = e.statements.filter((s) => s.applies);
  const denies = applying.filter((s) => s.effect === 'Deny').map((s) => s.index);
  const allows = applying.filter((s) => s.effect === 'Allow').map((s) => s.index);
  if (denies.length > 0) {
    assert.equal(e.decision, 'explicitDeny');
    assert.deepEqual(e.deciding, denies);
  } else if (allows.length > 0) {
    assert.equal(e.decision, 'allow');
    assert.deepEqual(e.deciding, allows);
  } else {
    assert.equal(e.decision, 'implicitDeny');
    assert.deepEqual(e.deciding, []);
  }
  for (const s of e.statements) {
    assert.ok(s.explain.length > 0);
    if (s.applies) {
      assert.ok(s.valid);
      assert.ok(s.conditions.every((c) => c.matched));
      assert.ok(s.action?.matched);
      if (s.principal) assert.ok(s.principal.matched);
      if (s.resource) assert.ok(s.resource.matched);
    } else if (s.valid) {
      const failed = [s.principal, s.action, s.resource].some((x) => x !== undefined && !x.matched) || s.conditions.some((c) => !c.matched);
      assert.ok(failed, `statement ${s.index} does not apply but nothing failed`);
    }
    for (const c of s.conditions) assert.ok(c.explain.length > 0);
  }
}

test('evaluatePolicy never throws and its decision agrees with its statement explanations', () => {
  const seen = new Map<string, number>();
  fc.assert(
    fc.property(policy, request, fc.constantFrom('trust' as const, 'identity' as const), fc.constantFrom('anyValue' as const, 'noMatch' as const), (p, r, kind, multiValue) => {
      const req = r as Request;
      const e = evaluatePolicy(p, req, { kind, multiValue });
      seen.set(e.decision, (seen.get(e.decision) ?? 0) + 1);
      checkConsistent(e);
      assert.deepEqual(evaluatePolicy(p, req, { kind, multiValue }), e, 'deterministic');
      assert.ok(explainEvaluation(e).length >= 1);
    }),
    { numRuns: 400 },
  );
  // The generator must reach every outcome, or the consistency property above says little.
  for (const d of ['allow', 'explicitDeny', 'implicitDeny']) assert.ok((seen.get(d) ?? 0) >= 5, `${d}: ${seen.get(d) ?? 0} of 400`);
});

test('evaluatePolicy and evaluateIdentityPolicies never throw on arbitrary JSON', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.jsonValue(), request, (a, b, r) => {
      const req = r as Request;
      checkConsistent(evaluatePolicy(a as Record<string, unknown>, req, { kind: 'trust' }));
      const ids = evaluateIdentityPolicies([{ name: 'a', document: a as Record<string, unknown> }], b as Record<string, unknown>, req);
      assert.ok(['allow', 'explicitDeny', 'implicitDeny'].includes(ids.decision));
      assert.ok(explainEvaluation(ids).length >= 1);
    }),
    { numRuns: 300 },
  );
});

test('a negated operator is the negation of its positive form on a present single value', () => {
  const pairs: Array<[string, string]> = [
    ['StringEquals', 'StringNotEquals'],
    ['StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase'],
    ['StringLike', 'StringNotLike'],
    ['ArnLike', 'ArnNotLike'],
    ['ArnEquals', 'ArnNotEquals'],
  ];
  const text = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('arn:aws:s3:::b/k', 'arn:aws:s3:::b/*', 'arn:*:s3:::*'));
  let compared = 0;
  fc.assert(
    fc.property(fc.constantFrom(...pairs), text, fc.array(text, { minLength: 1, maxLength: 3 }), ([pos, neg], value, values) => {
      const run = (op: string): PolicyEvaluation =>
        evaluatePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'svc:Do', Resource: '*', Condition: { [op]: { k: values } } }] }, { action: 'svc:Do', resource: 'arn:aws:svc:::x', context: { k: value } }, { kind: 'identity' });
      const a = run(pos);
      const b = run(neg);
      if (a.problems.length === 0 && b.problems.length === 0) {
        compared++;
        assert.notEqual(a.decision, b.decision, `${pos}/${neg} ${JSON.stringify(value)} vs ${JSON.stringify(values)}`);
      } else assert.equal(b.decision, 'implicitDeny', 'an unreadable value matches neither form');
    }),
  );
  assert.ok(compared >= 30, `only ${compared} of 100 runs compared both forms`);
});

test('ForAllValues:StringNotEquals is the negation of ForAnyValue:StringEquals on a non-empty set', () => {
  const v = fc.constantFrom('a', 'b', 'c');
  fc.assert(
    fc.property(fc.array(v, { minLength: 1, maxLength: 4 }), fc.array(v, { minLength: 1, maxLength: 3 }), (ctx, values) => {
      const run = (op: string): string =>
        evaluatePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'svc:Do', Resource: '*', Condition: { [op]: { k: values } } }] }, { action: 'svc:Do', resource: 'arn:aws:svc:::x', context: { k: ctx } }, { kind: 'identity' }).decision;
      assert.notEqual(run('ForAllValues:StringNotEquals'), run('ForAnyValue:StringEquals'));
    }),
  );
});

function oracle(pattern: string, value: string, ignoreCase: boolean, literal?: Uint8Array | null): boolean {
  const parts = [...pattern].map((c, i) => {
    const live = literal == null ? true : literal[i] === 1;
    if (live && c === '*') return '[\\s\\S]*';
    if (live && c === '?') return '[\\s\\S]';
    return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('')}$`, ignoreCase ? 'i' : '').test(value);
}

test('wildcard matching agrees with a regex oracle', () => {
  const small = (chars: string[], max: number): fc.Arbitrary<string> => fc.array(fc.constantFrom(...chars), { maxLength: max }).map((a) => a.join(''));
  const pat = fc.oneof(small(['a', 'b', 'A', '*', '?', '.', '\\', '$', ':'], 9), fc.string({ maxLength: 6 }));
  const val = fc.oneof(small(['a', 'b', 'A', 'B', '*', '?', '.', '\\', '$', ':'], 12), fc.string({ maxLength: 8 }));
  fc.assert(
    fc.property(pat, val, (p, v) => {
      assert.equal(wildcardMatch(p, v), oracle(p, v, false), `${JSON.stringify(p)} ~ ${JSON.stringify(v)}`);
    }),
    { numRuns: 2000 },
  );
  const ascii = (max: number): fc.Arbitrary<string> => small(['a', 'b', 'A', 'B', 'z', 'Z', '*', '?', '-', ':'], max);
  fc.assert(
    fc.property(ascii(8), ascii(10), (p, v) => {
      assert.equal(wildcardMatch(p, v, true), oracle(p, v, true), `${p} ~i ${v}`);
    }),
    { numRuns: 1000 },
  );
});

test('masked patterns agree with the oracle that escapes literal characters', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('a', 'b', '*', '?'), fc.boolean()), { maxLength: 8 }),
      fc.array(fc.constantFrom('a', 'b', '*', '?'), { maxLength: 10 }).map((a) => a.join('')),
      (cells, v) => {
        const text = cells.map(([c]) => c).join('');
        const wild = Uint8Array.from(cells.map(([c, live]) => ((c === '*' || c === '?') && live ? 1 : 0)));
        assert.equal(patternMatch({ text, wild }, v), oracle(text, v, false, wild), `${text} [${[...wild].join('')}] ~ ${v}`);
      },
    ),
    { numRuns: 1000 },
  );
});
