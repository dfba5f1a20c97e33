// SigV4 verification: AWS's published test-suite vectors (aws-sig-v4-test-suite: get-vanilla,
// get-vanilla-query-order-key-case, post-x-www-form-urlencoded; credentials AKIDEXAMPLE, 2015-08-30
// 12:36:00Z, us-east-1, service "service"), the error order and strings, and a presigned
// GetCallerIdentity URL made by the real `aws eks get-token` (what an EKS bearer token carries).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatAmzDate, isGlobalSigningRegion, parseAmzDate, verifySigV4, type SigV4Request } from './sigv4.js';
import { LabState } from './state.js';

const NOW = new Date('2015-08-30T12:36:00Z');

function vectorState(): LabState {
  const s = new LabState();
  s.account('111122223333');
  s.credentials.set('AKIDEXAMPLE', {
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    arn: 'arn:aws:iam::111122223333:user/example',
    account: '111122223333',
    userId: 'AIDAEXAMPLE',
  });
  return s;
}

function req(method: string, path: string, headers: Record<string, string>, body = ''): SigV4Request {
  return { method, url: new URL(`https://example.amazonaws.com${path}`), headers, body: Buffer.from(body) };
}

const auth = (signedHeaders: string, signature: string, date = '20150830', region = 'us-east-1', service = 'service') =>
  `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${date}/${region}/${service}/aws4_request, SignedHeaders=${signedHeaders}, Signature=${signature}`;

const opts = (state: LabState, over: Partial<Parameters<typeof verifySigV4>[1]> = {}) => ({ state, service: 'service', now: NOW, signatureNow: NOW, ...over });

describe('AWS test-suite vectors', { timeout: 120_000 }, () => {
  const state = vectorState();
  const cases = [
    { name: 'get-vanilla', r: req('GET', '/', { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z', authorization: auth('host;x-amz-date', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31') }) },
    {
      name: 'get-vanilla-query-order-key-case',
      r: req('GET', '/?Param2=value2&Param1=value1', { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z', authorization: auth('host;x-amz-date', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500') }),
    },
    {
      name: 'post-x-www-form-urlencoded',
      r: req(
        'POST',
        '/',
        { 'content-type': 'application/x-www-form-urlencoded', host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z', authorization: auth('content-type;host;x-amz-date', 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a') },
        'Param1=value1',
      ),
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = verifySigV4(c.r, opts(state));
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.credential.arn, 'arn:aws:iam::111122223333:user/example');
      assert.equal(r.region, 'us-east-1');
    });
  }

  test('one changed byte of the body breaks the signature', () => {
    const c = cases[2] as (typeof cases)[number];
    const r = verifySigV4({ ...c.r, body: Buffer.from('Param1=value2') }, opts(state));
    assert.deepEqual(r, {
      ok: false,
      error: { code: 'SignatureDoesNotMatch', status: 403, type: 'Sender', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' },
    });
  });
});

describe('errors, in AWS order', { timeout: 120_000 }, () => {
  const state = vectorState();
  const good = req('GET', '/', { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z', authorization: auth('host;x-amz-date', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31') });
  const errorOf = (r: ReturnType<typeof verifySigV4>) => (r.ok ? undefined : r.error);

  test('no signature: MissingAuthenticationToken', () => {
    assert.deepEqual(errorOf(verifySigV4(req('GET', '/', { host: 'example.amazonaws.com' }), opts(state))), {
      code: 'MissingAuthenticationToken',
      message: 'Request is missing Authentication Token',
      status: 403,
      type: 'Sender',
    });
  });

  test('incomplete Authorization header', () => {
    const e = errorOf(verifySigV4(req('GET', '/', { host: 'example.amazonaws.com', authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request' }), opts(state)));
    assert.equal(e?.code, 'IncompleteSignature');
    assert.match(e?.message ?? '', /^Authorization header requires 'Signature' parameter\. Authorization header requires 'SignedHeaders' parameter\./);
  });

  test('scope: region, service and date problems, one sentence each', () => {
    const bad = req('GET', '/', { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z', authorization: auth('host;x-amz-date', '0'.repeat(64), '20150829', 'moon-1', 'other') });
    assert.equal(
      errorOf(verifySigV4(bad, opts(state)))?.message,
      "Credential should be scoped to a valid region. Credential should be scoped to correct service: 'service'. Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150829' != '20150830', from '20150830T123600Z'. ",
    );
    assert.equal(errorOf(verifySigV4(good, opts(state, { regions: ['eu-west-1'] })))?.message, 'Credential should be scoped to a valid region. ');
    assert.equal(errorOf(verifySigV4(good, opts(state, { partition: 'aws-cn' })))?.message, 'Credential should be scoped to a valid region. ');
  });

  test('a key of another partition is unknown here', () => {
    state.accounts.get('111122223333')!.partition = 'aws-cn';
    try {
      assert.equal(errorOf(verifySigV4(good, opts(state)))?.code, 'InvalidClientTokenId');
    } finally {
      state.accounts.get('111122223333')!.partition = 'aws';
    }
  });

  test('clock skew over 5 minutes, both ways', () => {
    const late = new Date(NOW.getTime() + 6 * 60 * 1000);
    assert.deepEqual(errorOf(verifySigV4(good, opts(state, { signatureNow: late }))), {
      code: 'SignatureDoesNotMatch',
      message: 'Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T124200Z - 5 min.)',
      status: 403,
      type: 'Sender',
    });
    const early = new Date(NOW.getTime() - 6 * 60 * 1000);
    assert.equal(errorOf(verifySigV4(good, opts(state, { signatureNow: early })))?.message, 'Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T123000Z + 5 min.)');
    assert.ok(verifySigV4(good, opts(state, { signatureNow: new Date(NOW.getTime() + 4 * 60 * 1000) })).ok);
  });

  test('global services sign with one region per partition', () => {
    assert.deepEqual(['us-east-1', 'cn-north-1', 'us-gov-west-1', 'us-west-2', 'cn-northwest-1'].map(isGlobalSigningRegion), [true, true, true, false, false]);
  });

  test('amz dates round-trip', () => {
    assert.equal(formatAmzDate(parseAmzDate('20150830T123600Z') as Date), '20150830T123600Z');
    assert.equal(parseAmzDate('2015-08-30'), undefined);
  });
});

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('presigned GetCallerIdentity (aws eks get-token)', { timeout: 120_000 }, () => {
  test('the URL inside a k8s-aws-v1 token verifies with the x-k8s-aws-id header, and only with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-sigv4-'));
    try {
      const state = new LabState();
      const user = state.issueUserKeys('111111111111');
      const r = await run('aws', ['eks', 'get-token', '--cluster-name', 'demo', '--output', 'json'], {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: dir,
        AWS_CONFIG_FILE: join(dir, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ACCESS_KEY_ID: user.accessKeyId,
        AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
        AWS_DEFAULT_REGION: 'eu-west-1',
      });
      assert.equal(r.code, 0, r.stderr);
      const token = (JSON.parse(r.stdout) as { status: { token: string } }).status.token;
      assert.match(token, /^k8s-aws-v1\./);
      const url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
      assert.equal(url.searchParams.get('Action'), 'GetCallerIdentity');
      const presigned: SigV4Request = { method: 'GET', url, headers: { host: url.host, 'x-k8s-aws-id': 'demo' }, body: Buffer.alloc(0) };
      const ok = verifySigV4(presigned, { state, service: 'sts', now: new Date() });
      assert.ok(ok.ok, JSON.stringify(ok));
      assert.equal(ok.presigned, true);
      assert.equal(ok.region, 'eu-west-1');
      assert.equal(ok.credential.arn, 'arn:aws:iam::111111111111:user/lab-admin');
      const otherCluster = verifySigV4({ ...presigned, headers: { host: url.host, 'x-k8s-aws-id': 'other' } }, { state, service: 'sts', now: new Date() });
      assert.equal(otherCluster.ok ? undefined : otherCluster.error.code, 'SignatureDoesNotMatch');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
