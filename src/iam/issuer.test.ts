import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, nearMissIssuer, parseIssuer, providerArn, sameIssuer, stripScheme } from './issuer.js';

const HP = 'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E';

test('sameIssuer: scheme stripped, host case and one trailing slash tolerated, path case significant', () => {
  assert.equal(sameIssuer(`https://${HP}`, HP), true);
  assert.equal(sameIssuer(`https://${HP}/`, HP), true);
  assert.equal(sameIssuer(`HTTPS://OIDC.EKS.US-EAST-1.AMAZONAWS.COM/id/EXAMPLED539D4633E53DE1B716D3041E`, HP), true);
  assert.equal(sameIssuer(HP, HP.toLowerCase()), false);
  assert.equal(sameIssuer(`http://${HP}`, HP), false);
  assert.equal(sameIssuer('example.com/a', 'example.com/a//'), false);
});

test('stripScheme and providerArn', () => {
  assert.equal(stripScheme(`https://${HP}`), HP);
  assert.equal(stripScheme(`HTTPS://${HP}`), HP);
  assert.equal(stripScheme(HP), HP);
  assert.equal(providerArn('aws', '111122223333', `https://${HP}`), `arn:aws:iam::111122223333:oidc-provider/${HP}`);
});

test('parseIssuer: the length limit and the port detail', () => {
  const long = `https://example.com/${'a'.repeat(300)}`;
  const r = parseIssuer(long);
  assert.equal(r.ok ? 'ok' : r.problem, 'tooLong');
  const port = parseIssuer('https://example.com:8443');
  assert.ok(port.ok);
  assert.equal(port.issuer.host, 'example.com');
  assert.match(port.issuer.iamProblems[0]?.detail ?? '', /port 8443/);
  assert.equal(parseIssuer(undefined as unknown as string).ok, false);
});

test('an EKS-looking host in the wrong partition suffix is not an EKS issuer', () => {
  const r = parseIssuer('https://oidc.eks.us-east-1.amazonaws.com.cn/id/ABC');
  assert.ok(r.ok);
  assert.equal(r.issuer.form, 'self-hosted');
  assert.equal(r.issuer.region, undefined);
});

test('editDistance counts a transposition as one edit and respects the cap', () => {
  assert.equal(editDistance('abc', 'abc'), 0);
  assert.equal(editDistance('abc', 'acb'), 1);
  assert.equal(editDistance('kitten', 'sitting'), 3);
  assert.equal(editDistance('', 'abcd'), 4);
  assert.equal(editDistance('a'.repeat(20), 'b'.repeat(20), 3), 4);
});

test('near-miss data carries the values a message needs', () => {
  const other = nearMissIssuer(HP, 'oidc.eks.us-east-1.amazonaws.com/id/5C92B5E8A1F0D4E6B7A8C9D0E1F2A3B4');
  assert.equal(other.kind, 'otherIssuerId');
  assert.deepEqual(other.data, { expectedId: 'EXAMPLED539D4633E53DE1B716D3041E', actualId: '5C92B5E8A1F0D4E6B7A8C9D0E1F2A3B4', region: 'us-east-1' });
  const region = nearMissIssuer(HP, `oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B716D3041E`);
  assert.equal(region.kind, 'otherRegion');
  assert.equal(region.data['actualRegion'], 'eu-west-1');
  const same = nearMissIssuer(HP, `https://${HP}/`);
  assert.equal(same.kind, 'schemeIncluded');
  const slash = nearMissIssuer(HP, `${HP}/`);
  assert.equal(slash.kind, 'same');
  assert.equal(slash.data['differences'], 'trailingSlash');
  assert.equal(nearMissIssuer(HP, '').kind, 'unrelated');
});
