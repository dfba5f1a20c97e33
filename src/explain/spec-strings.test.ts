// Every exact error string of aws-behavior.md section 1 (STS failures, region/partition), the
// old-SDK symptoms of section 6, the Pod Identity strings of section 8 and the Java SDK message of
// section 5, copied verbatim, and the article's strings. Each must be recognised on its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain } from './index.js';

const SPEC: Array<[section: string, text: string, id: string]> = [
  ['§1 #0', 'Request ARN is invalid', 'sts-role-arn-invalid'],
  ['§1 #1', 'No OpenIDConnect provider found in your account for https://oidc.eks.us-east-1.amazonaws.com/id/<ID>', 'sts-no-oidc-provider'],
  ['§1 #2', 'Incorrect token audience', 'sts-incorrect-audience'],
  ['§1 #2b', 'Missing a required claim: aud', 'sts-missing-aud-claim'],
  ['§1 #3', "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint", 'sts-thumbprint-mismatch'],
  ['§1 #4', "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements", 'sts-jwks-unreachable'],
  ['§1 #4 (one space)', "Couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements", 'sts-jwks-unreachable'],
  ['§1 #6', 'Token expired: current date/time 1731098245 must be before the expiration date/time 1731095240', 'sts-token-expired'],
  ['§1 #6 (older, no space)', 'Token expired: current date/time1731098245 must be before the expiration date/time1731095240', 'sts-token-expired'],
  ['§1 #7', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 'sts-not-authorized-web-identity'],
  ['§1 #8', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', 'sts-duration-exceeds-max'],
  ['§1 region/partition', 'The security token included in the request is invalid', 'security-token-invalid'],
  ['§1 region/partition', 'No OpenIDConnect provider found in your account for https://oidc.eks.cn-north-1.amazonaws.com.cn/id/<ID>', 'sts-no-oidc-provider'],
  ['§1 region/partition', 'Credential should be scoped to a valid region.', 'credential-scope-invalid-region'],
  ['§1 error XML', '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>Incorrect token audience</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>', 'sts-incorrect-audience'],
  ['§5 Java v2', "To use web identity tokens, the 'sts' service module must be on the class path.", 'java-sts-module-missing'],
  ['§6 Go v1', 'invalid endpoint host, "169.254.170.23", only loopback hosts are allowed', 'pod-identity-old-sdk'],
  ['§6 JS v2', 'Missing credentials in config', 'credential-chain-exhausted'],
  ['§8', 'no EC2 IMDS role found', 'credential-chain-exhausted'],
  ['§8', '(AccessDeniedException): Unauthorized Exception! EKS does not have permissions to assume the associated role., fault: client', 'pod-identity-unauthorized'],
  ['§8', 'Service account token cannot be parsed: token is malformed: token contains an invalid number of segments', 'pod-identity-token-invalid'],
  ['§8', 'Service account token cannot be empty', 'pod-identity-token-invalid'],
  ['article §1', String.raw`WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E\n\tstatus code: 400`, 'sts-no-oidc-provider'],
  ['article §9', "Error: PermissionError: [Errno 13] Permission denied: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token", 'token-file-permission-denied'],
  ['article §9', String.raw`WebIdentityErr: failed fetching WebIdentity token: \ncaused by: WebIdentityErr: unable to read file at /var/run/secrets/eks.amazonaws.com/serviceaccount/token\ncaused by: open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied`, 'token-file-permission-denied'],
  ['article §11', 'An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience', 'sts-incorrect-audience'],
  ['article §12', "failed to retrieve credentials caused by: InvalidIdentityToken: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint", 'sts-thumbprint-mismatch'],
  ['article §13', 'An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid', 'security-token-invalid'],
  ['brief', 'Post "https://sts.amazonaws.com/": dial tcp 52.94.241.129:443: i/o timeout', 'sts-endpoint-unreachable'],
  ['brief', 'Unable to locate credentials', 'credential-chain-exhausted'],
  ['brief', 'NoCredentialProviders: no valid providers in chain', 'credential-chain-exhausted'],
  ['brief', 'Could not load credentials from any providers', 'credential-chain-exhausted'],
];

for (const [section, text, id] of SPEC) {
  test(`spec string ${section}: ${text.slice(0, 60)}`, () => {
    assert.deepEqual(explain(text).map((m) => m.id), [id]);
  });
}

test('the China issuer string is read as aws-cn and asks for the region first', () => {
  const [m] = explain('No OpenIDConnect provider found in your account for https://oidc.eks.cn-north-1.amazonaws.com.cn/id/<ID>');
  assert.equal(m?.extracted.partition, 'aws-cn');
  assert.equal(m?.causes[0]?.check, 'IRSA307');
});

test('matching is tolerant of case and of typographic apostrophes', () => {
  assert.equal(explain('INCORRECT TOKEN AUDIENCE')[0]?.id, 'sts-incorrect-audience');
  assert.equal(explain('OpenIDConnect provider’s HTTPS certificate doesn’t match configured thumbprint')[0]?.id, 'sts-thumbprint-mismatch');
  assert.equal(explain('Couldn’t retrieve verification key from your identity provider,   please reference AssumeRoleWithWebIdentity documentation for requirements')[0]?.id, 'sts-jwks-unreachable');
});
