import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PARTITIONS,
  formatArn,
  isKnownPartition,
  isRegionName,
  parseArn,
  parseRoleArn,
  partitionOfRegion,
  regionFromClusterArn,
  roleArn,
  splitArnComponents,
  type PartitionId,
} from './arn.js';

test('parseArn splits on the first five colons and keeps the rest in the resource', () => {
  const r = parseArn('arn:aws:sns:us-east-1:111122223333:topic:sub:1');
  assert.ok(r.ok);
  assert.deepEqual(r.arn, { partition: 'aws', service: 'sns', region: 'us-east-1', account: '111122223333', resource: 'topic:sub:1' });
  assert.equal(formatArn(r.arn), 'arn:aws:sns:us-east-1:111122223333:topic:sub:1');
  const s3 = parseArn('arn:aws:s3:::bucket/key');
  assert.ok(s3.ok);
  assert.equal(s3.arn.region, '');
  assert.equal(s3.arn.account, '');
});

test('parseArn problems', () => {
  const problem = (s: string): string => {
    const r = parseArn(s);
    return r.ok ? 'ok' : r.problem;
  };
  assert.equal(problem(''), 'empty');
  assert.equal(problem('aws:iam::1:role/x'), 'notArn');
  assert.equal(problem('arn:aws:iam'), 'missingParts');
  assert.equal(problem('arn::iam::1:role/x'), 'emptyPartition');
  assert.equal(problem('arn:aws:::1:role/x'), 'emptyService');
  assert.equal(problem('arn:aws:iam::111122223333:'), 'emptyResource');
  assert.equal(problem(42 as unknown as string), 'empty');
});

test('splitArnComponents', () => {
  assert.deepEqual(splitArnComponents('arn:aws:iam::1:role/a:b'), ['arn', 'aws', 'iam', '', '1', 'role/a:b']);
  assert.equal(splitArnComponents('arn:aws:iam::1'), undefined);
});

test('every partition maps back from its default region and has an STS host', () => {
  for (const [id, info] of Object.entries(PARTITIONS) as Array<[PartitionId, (typeof PARTITIONS)[PartitionId]]>) {
    assert.equal(info.id, id);
    assert.equal(partitionOfRegion(info.defaultRegion), id, info.defaultRegion);
    assert.ok(isRegionName(info.defaultRegion), info.defaultRegion);
    assert.ok(isKnownPartition(id));
  }
  assert.equal(PARTITIONS.aws.globalStsHost, 'sts.amazonaws.com');
  assert.equal(PARTITIONS['aws-cn'].globalStsHost, undefined);
  assert.equal(isKnownPartition('aws-china'), false);
  assert.equal(isKnownPartition('toString'), false);
});

test('us-isob- wins over us-iso-, region prefixes are case-insensitive', () => {
  assert.equal(partitionOfRegion('us-isob-east-1'), 'aws-iso-b');
  assert.equal(partitionOfRegion('us-iso-west-1'), 'aws-iso');
  assert.equal(partitionOfRegion('CN-NORTH-1'), 'aws-cn');
  assert.equal(partitionOfRegion('unknown'), 'aws');
});

test('roleArn builds the canonical ARN that parseRoleArn returns', () => {
  const arn = roleArn('aws', '111122223333', 'app', '/team/');
  assert.equal(arn, 'arn:aws:iam::111122223333:role/team/app');
  const r = parseRoleArn(arn);
  assert.ok(r.ok);
  assert.equal(r.arn, arn);
  assert.equal(r.path, '/team/');
});

test('role ARN details name the fix', () => {
  const ws = parseRoleArn('arn:aws:iam::111122223333:role/app\n');
  assert.ok(!ws.ok);
  assert.match(ws.detail, /trailing whitespace/);
  assert.match(ws.detail, /line break/);
  const acct = parseRoleArn('arn:aws:iam::11112222333:role/app');
  assert.ok(!acct.ok);
  assert.match(acct.detail, /has 11/);
  const bare = parseRoleArn('my-app-role');
  assert.ok(!bare.ok);
  assert.match(bare.detail, /bare role name/);
  const name = parseRoleArn('arn:aws:iam::111122223333:role/my role');
  assert.ok(!name.ok);
  assert.match(name.detail, /" "/);
  const assumed = parseRoleArn('arn:aws:sts::111122223333:assumed-role/app/session');
  assert.ok(!assumed.ok);
  assert.match(assumed.detail, /path/);
});

test('regionFromClusterArn', () => {
  assert.equal(regionFromClusterArn('arn:aws:eks:eu-west-1:111122223333:cluster/prod'), 'eu-west-1');
  assert.equal(regionFromClusterArn(' arn:aws-cn:eks:cn-north-1:111122223333:cluster/prod '), 'cn-north-1');
  assert.equal(regionFromClusterArn('arn:aws:eks:eu-west-1:111122223333:nodegroup/prod/x/y'), undefined);
});
