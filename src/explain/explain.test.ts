// Realistic pasted errors, as users paste them: Go v1/v2, botocore, JS v2/v3, Java v1/v2 wrappings,
// JSON log lines with escaped quotes and newlines, long log excerpts. Sources are given per case.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, type ExplainMatch, type ExplainOptions } from './index.js';

interface Case {
  name: string;
  /** Where the wording comes from. */
  source: string;
  text: string;
  opts?: ExplainOptions;
  /** Expected ids, in order. */
  ids: string[];
  /** Expected check ids of the first match's causes, in order (prefix). */
  causes?: string[];
  /** Expected extracted values of the first match (subset). */
  extracted?: Record<string, string>;
  /** Extracted keys that must be absent from the first match. */
  absent?: string[];
  /** Substrings expected in the first match's commands. */
  collect?: string[];
  count?: number;
}

const NL = '\n';

const CASES: Case[] = [
  // --- sts-no-oidc-provider ----------------------------------------------------------------
  {
    name: 'no provider: Go v1 with literal \\n and \\t escapes (the article)',
    source: 'seed article, step 1',
    text: String.raw`WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: No OpenIDConnect provider found in your account 
for https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E\n\tstatus code: 400`,
    ids: ['sts-no-oidc-provider'],
    causes: ['IRSA002', 'IRSA401', 'IRSA001'],
    extracted: {
      issuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E',
      issuerId: 'EXAMPLED539D4633E53DE1B716D3041E',
      region: 'eu-west-1',
      partition: 'aws',
      providerPath: 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E',
      sdk: 'go-v1',
      httpStatus: '400',
    },
    collect: [
      'aws iam list-open-id-connect-providers | grep EXAMPLED539D4633E53DE1B716D3041E',
      'aws eks describe-cluster --name <CLUSTER_NAME> --region eu-west-1 --query cluster.identity.oidc.issuer --output text',
      'arn:aws:iam::<ACCOUNT_ID>:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E',
    ],
  },
  {
    name: 'no provider: Go v1 with real newlines, behind a log prefix',
    source: 'kubernetes-sigs/aws-load-balancer-controller#2315',
    text: [
      '2021/10/22 03:14:16 Cloudwatch EKS log started',
      '2021/10/22 03:14:16 Could not initialize EKS CloudWatch client: WebIdentityErr: failed to retrieve credentials',
      'caused by: InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.us-east-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9',
      '\tstatus code: 400, request id: 3714365f-c50b-4cae-b958-917eb6a34b50',
    ].join(NL),
    ids: ['sts-no-oidc-provider'],
    extracted: { issuerId: '0A1B2C3D4E5F60718293A4B5C6D7E8F9', requestId: '3714365f-c50b-4cae-b958-917eb6a34b50', region: 'us-east-1' },
  },
  {
    name: 'no provider: Go v2 with a redacted issuer',
    source: 'namespacelabs/foundation#801',
    text: '2022/07/25 13:14:05.131213 failed to retrieve credentials: failed to refresh cached credentials, failed to retrieve credentials, operation error STS: AssumeRoleWithWebIdentity, exceeded maximum number of attempts, 3, https response error StatusCode: 400, RequestID: 15810d8a-d7cf-4cf6-a789-344247a93714, InvalidIdentityToken: No OpenIDConnect provider found in your account for {redacted}',
    ids: ['sts-no-oidc-provider'],
    extracted: { sdk: 'go-v2', requestId: '15810d8a-d7cf-4cf6-a789-344247a93714', httpStatus: '400' },
    absent: ['issuer', 'issuerId'],
  },
  {
    name: 'no provider: JS v3 in China (STS called outside aws-cn) puts the region first',
    source: 'aws/aws-sdk-js-v3#5083',
    text: [
      'InvalidIdentityTokenException: No OpenIDConnect provider found in your account for https://oidc.eks.cn-north-1.amazonaws.com.cn/id/5C2F1E9D0B7A4C3E8F6D2A1B0C9E8D7F',
      '    at de_InvalidIdentityTokenExceptionRes (/app/node_modules/@aws-sdk/client-sts/dist-cjs/protocols/Aws_query.js:436:23)',
      '    at de_AssumeRoleWithWebIdentityCommandError (/app/node_modules/@aws-sdk/client-sts/dist-cjs/protocols/Aws_query.js:219:25) {',
      "  '$fault': 'client',",
      "  '$metadata': { httpStatusCode: 400, requestId: '8d0c7f0e-2a55-4a43-9f1e-0d5a4c3b2a19', attempts: 1, totalRetryDelay: 0 }",
      '}',
    ].join(NL),
    ids: ['sts-no-oidc-provider'],
    causes: ['IRSA307', 'IRSA308', 'IRSA002', 'IRSA401', 'IRSA001'],
    extracted: { partition: 'aws-cn', region: 'cn-north-1', sdk: 'js-v3', requestId: '8d0c7f0e-2a55-4a43-9f1e-0d5a4c3b2a19' },
    collect: ['grep -E "AWS_REGION|AWS_DEFAULT_REGION"', 'arn:aws-cn:iam::<ACCOUNT_ID>:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/5C2F1E9D0B7A4C3E8F6D2A1B0C9E8D7F'],
  },
  {
    name: 'no provider: botocore, with the role ARN in the same log block',
    source: 'treeverse/dvc.org#5273 (botocore wording)',
    text: [
      'INFO assuming arn:aws:iam::444455556666:role/reports-writer with web identity',
      'botocore.errorfactory.InvalidIdentityTokenException: An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: No OpenIDConnect provider found in your account for https://oidc.eks.us-west-2.amazonaws.com/id/B1A2C3D4E5F6A7B8C9D0E1F2A3B4C5D6',
    ].join(NL),
    ids: ['sts-no-oidc-provider'],
    extracted: { sdk: 'botocore', roleArn: 'arn:aws:iam::444455556666:role/reports-writer', account: '444455556666', roleName: 'reports-writer' },
    collect: ['arn:aws:iam::444455556666:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/B1A2C3D4E5F6A7B8C9D0E1F2A3B4C5D6'],
  },
  {
    name: 'no provider: JSON log line with escaped newlines and quotes',
    source: 'zap/logrus JSON logging of a Go v1 error',
    text: String.raw`{"level":"error","ts":"2024-03-01T10:00:00Z","msg":"\"sync failed\"","error":"WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.ap-south-1.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789\n\tstatus code: 400, request id: 1b6c9d2e-3f4a-4b5c-8d6e-7f8091a2b3c4"}`,
    ids: ['sts-no-oidc-provider'],
    extracted: { issuer: 'https://oidc.eks.ap-south-1.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789', requestId: '1b6c9d2e-3f4a-4b5c-8d6e-7f8091a2b3c4' },
  },
  {
    name: 'no provider: expected role ARN from the caller fills the account',
    source: 'option --role-arn',
    text: 'InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks.us-east-2.amazonaws.com/id/C0FFEE00C0FFEE00C0FFEE00C0FFEE00',
    opts: { expectedRoleArn: 'arn:aws:iam::777788889999:role/teams/payments-api', cluster: 'payments', namespace: 'pay' },
    ids: ['sts-no-oidc-provider'],
    extracted: { account: '777788889999', roleName: 'payments-api' },
    collect: [
      'aws eks describe-cluster --name payments --region us-east-2',
      'arn:aws:iam::777788889999:oidc-provider/oidc.eks.us-east-2.amazonaws.com/id/C0FFEE00C0FFEE00C0FFEE00C0FFEE00',
      'kubectl exec <POD> -n pay --',
    ],
  },

  // --- sts-incorrect-audience --------------------------------------------------------------
  {
    name: 'audience: botocore (the article)',
    source: 'seed article, step 11',
    text: 'Error - An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience',
    ids: ['sts-incorrect-audience'],
    causes: ['IRSA003', 'IRSA401'],
    extracted: { sdk: 'botocore' },
  },
  {
    name: 'audience: Java v2 exception',
    source: 'aws-sdk-java-v2 exception format',
    text: 'software.amazon.awssdk.services.sts.model.InvalidIdentityTokenException: Incorrect token audience (Service: Sts, Status Code: 400, Request ID: 5a7b9c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d)\n\tat software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handleErrorResponse(CombinedResponseHandler.java:125)',
    ids: ['sts-incorrect-audience'],
    extracted: { sdk: 'java-v2', requestId: '5a7b9c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d', httpStatus: '400' },
  },
  {
    name: 'audience: JS v3 with $metadata',
    source: 'aws-sdk-js-v3 error shape (aws/aws-sdk-js-v3#5749)',
    text: [
      'InvalidIdentityTokenException: Incorrect token audience',
      '    at de_InvalidIdentityTokenExceptionRes (/app/node_modules/@aws-sdk/client-sts/dist-cjs/index.js:1113:21)',
      "  '$fault': 'client',",
      "  '$metadata': {",
      '    httpStatusCode: 400,',
      "    requestId: '0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f',",
      '    attempts: 1,',
    ].join(NL),
    ids: ['sts-incorrect-audience'],
    extracted: { sdk: 'js-v3', requestId: '0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f' },
  },
  {
    name: 'audience: Go v2',
    source: 'aws-sdk-go-v2 error shape',
    text: 'operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400, RequestID: 9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b, InvalidIdentityToken: Incorrect token audience',
    ids: ['sts-incorrect-audience'],
    extracted: { sdk: 'go-v2' },
  },

  // --- other InvalidIdentityToken messages -------------------------------------------------
  {
    name: 'thumbprint: the article wording',
    source: 'seed article, step 12',
    text: "failed to retrieve credentials caused by: InvalidIdentityToken: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint",
    ids: ['sts-thumbprint-mismatch'],
    causes: ['IRSA004', 'IRSA001'],
  },
  {
    name: 'missing aud: botocore',
    source: 'spec §1 #2b',
    text: 'An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Missing a required claim: aud',
    ids: ['sts-missing-aud-claim'],
    causes: ['IRSA401', 'IRSA302'],
  },
  {
    name: 'jwks: aws cli (two spaces after the comma)',
    source: 'aws/aws-cli#7194',
    text: "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
    ids: ['sts-jwks-unreachable'],
    causes: ['IRSA001', 'IRSA004', 'IRSA401', 'IRSA402'],
  },
  {
    name: 'jwks: Rust debug output with the STS XML escaped twice',
    source: 'awslabs/aws-sdk-rust#827',
    text: String.raw`body: SdkBody { inner: Once(Some(b\"<ErrorResponse xmlns=\\\"https://sts.amazonaws.com/doc/2011-06-15/\\\">\\n  <Error>\\n    <Type>Sender</Type>\\n    <Code>InvalidIdentityToken</Code>\\n    <Message>Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements</Message>\\n  </Error>\\n  <RequestId> 00000000-0000-0000-0000-000000000000</RequestId>\\n</ErrorResponse>\\n\")), retryable: true }`,
    ids: ['sts-jwks-unreachable'],
  },
  {
    name: 'jwks: PHP, lower-case and a single space',
    source: 'aws/aws-sdk-php#1725',
    text: "couldn't retrieve verification key from your identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements",
    ids: ['sts-jwks-unreachable'],
  },
  {
    name: 'jwks: JS v3 IDPCommunicationErrorException',
    source: 'aws-sdk-js-v3 client-sts models',
    text: 'IDPCommunicationErrorException: The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached.',
    ids: ['sts-jwks-unreachable'],
  },
  {
    name: 'unknown InvalidIdentityToken message falls back to the generic entry, message kept',
    source: 'STS error codes',
    text: 'An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: The ID token provided has an invalid signature',
    ids: ['sts-invalid-identity-token'],
    causes: ['IRSA401', 'IRSA002', 'IRSA003', 'IRSA004', 'IRSA402'],
    extracted: { message: 'The ID token provided has an invalid signature' },
  },

  // --- sts-token-expired -------------------------------------------------------------------
  {
    name: 'token expired: botocore, old form without a space (3 min past exp: clock first)',
    source: 'awslabs/aws-orbit-workbench#707',
    text: 'botocore.errorfactory.ExpiredTokenException: An error occurred (ExpiredTokenException) when calling the AssumeRoleWithWebIdentity operation: Token expired: current date/time 1624482533 must be before the expiration date/time1624482335',
    ids: ['sts-token-expired'],
    causes: ['IRSA401', 'IRSA302', 'IRSA306'],
    extracted: { secondsPastExpiry: '198', expiredFor: '3 min 18 s', expiresAt: '2021-06-23T21:05:35Z', currentTime: '2021-06-23T21:08:53Z' },
  },
  {
    name: 'token expired: Java v2 abbreviated exception (50 min past exp)',
    source: 'aws/aws-sdk-java-v2#5709',
    text: 's.a.a.s.s.m.ExpiredTokenException: Token expired: current date/time 1731098245 must be before the expiration date/time 1731095240 (Service: Sts, Status Code: 400, Request ID: 22679931-6a1d-4db3-abd0-a189de181809)\n\tat s.a.a.c.i.h.CombinedResponseHandler.handleErrorResponse(CombinedResponseHandler.java:125)',
    ids: ['sts-token-expired'],
    causes: ['IRSA401', 'IRSA302', 'IRSA306'],
    extracted: { secondsPastExpiry: '3005', expiredFor: '50 min 5 s', sdk: 'java-v2', requestId: '22679931-6a1d-4db3-abd0-a189de181809' },
  },
  {
    name: 'token expired: Go v2 in a logrus line, days past exp (file not refreshed first)',
    source: 'Go v2 SSM client log',
    text: 'time="2025-07-24T18:50:58Z" level=error msg="Error Getting Parameters from SSM: operation error SSM: GetParametersByPath, failed to sign request: failed to retrieve credentials: failed to refresh cached credentials, failed to retrieve credentials, operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400, RequestID: b668e52a-7e9d-41a8-b139-260395f485a7, ExpiredTokenException: Token expired: current date/time 1753382758 must be before the expiration date/time 1753089571"',
    ids: ['sts-token-expired'],
    causes: ['IRSA302', 'IRSA306', 'IRSA401'],
    extracted: { secondsPastExpiry: '293187', expiredFor: '3 d 9 h', sdk: 'go-v2' },
  },
  {
    name: 'token expired: STS XML "Token too old"',
    source: 'mozilla-iam/mozilla-aws-cli#146',
    text: '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n  <Error>\n    <Type>Sender</Type>\n    <Code>ExpiredTokenException</Code>\n    <Message>Token too old: 441398</Message>\n  </Error>\n  <RequestId>1fd1964b-1544-11ea-ba37-99c3c1dede42</RequestId>\n</ErrorResponse>',
    ids: ['sts-token-expired'],
    extracted: { tooOld: '441398', requestId: '1fd1964b-1544-11ea-ba37-99c3c1dede42' },
  },

  // --- sts-not-authorized-web-identity -----------------------------------------------------
  {
    name: 'trust: Go v1 inside a Kubernetes event',
    source: 'AWS Load Balancer Controller event',
    text: 'Warning  FailedBuildModel  31s (x5 over 70s)  ingress  (combined from similar events): Failed build model due to WebIdentityErr: failed to retrieve credentials\ncaused by: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity\n  status code: 403, request id: 76e48997-77ec-4b9c-8f6f-18351489ae36',
    ids: ['sts-not-authorized-web-identity'],
    causes: ['IRSA105', 'IRSA103', 'IRSA301', 'IRSA106', 'IRSA104', 'IRSA107', 'IRSA303'],
    extracted: { httpStatus: '403', requestId: '76e48997-77ec-4b9c-8f6f-18351489ae36' },
  },
  {
    name: 'trust: Go v2 EFS CSI driver',
    source: 'EFS CSI driver provisioning error',
    text: 'failed to provision volume with StorageClass "efs-sc": rpc error: code = Internal desc = Failed to fetch Access Points or Describe File System: operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 403, RequestID: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0, api error AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    ids: ['sts-not-authorized-web-identity'],
    extracted: { sdk: 'go-v2', httpStatus: '403' },
  },
  {
    name: 'trust: aws cli, with the expected role making the commands concrete',
    source: 'external-secrets/kubernetes-external-secrets#622',
    text: 'An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity',
    opts: { expectedRoleArn: 'arn:aws:iam::111122223333:role/external-secrets', namespace: 'es', serviceAccount: 'external-secrets' },
    ids: ['sts-not-authorized-web-identity'],
    extracted: { roleName: 'external-secrets', account: '111122223333' },
    collect: ['aws iam get-role --role-name external-secrets --query Role.AssumeRolePolicyDocument', 'kubectl get sa external-secrets -n es -o yaml'],
  },

  // --- validation errors -------------------------------------------------------------------
  {
    name: 'role ARN invalid: botocore',
    source: 'spec §1 #0',
    text: 'An error occurred (ValidationError) when calling the AssumeRoleWithWebIdentity operation: Request ARN is invalid',
    ids: ['sts-role-arn-invalid'],
    causes: ['IRSA101', 'IRSA302', 'IRSA303'],
  },
  {
    name: 'role ARN invalid: length constraint, bad value extracted',
    source: 'STS ValidationError wording',
    text: "ValidationError: 1 validation error detected: Value 'arn:aws:iam::' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20\n\tstatus code: 400, request id: 4c1d2e3f-0a1b-4c2d-9e3f-4a5b6c7d8e9f",
    ids: ['sts-role-arn-invalid'],
    extracted: { badValue: 'arn:aws:iam::' },
  },
  {
    name: 'duration: botocore',
    source: 'spec §1 #8',
    text: 'An error occurred (ValidationError) when calling the AssumeRoleWithWebIdentity operation: The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    ids: ['sts-duration-exceeds-max'],
    causes: ['IRSA102', 'IRSA402'],
  },
  {
    name: 'duration: constraint form, value extracted',
    source: 'STS ValidationError wording',
    text: "ValidationError: 1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
    ids: ['sts-duration-exceeds-max'],
    extracted: { durationSeconds: '43201' },
  },

  // --- signing and credentials -------------------------------------------------------------
  {
    name: 'credential scope: Go v2, bare message',
    source: 'hashicorp/terraform-provider-aws#34865',
    text: 'operation error STS: GetCallerIdentity, https response error StatusCode: 403, RequestID: f16ffea6-1579-440e-aed9-f5f18c361a85, api error SignatureDoesNotMatch: Credential should be scoped to a valid region.',
    ids: ['credential-scope-invalid-region'],
    causes: ['IRSA308', 'IRSA307'],
  },
  {
    name: 'credential scope: aws cli, region extracted',
    source: 'cloud-custodian/cloud-custodian#4874',
    text: "An error occurred (SignatureDoesNotMatch) when calling the AssumeRole operation: Credential should be scoped to a valid region, not 'us-east-2'. ",
    ids: ['credential-scope-invalid-region'],
    extracted: { signingRegion: 'us-east-2' },
  },
  {
    name: 'invalid client token: the article (China, no region in the message)',
    source: 'seed article, step 13',
    text: 'An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid',
    ids: ['security-token-invalid'],
    causes: ['IRSA304', 'IRSA308', 'IRSA307'],
  },
  {
    name: 'invalid client token: China hint in the block puts the region first',
    source: 'seed article, step 13',
    text: 'region=cn-northwest-1 cluster=ingest\nAn error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid',
    ids: ['security-token-invalid'],
    causes: ['IRSA307', 'IRSA304', 'IRSA308'],
    extracted: { partitionHint: 'aws-cn' },
  },
  {
    name: 'invalid client token: Go v1 and JSON protocol wording on one line count as two',
    source: 'grafana/grafana#48267',
    text: '1. CloudWatch metrics query failed: InvalidClientTokenId: The security token included in the request is invalid status code: 403, request id: b5b1acac-0061-4a79-baad-9acc85efd60b 2. CloudWatch logs query failed: UnrecognizedClientException: The security token included in the request is invalid',
    ids: ['security-token-invalid'],
    count: 2,
  },
  {
    name: 'expired session credentials',
    source: 'STS/IAM ExpiredToken wording',
    text: 'An error occurred (ExpiredToken) when calling the ListBuckets operation: The security token included in the request is expired',
    ids: ['security-token-expired'],
    causes: ['IRSA304', 'IRSA306'],
  },
  {
    name: 'S3 InvalidToken in an opt-in region',
    source: 'aws/aws-sdk-js#4140',
    text: '(node:9259) UnhandledPromiseRejectionWarning: InvalidToken: The provided token is malformed or otherwise invalid.\n    at Request.extractError (/uloha/node_modules/aws-sdk/lib/services/s3.js:711:35)',
    ids: ['session-token-rejected-in-region'],
    causes: ['IRSA308', 'IRSA304'],
    extracted: { sdk: 'js-v2' },
  },

  // --- network -----------------------------------------------------------------------------
  {
    name: 'STS unreachable: Go v1, global endpoint',
    source: 'brief; Go v1 RequestError wording',
    text: 'WebIdentityErr: failed to retrieve credentials\ncaused by: RequestError: send request failed\ncaused by: Post "https://sts.amazonaws.com/": dial tcp 52.94.241.129:443: i/o timeout',
    ids: ['sts-endpoint-unreachable'],
    causes: ['IRSA308', 'IRSA307'],
    extracted: { stsHost: 'sts.amazonaws.com', stsEndpoint: 'global', networkError: 'i/o timeout' },
  },
  {
    name: 'STS unreachable: Go v2, regional endpoint (VPC endpoint advice)',
    source: 'Go v2 request send failed wording',
    text: 'operation error STS: AssumeRoleWithWebIdentity, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, Post "https://sts.eu-west-1.amazonaws.com/": dial tcp 67.220.245.46:443: i/o timeout',
    ids: ['sts-endpoint-unreachable'],
    extracted: { stsHost: 'sts.eu-west-1.amazonaws.com', stsEndpoint: 'regional', region: 'eu-west-1' },
    collect: ['Values=com.amazonaws.eu-west-1.sts --region eu-west-1'],
  },
  {
    name: 'STS unreachable: botocore connect timeout (error before the host)',
    source: 'botocore ConnectTimeoutError wording',
    text: 'botocore.exceptions.ConnectTimeoutError: Connect timeout on endpoint URL: "https://sts.amazonaws.com/"',
    ids: ['sts-endpoint-unreachable'],
    extracted: { networkError: 'Connect timeout', stsEndpoint: 'global' },
  },
  {
    name: 'STS unreachable: Java names the host twice, one match',
    source: 'Apache HttpClient wording in the Java SDK',
    text: 'software.amazon.awssdk.core.exception.SdkClientException: Unable to execute HTTP request: Connect to sts.us-west-2.amazonaws.com:443 [sts.us-west-2.amazonaws.com/52.46.128.1] failed: connect timed out',
    ids: ['sts-endpoint-unreachable'],
    count: 1,
    extracted: { region: 'us-west-2' },
  },
  {
    name: 'IMDS: Go v2 timeout supersedes the bare "no EC2 IMDS role found"',
    source: 'Go v2 ec2imds wording',
    text: 'Error: failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, request canceled, context deadline exceeded',
    ids: ['imds-unreachable'],
    causes: ['IRSA302', 'IRSA303', 'IRSA301', 'IRSA202', 'IRSA306'],
  },
  {
    name: 'IMDS: Go v1 verbose chain ending at IMDS',
    source: 'aws-sdk-go v1 CredentialsChainVerboseErrors output',
    text: [
      'NoCredentialProviders: no valid providers in chain',
      'caused by: EnvAccessKeyNotFound: failed to find credentials in the environment.',
      'SharedCredsLoad: failed to load profile, .',
      'EC2RoleRequestError: no EC2 instance role found',
      'caused by: RequestError: send request failed',
      'caused by: Get "http://169.254.169.254/latest/meta-data/iam/security-credentials/": dial tcp 169.254.169.254:80: i/o timeout',
    ].join(NL),
    ids: ['imds-unreachable'],
    extracted: { networkError: 'i/o timeout', sdk: 'go-v1' },
  },
  {
    name: 'Pod Identity agent unreachable',
    source: 'spec §8',
    text: 'Error retrieving credentials: Get "http://169.254.170.23/v1/credentials": dial tcp 169.254.170.23:80: connect: connection refused',
    ids: ['pod-identity-agent-unreachable'],
    causes: ['IRSA304', 'IRSA302'],
    extracted: { networkError: 'connection refused' },
  },

  // --- token file --------------------------------------------------------------------------
  {
    name: 'token permission: Python (the article, curly quote)',
    source: 'seed article, step 9',
    text: 'Error: PermissionError: [Errno 13] Permission denied: ‘/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
    ids: ['token-file-permission-denied'],
    causes: ['IRSA305'],
    extracted: { tokenPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
  },
  {
    name: 'token permission: Go v1 (the article), path twice, one match',
    source: 'seed article, step 9',
    text: String.raw`WebIdentityErr: failed fetching WebIdentity token: \ncaused by: WebIdentityErr: unable to read file at /var/run/secrets/eks.amazonaws.com/serviceaccount/token\ncaused by: open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied`,
    ids: ['token-file-permission-denied'],
    count: 1,
    collect: ['kubectl exec <POD> -n <NAMESPACE> -- id', 'kubectl version -o json'],
  },
  {
    name: 'token permission: Node EACCES',
    source: 'Node fs error wording',
    text: "Error: EACCES: permission denied, open '/var/run/secrets/eks.amazonaws.com/serviceaccount/token'\n    at Object.openSync (node:fs:596:3)",
    ids: ['token-file-permission-denied'],
  },
  {
    name: 'token permission: Java NIO',
    source: 'java.nio wording',
    text: 'java.nio.file.AccessDeniedException: /var/run/secrets/eks.amazonaws.com/serviceaccount/token\n\tat java.base/sun.nio.fs.UnixException.translateToIOException(UnixException.java:90)',
    ids: ['token-file-permission-denied'],
  },
  {
    name: 'token missing: Go',
    source: 'Go os.Open wording',
    text: 'WebIdentityErr: failed fetching WebIdentity token: \ncaused by: WebIdentityErr: unable to read file at /var/run/secrets/eks.amazonaws.com/serviceaccount/token\ncaused by: open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: no such file or directory',
    ids: ['token-file-missing'],
    causes: ['IRSA302', 'IRSA303'],
  },
  {
    name: 'token missing: Windows path survives unescaping',
    source: 'spec §4 (Windows token path)',
    text: String.raw`open C:\var\run\secrets\eks.amazonaws.com\serviceaccount\token: The system cannot find the path specified.`,
    ids: ['token-file-missing'],
    extracted: { tokenPath: String.raw`C:\var\run\secrets\eks.amazonaws.com\serviceaccount\token` },
  },

  // --- credential chains -------------------------------------------------------------------
  {
    name: 'chain: botocore',
    source: 'botocore NoCredentialsError',
    text: 'botocore.exceptions.NoCredentialsError: Unable to locate credentials',
    ids: ['credential-chain-exhausted'],
    causes: ['IRSA302', 'IRSA303', 'IRSA301', 'IRSA202', 'IRSA201', 'IRSA306'],
    extracted: { sdk: 'botocore' },
  },
  {
    name: 'chain: Go v1 with escapes',
    source: 'mender-deployments log',
    text: String.raw`time="2017-01-31T08:18:26Z" level=fatal msg="NoCredentialProviders: no valid providers in chain. Deprecated. \n\tFor verbose messaging see aws.Config.CredentialsChainVerboseErrors"`,
    ids: ['credential-chain-exhausted'],
    extracted: { sdk: 'go-v1' },
  },
  {
    name: 'chain: Go v2 without a timeout',
    source: 'spec §8',
    text: 'failed to refresh cached credentials, no EC2 IMDS role found, operation error ec2imds: GetMetadata, http response error StatusCode: 404, request to EC2 IMDS failed',
    ids: ['credential-chain-exhausted'],
  },
  {
    name: 'chain: JS v3',
    source: '@aws-sdk/credential-provider-node',
    text: 'CredentialsProviderError: Could not load credentials from any providers\n    at /app/node_modules/@aws-sdk/credential-provider-node/dist-cjs/defaultProvider.js:13:11',
    ids: ['credential-chain-exhausted'],
    extracted: { sdk: 'js-v3' },
  },
  {
    name: 'chain: JS v2 old SDK symptom puts the SDK version first',
    source: 'spec §6 (old SDK symptoms)',
    text: 'CredentialsError: Missing credentials in config, if using AWS_CONFIG_FILE, set AWS_SDK_LOAD_CONFIG=1',
    ids: ['credential-chain-exhausted'],
    causes: ['IRSA306', 'IRSA302', 'IRSA303', 'IRSA301', 'IRSA202', 'IRSA201'],
    extracted: { sdk: 'js-v2' },
  },
  {
    name: 'chain: Java v2 whose web identity provider saw no env: the specific entry wins',
    source: 'Greengrass / IRSA Java v2 chain messages',
    text: 'software.amazon.awssdk.core.exception.SdkClientException: Unable to load credentials from any of the providers in the chain AwsCredentialsProviderChain(credentialsProviders=[SystemPropertyCredentialsProvider(), EnvironmentVariableCredentialsProvider(), WebIdentityTokenCredentialsProvider(), ProfileCredentialsProvider(), ContainerCredentialsProvider(), InstanceProfileCredentialsProvider()]) : [SystemPropertyCredentialsProvider(): Unable to load credentials from system settings. Access key must be specified either via environment variable (AWS_ACCESS_KEY_ID) or system property (aws.accessKeyId)., EnvironmentVariableCredentialsProvider(): Unable to load credentials from system settings. Access key must be specified either via environment variable (AWS_ACCESS_KEY_ID) or system property (aws.accessKeyId)., WebIdentityTokenCredentialsProvider(): Either the environment variable AWS_WEB_IDENTITY_TOKEN_FILE or the javaproperty aws.webIdentityTokenFile must be set., ProfileCredentialsProvider(): Profile file contained no credentials for profile \'default\': ProfileFile(profiles=[]), ContainerCredentialsProvider(): Cannot fetch credentials from container - neither AWS_CONTAINER_CREDENTIALS_FULL_URI or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI environment variables are set., InstanceProfileCredentialsProvider(): Failed to load credentials from IMDS.]',
    ids: ['java-web-identity-env-missing'],
    causes: ['IRSA302', 'IRSA303', 'IRSA301', 'IRSA202'],
  },
  {
    name: 'chain: Java v2 without the sts module',
    source: 'spec §5 (Java v2)',
    text: "Unable to load credentials from any of the providers in the chain AwsCredentialsProviderChain(credentialsProviders=[...]) : [..., WebIdentityTokenCredentialsProvider(): To use web identity tokens, the 'sts' service module must be on the class path., ...]",
    ids: ['java-sts-module-missing'],
    causes: ['IRSA306'],
  },
  {
    name: 'chain: Java v1 without aws-java-sdk-sts',
    source: 'aws-sdk-java v1 chain message',
    text: 'com.amazonaws.SdkClientException: Unable to load AWS credentials from any provider in the chain: [EnvironmentVariableCredentialsProvider: Unable to load AWS credentials from environment variables (AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY) and AWS_SECRET_KEY (or AWS_SECRET_ACCESS_KEY)), SystemPropertiesCredentialsProvider: Unable to load AWS credentials from Java system properties (aws.accessKeyId and aws.secretKey), WebIdentityTokenCredentialsProvider: To use assume role profiles the aws-java-sdk-sts module must be on the class path., com.amazonaws.auth.profile.ProfileCredentialsProvider@12eedfee: Unable to load credentials into profile [default]: AWS Access Key ID is not specified.]',
    ids: ['java-sts-module-missing'],
    extracted: { sdk: 'java-v1' },
  },

  // --- EKS Pod Identity --------------------------------------------------------------------
  {
    name: 'Pod Identity: Go v1 too old',
    source: 'spec §6 (old SDK symptoms)',
    text: 'CredentialsEndpointError: invalid endpoint host, "169.254.170.23", only loopback hosts are allowed.',
    ids: ['pod-identity-old-sdk'],
    causes: ['IRSA306', 'IRSA304'],
    extracted: { host: '169.254.170.23' },
  },
  {
    name: 'Pod Identity: JS v3 too old',
    source: 'aws-actions/configure-aws-credentials#942',
    text: 'Error: Credentials could not be loaded, please check your action inputs: 169.254.170.23 is not a valid container metadata service hostname',
    ids: ['pod-identity-old-sdk'],
  },
  {
    name: 'Pod Identity: trust refused, aws cli',
    source: 'spec §8; EKS workshop output',
    text: 'Error when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response 400 from container metadata: [b69b1279-d140-4eee-b7ea-b124286f544c]: (AccessDeniedException): Unauthorized Exception! EKS does not have permissions to assume the associated role., fault: client',
    ids: ['pod-identity-unauthorized'],
    causes: ['IRSA304', 'IRSA302'],
  },
  {
    name: 'Pod Identity: Bearer-prefixed token',
    source: 'spec §8',
    text: 'Received non 200 response 400 from container metadata: Service account token cannot be parsed: token is malformed: token contains an invalid number of segments',
    ids: ['pod-identity-token-invalid'],
  },

  // --- AccessDenied from the application ---------------------------------------------------
  {
    name: 'app denied: node role by instance id, JS v2 JSON log with a doubly escaped stack',
    source: 'external-secrets/kubernetes-external-secrets#419',
    text: String.raw`{"level":50,"time":"2020-07-03T10:49:49.545Z","message":"User: arn:aws:sts::111122223333:assumed-role/eksctl-prod-nodegroup-24b3-NodeInstanceRole-1UU8XUZSIV6RZ/i-0cee646fefe9d6da9 is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:ap-southeast-2:111122223333:secret:db-creds-nzYAC0","code":"AccessDeniedException","statusCode":400,"stack":"AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/eksctl-prod-nodegroup-24b3-NodeInstanceRole-1UU8XUZSIV6RZ/i-0cee646fefe9d6da9 is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:ap-southeast-2:111122223333:secret:db-creds-nzYAC0\\n    at Request.extractError (/app/node_modules/aws-sdk/lib/protocol/json.js:51:27)"}`,
    ids: ['app-access-denied-node-role'],
    count: 2,
    causes: ['IRSA302', 'IRSA303', 'IRSA301', 'IRSA202', 'IRSA306', 'IRSA304'],
    extracted: {
      action: 'secretsmanager:GetSecretValue',
      resource: 'arn:aws:secretsmanager:ap-southeast-2:111122223333:secret:db-creds-nzYAC0',
      account: '111122223333',
      roleName: 'eksctl-prod-nodegroup-24b3-NodeInstanceRole-1UU8XUZSIV6RZ',
      sessionName: 'i-0cee646fefe9d6da9',
      sessionKind: 'ec2-instance',
    },
  },
  {
    name: 'app denied: node role by role name (custom session name)',
    source: 'Karpenter node role naming',
    text: 'AccessDenied: User: arn:aws:sts::111122223333:assumed-role/KarpenterNodeRole-prod/ops-session is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::artifacts',
    ids: ['app-access-denied-node-role'],
    extracted: { roleName: 'KarpenterNodeRole-prod', sessionKind: 'other' },
  },
  {
    name: 'app denied: kops node role',
    source: 'kubernetes/kops#13078',
    text: 'User: arn:aws:sts::210987654321:assumed-role/nodes.cluster.k8s.local/i-12345678d20aa201b is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:210987654321:table/orders',
    ids: ['app-access-denied-node-role'],
  },
  {
    name: 'app denied: IRSA role (botocore session), quoted resource and reason',
    source: 'brief; botocore default session name',
    text: 'botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:sts::111122223333:assumed-role/app-s3-reader/botocore-session-1700000000 is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::my-bucket/data.csv" because no identity-based policy allows the s3:GetObject action',
    ids: ['app-access-denied-irsa-role'],
    causes: ['IRSA108'],
    extracted: {
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::my-bucket/data.csv',
      roleName: 'app-s3-reader',
      sessionKind: 'web-identity',
      sessionSdk: 'botocore',
      denyPolicy: 'identity',
    },
    collect: [
      'aws iam list-attached-role-policies --role-name app-s3-reader',
      'aws iam simulate-principal-policy --policy-source-arn arn:aws:iam::111122223333:role/app-s3-reader --action-names s3:GetObject --resource-arns arn:aws:s3:::my-bucket/data.csv',
    ],
  },
  {
    name: 'app denied: IRSA role (Go nanosecond session), Karpenter PassRole',
    source: 'aws/karpenter-provider-aws#6298',
    text: 'launching nodeclaim, creating instance, with fleet error(s), UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:sts::111111111111:assumed-role/prod-karpenter/1717079343811266923 is not authorized to perform: iam:PassRole on resource: arn:aws:iam::111111111111:role/KarpenterNodeRole-prod because no identity-based policy allows the iam:PassRole action. Encoded Failure: <encoded-message>',
    ids: ['app-access-denied-irsa-role'],
    extracted: { roleName: 'prod-karpenter', sessionSdk: 'go', action: 'iam:PassRole', resource: 'arn:aws:iam::111111111111:role/KarpenterNodeRole-prod' },
  },
  {
    name: 'app denied: IRSA role (JS v3 session)',
    source: '@aws-sdk/credential-provider-web-identity default session name',
    text: 'AccessDenied: User: arn:aws:sts::111122223333:assumed-role/orders-api/aws-sdk-js-session-1700000000000 is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:eu-west-1:111122223333:orders',
    ids: ['app-access-denied-irsa-role'],
    extracted: { sessionSdk: 'js-v3' },
  },
  {
    name: 'app denied: IRSA role (Java session), SCP deny outside the role',
    source: 'aws-sdk-java StsWebIdentityCredentialsProvider default session name',
    text: 'software.amazon.awssdk.services.s3.model.S3Exception: User: arn:aws:sts::111122223333:assumed-role/ledger/aws-sdk-java-1700000000000 is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::ledger-archive/2024/01.parquet" with an explicit deny in a service control policy (Service: S3, Status Code: 403, Request ID: ABCDEF1234567890)',
    ids: ['app-access-denied-irsa-role'],
    extracted: { sessionSdk: 'java', denyPolicy: 'scp' },
  },
  {
    name: 'app denied: IRSA role (JS v2 session name)',
    source: 'aws/aws-sdk-js#4140 (RoleSessionName token-file-web-identity)',
    text: 'AccessDeniedException: User: arn:aws:sts::111122223333:assumed-role/uploader/token-file-web-identity is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-central-1:111122223333:table/uploads',
    ids: ['app-access-denied-irsa-role'],
    extracted: { sessionSdk: 'js-v2', roleName: 'uploader' },
  },
  {
    name: 'app denied: Pod Identity session, resource policy deny',
    source: 'aws/containers-roadmap#2362 (Pod Identity session names)',
    text: 'User: arn:aws:sts::111122223333:assumed-role/bookingApiPod/eks-k8s-wl-dev-engine-boo-5af5e7ac-5754-49ea-b28f-2c2a2eb95fbb is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab because no resource-based policy allows the kms:Decrypt action',
    ids: ['app-access-denied-irsa-role'],
    causes: ['IRSA108'],
    extracted: { sessionKind: 'pod-identity', denyPolicy: 'resource', denyReason: 'no resource-based policy allows the kms:Decrypt action' },
  },
  {
    name: 'app denied: custom session, no expected role: cannot tell',
    source: 'brief',
    text: 'User: arn:aws:sts::111122223333:assumed-role/app-role/checkout-7d9f is not authorized to perform: kinesis:PutRecord on resource: arn:aws:kinesis:us-east-1:111122223333:stream/clicks',
    ids: ['app-access-denied-unknown-role'],
    causes: ['IRSA108', 'IRSA302', 'IRSA303', 'IRSA304'],
  },
  {
    name: 'app denied: custom session, expected role matches: IRSA role',
    source: 'brief',
    text: 'User: arn:aws:sts::111122223333:assumed-role/app-role/checkout-7d9f is not authorized to perform: kinesis:PutRecord on resource: arn:aws:kinesis:us-east-1:111122223333:stream/clicks',
    opts: { expectedRoleArn: 'arn:aws:iam::111122223333:role/platform/app-role' },
    ids: ['app-access-denied-irsa-role'],
    collect: ['--policy-source-arn arn:aws:iam::111122223333:role/platform/app-role'],
  },
  {
    name: 'app denied: custom session, expected role differs: another role',
    source: 'brief',
    text: 'User: arn:aws:sts::111122223333:assumed-role/legacy-role/checkout-7d9f is not authorized to perform: kinesis:PutRecord on resource: arn:aws:kinesis:us-east-1:111122223333:stream/clicks',
    opts: { expectedRoleArn: 'arn:aws:iam::111122223333:role/app-role' },
    ids: ['app-access-denied-other-role'],
    causes: ['IRSA303', 'IRSA301', 'IRSA302', 'IRSA304'],
    extracted: { expectedRoleArn: 'arn:aws:iam::111122223333:role/app-role' },
  },
  {
    name: 'app denied: instance session and an expected role: node role',
    source: 'brief',
    text: 'User: arn:aws:sts::111122223333:assumed-role/eks-node-group-role-a1/i-0abc1234def567890 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k',
    opts: { expectedRoleArn: 'arn:aws:iam::111122223333:role/app-role' },
    ids: ['app-access-denied-node-role'],
  },
  {
    name: 'app denied: IAM user keys shadow IRSA',
    source: 'spec §5',
    text: 'An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:iam::111122223333:user/ci-deployer is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::releases/app.tgz"',
    ids: ['app-access-denied-iam-user'],
    causes: ['IRSA304'],
    extracted: { principalArn: 'arn:aws:iam::111122223333:user/ci-deployer' },
  },

  // --- several errors, repeats, long logs --------------------------------------------------
  {
    name: 'repeats are grouped with their count; different request ids do not matter',
    source: 'controller retry loop',
    text: [1, 2, 3]
      .map((i) => `E0101 10:0${i}:00.000000 controller.go:217] WebIdentityErr: failed to retrieve credentials\ncaused by: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity\n\tstatus code: 403, request id: 3d54741a-4b85-4025-ad11-73d4a3661d0${i}`)
      .join('\n'),
    ids: ['sts-not-authorized-web-identity'],
    count: 3,
  },
  {
    name: 'two different errors come out in text order',
    source: 'mixed log',
    text: 'first: Error: EACCES: permission denied, open \'/var/run/secrets/eks.amazonaws.com/serviceaccount/token\'\nthen: An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience',
    ids: ['token-file-permission-denied', 'sts-incorrect-audience'],
  },
];

function check(c: Case, got: ExplainMatch[]): void {
  assert.deepEqual(got.map((m) => m.id), c.ids, `${c.name}: ids (source ${c.source})`);
  const first = got[0];
  if (!first) return;
  if (c.causes) assert.deepEqual(first.causes.map((x) => x.check), c.causes, `${c.name}: causes`);
  for (const [k, v] of Object.entries(c.extracted ?? {})) assert.equal(first.extracted[k], v, `${c.name}: extracted.${k}`);
  for (const k of c.absent ?? []) assert.equal(first.extracted[k], undefined, `${c.name}: extracted.${k} should be absent`);
  for (const s of c.collect ?? []) {
    assert.ok(first.collect.some((cmd) => cmd.includes(s)), `${c.name}: a command containing ${JSON.stringify(s)} in ${JSON.stringify(first.collect, null, 1)}`);
  }
  if (c.count !== undefined) assert.equal(first.count, c.count, `${c.name}: count`);
}

for (const c of CASES) {
  test(`explain: ${c.name}`, () => check(c, explain(c.text, c.opts)));
}

test('explain: every match points at its text in the original input', () => {
  for (const c of CASES) {
    for (const m of explain(c.text, c.opts)) {
      assert.ok(m.start >= 0 && m.start < m.end && m.end <= c.text.length, `${c.name}: offsets ${m.start}-${m.end}`);
      assert.ok(m.excerpt.length > 0 && m.excerpt.length <= 310, `${c.name}: excerpt length ${m.excerpt.length}`);
      assert.ok(!/\{\{|\}\}|\[\[|\]\]/.test(m.meaning + m.causes.map((x) => x.why).join('') + m.collect.join('')), `${c.name}: unrendered template`);
    }
  }
});

test('explain: the excerpt shows the matched error without escapes', () => {
  const [m] = explain(String.raw`{"error":"WebIdentityErr: failed to retrieve credentials\ncaused by: InvalidIdentityToken: Incorrect token audience\n\tstatus code: 400"}`);
  assert.ok(m);
  assert.match(m.excerpt, /InvalidIdentityToken: Incorrect token audience/);
  assert.doesNotMatch(m.excerpt, /\\n/);
});

test('explain: a long excerpt is cut to about 300 characters around the match', () => {
  const text = `${'x'.repeat(2000)} An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience ${'y'.repeat(2000)}`;
  const [m] = explain(text);
  assert.ok(m);
  assert.ok(m.excerpt.length <= 310);
  assert.match(m.excerpt, /Incorrect token audience/);
});

test('explain: the same token error with different times is one match', () => {
  const text = [
    'Token expired: current date/time 1700003700 must be before the expiration date/time 1700000000',
    'Token expired: current date/time 1700007300 must be before the expiration date/time 1700000000',
  ].join('\n');
  const got = explain(text);
  assert.equal(got.length, 1);
  assert.equal(got[0]?.count, 2);
  assert.equal(got[0]?.extracted.secondsPastExpiry, '3700');
});

test('explain: an error buried in a long log excerpt is found with its values', () => {
  const lines: string[] = [];
  for (let i = 0; i < 4000; i++) lines.push(`2024-05-01T12:${String(i % 60).padStart(2, '0')}:00Z INFO request ${i} served in ${i % 97} ms path=/api/v1/items/${i}`);
  lines.splice(2500, 0, 'ERROR upload failed: User: arn:aws:sts::123456789012:assumed-role/uploader/botocore-session-1714564800 is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::uploads/x.bin');
  const got = explain(lines.join('\n'));
  assert.deepEqual(got.map((m) => m.id), ['app-access-denied-irsa-role']);
  assert.equal(got[0]?.extracted.resource, 'arn:aws:s3:::uploads/x.bin');
});

// --- negative cases ------------------------------------------------------------------------

const NEGATIVE: Array<{ name: string; text: string }> = [
  {
    name: 'a healthy IRSA pod: env, a successful get-caller-identity, a trust policy, normal logs',
    text: [
      'AWS_ROLE_ARN=arn:aws:iam::111122223333:role/app',
      'AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
      'AWS_STS_REGIONAL_ENDPOINTS=regional',
      '{',
      '    "UserId": "AROAEXAMPLE:botocore-session-1700000000",',
      '    "Account": "111122223333",',
      '    "Arn": "arn:aws:sts::111122223333:assumed-role/app/botocore-session-1700000000"',
      '}',
      '"Condition": { "StringEquals": { "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com" } }',
      'INFO request timed out after 30s, retrying (upstream payments-api)',
      'INFO connected to https://sts.us-east-1.amazonaws.com/ in 12 ms',
      'INFO credentials refreshed, token file /var/run/secrets/eks.amazonaws.com/serviceaccount/token',
      'NAME      SECRETS   AGE',
      'default   1         28d',
    ].join('\n'),
  },
  {
    name: 'KMS access denied wording without a principal',
    text: 'An error occurred (AccessDeniedException) when calling the Decrypt operation: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
  },
  { name: 'plain S3 Access Denied', text: 'An error occurred (AccessDenied) when calling the GetObject operation: Access Denied' },
  {
    name: 'credential scope from another service (SES)',
    text: "com.amazonaws.services.simpleemail.model.AmazonSimpleEmailServiceException: Credential should be scoped to a valid region, not 'us-west-1'. (Service: AmazonSimpleEmailService; Status Code: 403; Error Code: SignatureDoesNotMatch; Request ID: 12d2e54e-18f3-11e7-83c9-45c8f5de0589)",
  },
  { name: 'an unrelated missing file', text: "Error: ENOENT: no such file or directory, open '/etc/app/config.yaml'" },
  {
    name: 'token path and permission denied on different lines',
    text: 'mounted /var/run/secrets/eks.amazonaws.com/serviceaccount/token\nmkdir /data/cache: permission denied',
  },
  { name: 'an STS audience next to a timeout', text: 'aud=sts.amazonaws.com; upstream timed out' },
  { name: 'empty text', text: '' },
];

for (const n of NEGATIVE) {
  test(`explain (negative): ${n.name}`, () => {
    assert.deepEqual(explain(n.text).map((m) => m.id), []);
  });
}
