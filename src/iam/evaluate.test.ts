import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluateIdentityPolicies,
  evaluatePolicy,
  explainEvaluation,
  parsePolicyDocument,
  resolveAudience,
  webIdentityRequest,
  type Request,
} from './index.js';
import { OPERATORS, parseOperator } from './conditions/index.js';

const HP = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E';
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${HP}`;

function trust(sub: string, aud = 'sts.amazonaws.com'): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Irsa',
        Effect: 'Allow',
        Principal: { Federated: PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${HP}:sub`]: sub, [`${HP}:aud`]: aud } },
      },
    ],
  };
}

function request(sub: string, aud: unknown = ['sts.amazonaws.com']): Request {
  const r = webIdentityRequest({ providerArn: PROVIDER, claims: { sub, aud } });
  assert.ok(r.ok);
  return r.request;
}

test('explanations carry expected and actual values as data', () => {
  const e = evaluatePolicy(trust('system:serviceaccount:a:b'), request('system:serviceaccount:a:c'), { kind: 'trust' });
  assert.equal(e.decision, 'implicitDeny');
  const c = e.statements[0]?.conditions.find((x) => x.key.endsWith(':sub'));
  assert.ok(c);
  assert.deepEqual(c.expected, ['system:serviceaccount:a:b']);
  assert.deepEqual(c.actual, ['system:serviceaccount:a:c']);
  assert.equal(c.path, `Statement[0].Condition.StringEquals[${JSON.stringify(`${HP}:sub`)}]`);
  assert.equal(e.statements[0]?.principal?.matchedValue, PROVIDER);
  assert.equal(e.statements[0]?.action?.matchedValue, 'sts:AssumeRoleWithWebIdentity');
});

test('explainEvaluation: short lines naming the statement, the operator, expected and got', () => {
  const e = evaluatePolicy(trust('system:serviceaccount:a:b'), request('system:serviceaccount:a:c'), { kind: 'trust' });
  const lines = explainEvaluation(e);
  assert.equal(lines[0], `implicitly denied: no statement allows sts:AssumeRoleWithWebIdentity by Federated ${PROVIDER}`);
  assert.equal(
    lines[1],
    `  statement 0 (Sid Irsa) (Allow) does not apply: condition StringEquals ${HP}:sub expected "system:serviceaccount:a:b", got "system:serviceaccount:a:c"`,
  );
  const ok = explainEvaluation(evaluatePolicy(trust('system:serviceaccount:a:b'), request('system:serviceaccount:a:b'), { kind: 'trust' }));
  assert.deepEqual(ok, [
    `allowed: sts:AssumeRoleWithWebIdentity by Federated ${PROVIDER} (statement 0)`,
    '  statement 0 (Sid Irsa) allows sts:AssumeRoleWithWebIdentity (2 conditions hold)',
  ]);
});

test('explainEvaluation renders hints and refused statements', () => {
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`https://${HP}:sub`]: 'system:serviceaccount:a:b' } } },
      { Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity' },
    ],
  };
  const lines = explainEvaluation(evaluatePolicy(policy, request('system:serviceaccount:a:b'), { kind: 'trust' }));
  assert.match(lines[1] ?? '', /but the request has no https:\/\/oidc/);
  assert.match(lines[1] ?? '', /must not include "https:\/\/": the request has oidc\.eks/);
  assert.match(lines[2] ?? '', /statement 1 never applies: a trust policy statement needs a Principal/);
  assert.ok(lines.some((l) => l.includes('problem principalMissing')));
});

test('explainEvaluation for an identity set names the deciding policy', () => {
  const e = evaluateIdentityPolicies(
    [{ name: 'read', document: { Version: '2012-10-17', Statement: [{ Sid: 'Get', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } }],
    { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
    { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', context: {} },
  );
  const lines = explainEvaluation(e);
  assert.equal(lines[0], 'allowed: s3:GetObject on arn:aws:s3:::b/k by read statement 0 (Sid Get)');
  assert.ok(lines.some((l) => l.startsWith('  read: allowed')));
  assert.ok(lines.some((l) => l.startsWith('  permissions boundary: allowed')));
  const denied = explainEvaluation(evaluateIdentityPolicies([], undefined, { action: 's3:GetObject', context: {} }));
  assert.deepEqual(denied, ['implicitly denied: the role has no identity policies, so nothing allows s3:GetObject']);
});

test('a parsed policy can be evaluated many times; problems carry where', () => {
  const parsed = parsePolicyDocument({ Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { Foo: { k: 'v' } } }] }, 'role/app trust policy');
  for (let i = 0; i < 3; i++) {
    const e = evaluatePolicy(parsed, request('system:serviceaccount:a:b'), { kind: 'trust' });
    assert.equal(e.where, 'role/app trust policy');
    assert.deepEqual(e.problems.map((p) => p.code).sort(), ['unknownOperator', 'versionMissing']);
    assert.ok(e.problems.every((p) => p.where === 'role/app trust policy'));
  }
});

test('malformed requests and documents never throw', () => {
  const e = evaluatePolicy('not json', { action: undefined as unknown as string, context: undefined as unknown as Request['context'] }, { kind: 'identity' });
  assert.equal(e.decision, 'implicitDeny');
  assert.deepEqual(e.problems.map((p) => p.code), ['invalidJson']);
});

test('AWS principals: account ID, root ARN, role sessions; "*" in AWS matches everyone', () => {
  const policy = (aws: unknown): Record<string, unknown> => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: aws }, Action: 'sts:AssumeRole' }] });
  const session = { type: 'AWS' as const, id: 'arn:aws:sts::444455556666:assumed-role/app/s1' };
  const decide = (aws: unknown, principal: Request['principal']): string =>
    evaluatePolicy(policy(aws), { ...(principal ? { principal } : {}), action: 'sts:AssumeRole', context: {} }, { kind: 'trust' }).decision;
  assert.equal(decide('444455556666', session), 'allow');
  assert.equal(decide('arn:aws:iam::444455556666:root', session), 'allow');
  assert.equal(decide('arn:aws:iam::444455556666:role/app', session), 'allow');
  assert.equal(decide('arn:aws:iam::444455556666:role/other', session), 'implicitDeny');
  assert.equal(decide('arn:aws:iam::111122223333:role/app', session), 'implicitDeny');
  assert.equal(decide('*', { type: 'Federated', id: PROVIDER }), 'allow');
  assert.equal(decide('444455556666', { type: 'AWS', id: '444455556666' }), 'allow');
  assert.equal(decide('444455556666', undefined), 'implicitDeny');
});

test('resolveAudience modes', () => {
  assert.deepEqual(resolveAudience('sts.amazonaws.com', undefined).contextValue, 'sts.amazonaws.com');
  assert.deepEqual(resolveAudience(['a', 'sts.amazonaws.com'], ['sts.amazonaws.com']).contextValue, 'sts.amazonaws.com');
  assert.deepEqual(resolveAudience(['a', 'b'], ['sts.amazonaws.com']).contextValue, undefined);
  assert.deepEqual(resolveAudience(['a', 'b'], undefined).contextValue, ['a', 'b']);
  assert.deepEqual(resolveAudience(['a', 'b'], ['b'], 'first').contextValue, 'a');
  assert.deepEqual(resolveAudience(['a', 'b'], ['b'], 'allValues').contextValue, ['a', 'b']);
  assert.deepEqual(resolveAudience(undefined, ['b']).contextValue, undefined);
  assert.deepEqual(resolveAudience([1, 'x'], undefined).tokenAudiences, ['x']);
});

test('webIdentityRequest builds the keys from the provider ARN and rejects a bad ARN', () => {
  const r = webIdentityRequest({ providerArn: PROVIDER, claims: { sub: 's', aud: 'sts.amazonaws.com' }, roleSessionName: 'botocore-1', extraContext: { 'aws:SourceIp': '203.0.113.1' } });
  assert.ok(r.ok);
  assert.equal(r.subKey, `${HP}:sub`);
  assert.deepEqual(r.request.context, { 'aws:SourceIp': '203.0.113.1', [`${HP}:sub`]: 's', [`${HP}:aud`]: 'sts.amazonaws.com', 'sts:RoleSessionName': 'botocore-1' });
  assert.equal(r.request.action, 'sts:AssumeRoleWithWebIdentity');
  assert.deepEqual(r.request.principal, { type: 'Federated', id: PROVIDER });
  const bad = webIdentityRequest({ providerArn: `https://${HP}`, claims: {} });
  assert.equal(bad.ok, false);
});

test('operator registry: every operator parses back, qualifiers and IfExists compose', () => {
  for (const op of OPERATORS) {
    assert.equal(parseOperator(op.name).definition, op);
    assert.equal(parseOperator(op.name.toUpperCase()).definition, op);
    if (op.family !== 'Null') {
      const p = parseOperator(`ForAnyValue:${op.name}IfExists`);
      assert.equal(p.definition, op);
      assert.equal(p.qualifier, 'ForAnyValue');
      assert.equal(p.ifExists, true);
    }
  }
  assert.equal(OPERATORS.length, 27);
  assert.match(parseOperator('StringEqual').problem?.detail ?? '', /did you mean StringEquals\?/);
  assert.match(parseOperator('ForAllValue:StringLike').problem?.detail ?? '', /did you mean ForAllValues\?/);
});

