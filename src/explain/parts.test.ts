// The small parts: unescaping with offsets, ARN/issuer/session helpers, and the mapping of live
// STS errors (code + message) to the catalogue.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asciiLower, normalise } from './normalise.js';
import { classifySession, describeIssuer, detectSdk, humanDuration, looksLikeNodeRole, roleNameOf } from './derive.js';
import { explainStsError, fillTemplate } from './index.js';

// --- normalise -----------------------------------------------------------------------------

test('normalise: Go escapes become newlines and indentation', () => {
  const n = normalise(String.raw`credentials\ncaused by: X\n\tstatus code: 400`);
  assert.equal(n.text, 'credentials\ncaused by: X\n status code: 400');
});

test('normalise: JSON escapes (quotes, slashes, unicode, doubled backslashes, CRLF)', () => {
  assert.equal(normalise(String.raw`{\"a\":\"https:\/\/x\u003cy\u003e\"}`).text, '{"a":"https://x<y>"}');
  assert.equal(normalise(String.raw`line\\nnext`).text, 'line\nnext');
  assert.equal(normalise('a\r\nb').text, 'a\nb');
  assert.equal(normalise(String.raw`a\r\nb`).text, 'a\nb');
});

test('normalise: Windows paths keep their backslashes', () => {
  const p = String.raw`C:\var\run\secrets\eks.amazonaws.com\serviceaccount\token`;
  assert.equal(normalise(`open ${p}: denied`).text, `open ${p}: denied`);
});

test('normalise: offsets map back to the original text', () => {
  const src = String.raw`ab\ncd\"ef`;
  const n = normalise(src);
  assert.equal(n.text, 'ab\ncd"ef');
  const at = n.text.indexOf('ef');
  assert.equal(src.slice(n.toOriginal(at), n.toOriginal(at + 2)), 'ef');
  assert.equal(n.toOriginal(n.text.length), src.length);
  assert.equal(src.slice(n.toOriginal(2), n.toOriginal(3)), String.raw`\n`);
});

test('asciiLower keeps the length of any string', () => {
  const s = 'İstanbul ÀÉ ABC';
  assert.equal(asciiLower(s).length, s.length);
  assert.equal(asciiLower('AbC'), 'abc');
});

// --- derive --------------------------------------------------------------------------------

test('classifySession: default session names of each credential source', () => {
  const table: Array<[string, string, string?]> = [
    ['i-0e5afb93460d609d2', 'ec2-instance'],
    ['i-1a2b3c4d', 'ec2-instance'],
    ['botocore-session-1624482533', 'web-identity', 'botocore'],
    ['aws-sdk-js-session-1700000000000', 'web-identity', 'js-v3'],
    ['token-file-web-identity', 'web-identity', 'js-v2'],
    ['1717079343811266923', 'web-identity', 'go'],
    ['aws-sdk-java-1700000000000', 'web-identity', 'java'],
    ['web-identity-token-1700000000000', 'web-identity', 'rust'],
    ['eks-k8s-wl-dev-engine-boo-5af5e7ac-5754-49ea-b28f-2c2a2eb95fbb', 'pod-identity'],
    ['checkout-7d9f', 'other'],
    ['i-not-an-instance', 'other'],
    ['12345', 'other'],
  ];
  for (const [name, kind, sdk] of table) {
    const got = classifySession(name);
    assert.equal(got.kind, kind, name);
    assert.equal(got.sdk, sdk, name);
  }
});

test('looksLikeNodeRole: node group naming conventions, not application roles', () => {
  for (const n of ['eksctl-prod-nodegroup-ng-1-NodeInstanceRole-1UU8XUZSIV6RZ', 'AmazonEKSNodeRole', 'KarpenterNodeRole-prod', 'workers-eks-node-group-20240101', 'nodes.cluster.k8s.local', 'us-east-2-vdmdev-network1-node-group-role']) {
    assert.ok(looksLikeNodeRole(n), n);
  }
  for (const n of ['external-secrets', 'app-s3-reader', 'prod-karpenter', 'nodejs-api']) assert.ok(!looksLikeNodeRole(n), n);
});

test('describeIssuer: EKS, China and dual-stack issuers', () => {
  assert.deepEqual(describeIssuer('https://oidc.eks.us-west-2.amazonaws.com/id/ABC123.'), {
    issuer: 'https://oidc.eks.us-west-2.amazonaws.com/id/ABC123',
    providerPath: 'oidc.eks.us-west-2.amazonaws.com/id/ABC123',
    issuerHost: 'oidc.eks.us-west-2.amazonaws.com',
    issuerId: 'ABC123',
    region: 'us-west-2',
    partition: 'aws',
  });
  assert.equal(describeIssuer('https://oidc.eks.cn-northwest-1.amazonaws.com.cn/id/X')?.partition, 'aws-cn');
  assert.equal(describeIssuer('https://oidc-eks.us-gov-west-1.api.aws/id/X')?.partition, 'aws-us-gov');
  assert.equal(describeIssuer('https://issuer.example.com/k8s')?.region, undefined);
  assert.equal(describeIssuer('not a url'), undefined);
});

test('roleNameOf drops the path', () => {
  assert.equal(roleNameOf('arn:aws:iam::111122223333:role/teams/payments/api'), 'api');
  assert.equal(roleNameOf('arn:aws:iam::111122223333:user/bob'), undefined);
});

test('humanDuration: two largest units', () => {
  assert.equal(humanDuration(198), '3 min 18 s');
  assert.equal(humanDuration(3005), '50 min 5 s');
  assert.equal(humanDuration(293187), '3 d 9 h');
  assert.equal(humanDuration(3600), '1 h');
  assert.equal(humanDuration(0), '0 s');
});

test('detectSdk: wrappers of each SDK', () => {
  assert.equal(detectSdk('WebIdentityErr: failed to retrieve credentials\ncaused by: X'), 'go-v1');
  assert.equal(detectSdk('operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400'), 'go-v2');
  assert.equal(detectSdk('An error occurred (X) when calling the Y operation: Z'), 'botocore');
  assert.equal(detectSdk("{ '$metadata': { httpStatusCode: 400 } }"), 'js-v3');
  assert.equal(detectSdk('X (Service: Sts, Status Code: 400, Request ID: r)'), 'java-v2');
  assert.equal(detectSdk('X (Service: AWSSecurityTokenService; Status Code: 400; Error Code: E; Request ID: r)'), 'java-v1');
  assert.equal(detectSdk('nothing to see'), undefined);
});

test('fillTemplate: placeholders and optional sections', () => {
  assert.equal(fillTemplate('get sa {{serviceAccount}} -n {{namespace}}', { namespace: 'ns' }), 'get sa <SERVICE_ACCOUNT> -n ns');
  assert.equal(fillTemplate('x[[ --region {{region}}]] y', {}), 'x y');
  assert.equal(fillTemplate('x[[ --region {{region}}]] y', { region: 'eu-west-1' }), 'x --region eu-west-1 y');
  assert.equal(fillTemplate('{{someNewKey}}', {}), '<SOME_NEW_KEY>');
});

// --- explainStsError -----------------------------------------------------------------------

test('explainStsError: maps live STS errors to entries', () => {
  const table: Array<[string, string, string]> = [
    ['InvalidIdentityToken', 'Incorrect token audience', 'sts-incorrect-audience'],
    ['InvalidIdentityTokenException', 'No OpenIDConnect provider found in your account for https://oidc.eks.us-east-1.amazonaws.com/id/ABC', 'sts-no-oidc-provider'],
    ['InvalidIdentityToken', 'Missing a required claim: aud', 'sts-missing-aud-claim'],
    ['InvalidIdentityToken', "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint", 'sts-thumbprint-mismatch'],
    ['InvalidIdentityToken', "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements", 'sts-jwks-unreachable'],
    ['IDPCommunicationError', 'The identity provider could not be reached.', 'sts-jwks-unreachable'],
    ['ExpiredTokenException', 'Token expired: current date/time 1731098245 must be before the expiration date/time 1731095240', 'sts-token-expired'],
    ['ExpiredTokenException', 'The web identity token that was passed is expired or is not valid.', 'sts-token-expired'],
    ['AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 'sts-not-authorized-web-identity'],
    ['ValidationError', 'Request ARN is invalid', 'sts-role-arn-invalid'],
    ['ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', 'sts-duration-exceeds-max'],
    ['InvalidIdentityToken', 'A message STS never sent before', 'sts-invalid-identity-token'],
    ['IDPRejectedClaim', 'Claim rejected', 'sts-invalid-identity-token'],
    ['RegionDisabledException', 'STS is not activated in this region for account:111122223333.', 'sts-region-disabled'],
    ['InvalidClientTokenId', 'The security token included in the request is invalid.', 'security-token-invalid'],
  ];
  for (const [code, message, id] of table) assert.equal(explainStsError(code, message)?.id, id, `${code}: ${message}`);
});

test('explainStsError: extracted values and the generic message are kept', () => {
  const m = explainStsError('InvalidIdentityToken', 'No OpenIDConnect provider found in your account for https://oidc.eks.eu-west-1.amazonaws.com/id/XYZ');
  assert.equal(m?.extracted.issuerId, 'XYZ');
  assert.equal(explainStsError('IDPRejectedClaim', 'Claim rejected')?.extracted.message, 'Claim rejected');
  assert.equal(explainStsError('ExpiredTokenException', 'The web identity token that was passed is expired or is not valid.')?.extracted.message, 'The web identity token that was passed is expired or is not valid.');
});

test('explainStsError: the expected role makes the trust commands concrete', () => {
  const m = explainStsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', { expectedRoleArn: 'arn:aws:iam::111122223333:role/api' });
  assert.ok(m?.collect.includes('aws iam get-role --role-name api --query Role.AssumeRolePolicyDocument'));
});

test('explainStsError: unknown codes give nothing', () => {
  assert.equal(explainStsError('Throttling', 'Rate exceeded'), undefined);
  assert.equal(explainStsError('', ''), undefined);
});
