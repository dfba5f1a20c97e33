// IAM's MalformedPolicyDocument messages for documents it refuses, as a table. Identity-policy
// cases are inputs from moto's invalid-document list whose answers LocalStack recorded from real
// IAM (test_iam_policies.snapshot.json, TestPolicyDocumentValidity); trust-policy cases from
// test_iam_roles.snapshot.json (test_update_assume_role_policy_errors) and public error reports.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePolicyDocument, type DocumentKind } from './documents.js';

const allow = (extra: Record<string, unknown>) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', ...extra }] });

const CASES: Array<{ name: string; kind: DocumentKind; doc: string; message?: string }> = [
  { name: 'valid identity policy', kind: 'identity', doc: allow({ Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }) },
  { name: 'valid with conditions', kind: 'identity', doc: allow({ Action: ['s3:Get*'], Resource: '*', Condition: { StringLike: { 's3:prefix': 'a/*' }, 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['a', 'b'] } } }) },
  { name: 'not JSON', kind: 'identity', doc: '{"Version": ', message: 'Syntax errors in policy.' },
  { name: 'a JSON array', kind: 'identity', doc: '[]', message: 'Syntax errors in policy.' },
  { name: 'unknown top-level key', kind: 'identity', doc: JSON.stringify({ Version: '2012-10-17', Statement: [], Extra: 1 }), message: 'Syntax errors in policy.' },
  { name: 'no Version', kind: 'identity', doc: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }), message: 'Policy document must be version 2012-10-17 or greater.' },
  { name: 'old Version', kind: 'identity', doc: JSON.stringify({ Version: '2008-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }), message: 'Policy document must be version 2012-10-17 or greater.' },
  { name: 'unknown Version', kind: 'identity', doc: JSON.stringify({ Version: '2022-01-01', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }), message: 'Syntax errors in policy.' },
  { name: 'no Statement', kind: 'identity', doc: JSON.stringify({ Version: '2012-10-17' }), message: 'Syntax errors in policy.' },
  { name: 'empty Statement', kind: 'identity', doc: JSON.stringify({ Version: '2012-10-17', Statement: [] }), message: 'Syntax errors in policy.' },
  { name: 'no Effect', kind: 'identity', doc: JSON.stringify({ Version: '2012-10-17', Statement: [{ Action: 's3:*', Resource: '*' }] }), message: 'Syntax errors in policy.' },
  { name: 'Effect of another word', kind: 'identity', doc: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Permit', Action: 's3:*', Resource: '*' }] }), message: 'Syntax errors in policy.' },
  { name: 'Effect in lower case', kind: 'identity', doc: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'allow', Action: 's3:*', Resource: '*' }] }), message: 'The policy failed legacy parsing' },
  { name: 'Action and NotAction', kind: 'identity', doc: allow({ Action: 's3:*', NotAction: 'iam:*', Resource: '*' }), message: 'Syntax errors in policy.' },
  { name: 'Action not a string', kind: 'identity', doc: allow({ Action: 3, Resource: '*' }), message: 'Syntax errors in policy.' },
  { name: 'unknown condition operator', kind: 'identity', doc: allow({ Action: 's3:*', Resource: '*', Condition: { StringEqualz: { 'aws:username': 'x' } } }), message: 'Syntax errors in policy.' },
  { name: 'duplicate Sid', kind: 'identity', doc: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'a', Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Sid: 'a', Effect: 'Deny', Action: 's3:*', Resource: '*' }] }), message: 'Statement IDs (SID) in a single policy must be unique.' },
  { name: 'no Action', kind: 'identity', doc: allow({ Resource: '*' }), message: 'Policy statement must contain actions.' },
  { name: 'empty Action list', kind: 'identity', doc: allow({ Action: [], Resource: '*' }), message: 'Policy statement must contain actions.' },
  { name: 'action without vendor', kind: 'identity', doc: allow({ Action: 'GetObject', Resource: '*' }), message: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.' },
  { name: 'action with two colons', kind: 'identity', doc: allow({ Action: 's3:Get:Object', Resource: '*' }), message: 'Actions/Condition can contain only one colon.' },
  { name: 'vendor with a space', kind: 'identity', doc: allow({ Action: 'a a:GetObject', Resource: '*' }), message: 'Vendor a a is not valid' },
  { name: 'resource not an ARN', kind: 'identity', doc: allow({ Action: 's3:*', Resource: 'invalid resource' }), message: 'Resource invalid resource must be in ARN format or "*".' },
  { name: 'empty resource', kind: 'identity', doc: allow({ Action: 's3:*', Resource: ['', 'adf'] }), message: 'Resource adf must be in ARN format or "*".' },
  { name: 'bad partition', kind: 'identity', doc: allow({ Action: 's3:*', Resource: 'arn:bsdfdsafsad:*:*:*:*' }), message: 'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".' },
  { name: 'bad partition, short', kind: 'identity', doc: allow({ Action: 's3:*', Resource: 'arn:b:cadfsdf' }), message: 'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".' },
  { name: 'partition missing', kind: 'identity', doc: allow({ Action: 's3:*', Resource: 'arn:s3:::example_bucket' }), message: 'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".' },
  { name: 'IAM resource with a region', kind: 'identity', doc: allow({ Action: 'iam:*', Resource: 'arn:aws:iam:us-east-1::role/x' }), message: 'IAM resource arn:aws:iam:us-east-1::role/x cannot contain region information.' },
  { name: 'no Resource', kind: 'identity', doc: allow({ Action: 's3:*' }), message: 'Policy statement must contain resources.' },
  { name: 'Principal in an identity policy', kind: 'identity', doc: allow({ Action: 's3:*', Resource: '*', Principal: '*' }), message: 'Policy document should not specify a principal.' },

  { name: 'IRSA trust policy', kind: 'trust', doc: allow({ Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'oidc.eks.us-west-2.amazonaws.com/id/ABC:sub': 'system:serviceaccount:a:b' } } }) },
  { name: 'Pod Identity trust policy', kind: 'trust', doc: allow({ Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }) },
  { name: 'cross-account trust', kind: 'trust', doc: allow({ Principal: { AWS: 'arn:aws:iam::444455556666:role/irsa' }, Action: 'sts:AssumeRole' }) },
  { name: 'old trust policy without Version', kind: 'trust', doc: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) },
  { name: 'trust policy not JSON', kind: 'trust', doc: 'not valid json', message: 'This policy contains invalid Json' },
  { name: 'trust policy with another STS action', kind: 'trust', doc: allow({ Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:InvalidAction' }), message: 'AssumeRole policy may only specify STS AssumeRole actions.' },
  { name: 'trust policy with a Resource', kind: 'trust', doc: allow({ Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', Resource: '*' }), message: 'Has prohibited field Resource' },
  { name: 'trust policy without Principal', kind: 'trust', doc: allow({ Action: 'sts:AssumeRole' }), message: 'Missing required field Principal' },
  { name: 'Federated value not a domain or ARN', kind: 'trust', doc: allow({ Principal: { Federated: 'Calling [toString] on an Output<T>' }, Action: 'sts:AssumeRoleWithWebIdentity' }), message: 'Federated principals must be valid domain names or SAML metadata ARNs' },
  { name: 'AWS principal not an ARN', kind: 'trust', doc: allow({ Principal: { AWS: 'bob' }, Action: 'sts:AssumeRole' }), message: 'Invalid principal in policy: "AWS":"bob"' },
];

describe('IAM policy-document validation', () => {
  for (const c of CASES) {
    test(`${c.kind}: ${c.name}`, () => {
      const e = validatePolicyDocument(c.doc, c.kind);
      if (c.message === undefined) assert.equal(e, undefined, e?.message);
      else {
        assert.equal(e?.code, 'MalformedPolicyDocument');
        assert.equal(e?.status, 400);
        assert.equal(e?.message, c.message);
      }
    });
  }
});
