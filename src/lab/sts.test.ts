// The lab STS against real clients in subprocesses: boto3's default credential chain (web
// identity from AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE, chained profiles), the aws CLI, and
// the AWS SDK for JavaScript v3 (its default chain and explicit commands). Each failure of
// aws-behavior.md section 1 must reach the client with the documented code and message, byte for
// byte. Roles and providers are seeded straight into LabState.
//
// boto3 and the JS SDK run all their cases in one process each (a fresh Session / client per case,
// environment set per case), which keeps the file fast without bypassing the credential chains.

import { runProcess } from '../../test/support/process.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Faults, serve, type RunningServer } from './http.js';
import { startIssuer, type RunningIssuer } from './issuer.js';
import { createLabPki, type LabPki } from './pki.js';
import { EXPIRED_TOKEN, INVALID_TOKEN, SIGNATURE_MISMATCH } from './sigv4.js';
import { LabState, randomId, type LabCredential, type LabProvider, type LabRole, type Partition } from './state.js';
import { LabSts, MSG } from './sts.js';
import type { Clock } from './types.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const A = '111111111111'; // the cluster's account
const B = '222222222222'; // cross-account target, no OIDC provider
const CN = '333333333333'; // China
const D = '444444444444'; // providers with wrong or partial thumbprints

class FrozenClock implements Clock {
  constructor(private t: Date) {}
  now(): Date {
    return new Date(this.t.getTime());
  }
}

let dir: string;
let caFile: string;

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_CA_BUNDLE: caFile,
    NODE_EXTRA_CA_CERTS: caFile,
    AWS_ENDPOINT_URL_STS: sts.url,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    ...extra,
  };
}

const run = runProcess;

// ---------------------------------------------------------------------------------------------
// boto3, one process for many cases

interface PyCase {
  name: string;
  op: 'whoami' | 'awwi' | 'assume';
  env?: Record<string, string>;
  unset?: string[];
  profile?: string;
  args?: Record<string, unknown>;
}

type Outcome =
  | { ok: Record<string, unknown> }
  | { error: { Type: string; Code: string; Message: string }; status: number; operation: string }
  | { exception: string; message: string };

const PY = String.raw`
import json, os, sys
import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
cases = json.load(sys.stdin)
base = dict(os.environ)
out = {}
for c in cases:
    os.environ.clear(); os.environ.update(base); os.environ.update(c.get('env') or {})
    for k in c.get('unset') or []:
        os.environ.pop(k, None)
    try:
        s = boto3.session.Session(profile_name=c.get('profile'))
        op = c['op']
        if op == 'whoami':
            r = s.client('sts').get_caller_identity()
        elif op == 'awwi':
            r = s.client('sts', config=Config(signature_version=UNSIGNED)).assume_role_with_web_identity(**c['args'])
        else:
            r = s.client('sts').assume_role(**c['args'])
        r.pop('ResponseMetadata', None)
        out[c['name']] = {'ok': r}
    except ClientError as e:
        out[c['name']] = {'error': e.response['Error'], 'status': e.response['ResponseMetadata']['HTTPStatusCode'], 'operation': e.operation_name}
    except Exception as e:
        out[c['name']] = {'exception': type(e).__name__, 'message': str(e)}
print(json.dumps(out, default=str))
`;

async function boto3(cases: PyCase[], env: Record<string, string> = {}): Promise<Record<string, Outcome>> {
  const r = await run('python3', ['-c', PY], baseEnv(env), JSON.stringify(cases));
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, Outcome>;
}

function okOf(o: Outcome | undefined): Record<string, unknown> {
  assert.ok(o && 'ok' in o, `expected success, got ${JSON.stringify(o)}`);
  return o.ok;
}

function assertError(o: Outcome | undefined, code: string, message: string, status = 400, operation = 'AssumeRoleWithWebIdentity', type = 'Sender'): void {
  assert.deepEqual(o, { error: { Type: type, Code: code, Message: message }, status, operation });
}

// ---------------------------------------------------------------------------------------------
// Seeding

function addProvider(state: LabState, account: string, issuerUrl: string, thumbprints: string[], clientIds = ['sts.amazonaws.com']): LabProvider {
  const a = state.accounts.get(account) ?? state.account(account);
  const url = issuerUrl.replace(/^https:\/\//, '');
  const p: LabProvider = { arn: `arn:${a.partition}:iam::${account}:oidc-provider/${url}`, url, clientIds, thumbprints, tags: [], createDate: new Date() };
  a.providers.set(p.arn, p);
  return p;
}

function addRole(state: LabState, account: string, name: string, trust: object, opts: { maxSessionDuration?: number; inline?: Record<string, object> } = {}): LabRole {
  const a = state.accounts.get(account) ?? state.account(account);
  const r: LabRole = {
    arn: `arn:${a.partition}:iam::${account}:role/${name}`,
    name,
    path: '/',
    roleId: `AROA${randomId(17)}`,
    createDate: new Date(),
    assumeRolePolicyDocument: JSON.stringify(trust),
    maxSessionDuration: opts.maxSessionDuration ?? 3600,
    attachedPolicies: [],
    inlinePolicies: new Map(Object.entries(opts.inline ?? {}).map(([k, v]) => [k, JSON.stringify(v)])),
    tags: [],
  };
  a.roles.set(name, r);
  return r;
}

function irsaTrust(partition: Partition, account: string, issuerUrl: string, sub: string): object {
  const hp = issuerUrl.replace(/^https:\/\//, '');
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:${partition}:iam::${account}:oidc-provider/${hp}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${hp}:sub`]: sub, [`${hp}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// The lab

let pki: LabPki;
let clock: FrozenClock;
let state: LabState;
const faults = new Faults();
let main: RunningIssuer; // provider in A (right thumbprint), in D (wrong), in CN
let split: RunningIssuer; // JWKS on another host: two thumbprints
let pub: RunningIssuer; // "publicly trusted": thumbprints ignored
let stsService: LabSts;
let sts: RunningServer;
let globalSts: RunningServer; // stands for the global endpoint: us-east-1 signatures only
let closedPort: number;
let nowSec: number;

const SA = 'system:serviceaccount:default:app';
const tokenFile = (name: string) => join(dir, `${name}.jwt`);

async function writeToken(name: string, token: string): Promise<string> {
  writeFileSync(tokenFile(name), token);
  return tokenFile(name);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-sts-'));
  pki = await createLabPki('sts test');
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.caPem);
  clock = new FrozenClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  nowSec = Math.floor(clock.now().getTime() / 1000);
  state = new LabState();
  state.account(A);
  state.account(B);
  state.account(D);
  state.account(CN, 'aws-cn');

  [main, split, pub] = await Promise.all([
    startIssuer({ pki, clock, faults }),
    startIssuer({ pki, clock, faults, separateJwks: true }),
    startIssuer({ pki, clock, faults, publiclyTrusted: true }),
  ]);

  // Providers.
  addProvider(state, A, main.url, main.thumbprints);
  addProvider(state, A, split.url, split.thumbprints);
  addProvider(state, D, main.url, ['0'.repeat(40)]);
  addProvider(state, D, split.url, [split.thumbprints[0] as string]);
  addProvider(state, D, pub.url, ['f'.repeat(40)]);
  addProvider(state, CN, main.url, main.thumbprints);
  // An issuer nobody serves: a port that was bound and released.
  closedPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  addProvider(state, A, `https://127.0.0.1:${closedPort}/id/${'A'.repeat(32)}`, [pki.thumbprint]);

  // Roles.
  addRole(state, A, 'app', irsaTrust('aws', A, main.url, SA), {
    inline: { chain: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${B}:role/*` }] } },
  });
  addRole(state, A, 'split-app', irsaTrust('aws', A, split.url, SA));
  addRole(state, A, 'unreachable-app', irsaTrust('aws', A, `https://127.0.0.1:${closedPort}/id/${'A'.repeat(32)}`, SA));
  addRole(state, A, 'long', irsaTrust('aws', A, main.url, SA), { maxSessionDuration: 43200 });
  addRole(state, B, 'app', irsaTrust('aws', B, main.url, SA));
  addRole(state, B, 'target', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:role/app` }, Action: 'sts:AssumeRole' }] });
  addRole(state, B, 'closed', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }] });
  addRole(state, D, 'app', irsaTrust('aws', D, main.url, SA));
  addRole(state, D, 'split-app', irsaTrust('aws', D, split.url, SA));
  addRole(state, D, 'pub-app', irsaTrust('aws', D, pub.url, SA));
  addRole(state, CN, 'app', irsaTrust('aws-cn', CN, main.url, SA));

  const leaf = await pki.issueLeaf(['127.0.0.1', 'localhost']);
  stsService = new LabSts({ state, clock, ca: pki.caPem, publiclyTrusted: (iss) => iss === pub.url });
  sts = await serve(stsService, { cert: leaf.chainPem, key: leaf.keyPem, faults });
  globalSts = await serve(new LabSts({ state, clock, ca: pki.caPem, regions: ['us-east-1'] }), { cert: leaf.chainPem, key: leaf.keyPem, faults });
}, { timeout: 120_000 });

after(async () => {
  await Promise.all([main?.close(), split?.close(), pub?.close(), sts?.close(), globalSts?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

const spec = (over: Partial<{ namespace: string; serviceAccount: string; audiences: string[] }> = {}) => ({
  namespace: 'default',
  serviceAccount: 'app',
  serviceAccountUid: '0b7a3c55-4a7e-4f3f-9d6e-3f1f2d1c0a01',
  audiences: ['sts.amazonaws.com'],
  expirationSeconds: 86400,
  ...over,
});

const webIdentity = (role: string, token: string): Record<string, string> => ({ AWS_ROLE_ARN: role, AWS_WEB_IDENTITY_TOKEN_FILE: token });

// ---------------------------------------------------------------------------------------------

describe('AssumeRoleWithWebIdentity through boto3 default credential chain', { timeout: 120_000 }, () => {
  let results: Record<string, Outcome>;
  let good: string;

  before(async () => {
    good = await writeToken('good', (await main.issuer.sign(spec())).token);
    const splitToken = await writeToken('split', (await split.issuer.sign(spec())).token);
    const pubToken = await writeToken('pub', (await pub.issuer.sign(spec())).token);
    const wrongAud = await writeToken('wrong-aud', (await main.issuer.sign(spec({ audiences: ['https://kubernetes.default.svc'] }))).token);
    const base = { iss: main.url, sub: SA, iat: nowSec, nbf: nowSec };
    const noAud = await writeToken('no-aud', await main.issuer.signClaims({ ...base, exp: nowSec + 3600 }));
    const expired = await writeToken('expired', await main.issuer.signClaims({ ...base, aud: ['sts.amazonaws.com'], iat: nowSec - 4000, nbf: nowSec - 4000, exp: nowSec - 301 }));
    const leeway = await writeToken('leeway', await main.issuer.signClaims({ ...base, aud: ['sts.amazonaws.com'], iat: nowSec - 4000, nbf: nowSec - 4000, exp: nowSec - 299 }));
    const otherSa = await writeToken('other-sa', (await main.issuer.sign(spec({ serviceAccount: 'other' }))).token);
    const unpublished = await writeToken('unpublished', await main.issuer.signClaims({ ...base, aud: ['sts.amazonaws.com'], exp: nowSec + 3600 }, { unpublishedKey: true }));
    const parts = (await main.issuer.sign(spec())).token.split('.');
    const sig = Buffer.from(parts[2] as string, 'base64url');
    sig[10] = (sig[10] as number) ^ 0xff;
    const tampered = await writeToken('tampered', `${parts[0]}.${parts[1]}.${sig.toString('base64url')}`);
    const unreachable = await writeToken('unreachable', await main.issuer.signClaims({ ...base, iss: `https://127.0.0.1:${closedPort}/id/${'A'.repeat(32)}`, aud: ['sts.amazonaws.com'], exp: nowSec + 3600 }));

    writeFileSync(
      join(dir, 'chain-config'),
      [
        '[profile irsa]',
        `role_arn = arn:aws:iam::${A}:role/app`,
        `web_identity_token_file = ${good}`,
        'role_session_name = irsa-session',
        '[profile target]',
        `role_arn = arn:aws:iam::${B}:role/target`,
        'source_profile = irsa',
        'role_session_name = chained',
        '[profile closed]',
        `role_arn = arn:aws:iam::${B}:role/closed`,
        'source_profile = irsa',
        'role_session_name = chained',
        '',
      ].join('\n'),
    );

    stsService.clearJwksCache();
    const awwi = (name: string, args: Record<string, unknown>): PyCase => ({ name, op: 'awwi', args: { RoleArn: `arn:aws:iam::${A}:role/app`, RoleSessionName: 'lab', WebIdentityToken: (args['token'] as string) ?? '', ...args, token: undefined } });
    const goodText = (await main.issuer.sign(spec())).token;
    const cases: PyCase[] = [
      { name: 'healthy', op: 'whoami', env: webIdentity(`arn:aws:iam::${A}:role/app`, good) },
      { name: 'noProvider', op: 'whoami', env: webIdentity(`arn:aws:iam::${B}:role/app`, good) },
      { name: 'wrongAudience', op: 'whoami', env: webIdentity(`arn:aws:iam::${A}:role/app`, wrongAud) },
      { name: 'missingAudience', op: 'whoami', env: webIdentity(`arn:aws:iam::${A}:role/app`, noAud) },
      { name: 'thumbprint', op: 'whoami', env: webIdentity(`arn:aws:iam::${D}:role/app`, good) },
      { name: 'splitOneThumbprint', op: 'whoami', env: webIdentity(`arn:aws:iam::${D}:role/split-app`, splitToken) },
      { name: 'splitBothThumbprints', op: 'whoami', env: webIdentity(`arn:aws:iam::${A}:role/split-app`, splitToken) },
      { name: 'publiclyTrusted', op: 'whoami', env: webIdentity(`arn:aws:iam::${D}:role/pub-app`, pubToken) },
      { name: 'unreachable', op: 'whoami', env: webIdentity(`arn:aws:iam::${A}:role/unreachable-app`, unreachable) },
      { name: 'unknownKid', op: 'whoami', env: webIdentity(`arn:aws:iam::${A}:role/app`, unpublished) },
      { name: 'badSignature', op: 'whoami', env: webIdentity(`arn:aws:iam::${A}:role/app`, tampered) },
      { name: 'expired', op: 'whoami', env: webIdentity(`arn:aws:iam::${A}:role/app`, expired) },
      { name: 'withinLeeway', op: 'whoami', env: webIdentity(`arn:aws:iam::${A}:role/app`, leeway) },
      { name: 'trustMismatch', op: 'whoami', env: webIdentity(`arn:aws:iam::${A}:role/app`, otherSa) },
      { name: 'missingRole', op: 'whoami', env: webIdentity(`arn:aws:iam::${A}:role/nope`, good) },
      { name: 'badArn', op: 'whoami', env: webIdentity(`arn:aws:iam::${A}:user/app`, good) },
      { name: 'china', op: 'whoami', env: { ...webIdentity(`arn:aws-cn:iam::${CN}:role/app`, good), AWS_DEFAULT_REGION: 'cn-north-1', AWS_REGION: 'cn-north-1' } },
      { name: 'chinaArnAtGlobalPartition', op: 'whoami', env: webIdentity(`arn:aws:iam::${CN}:role/app`, good) },
      awwi('duration', { token: goodText, DurationSeconds: 7200 }),
      awwi('durationAllowed', { token: goodText, DurationSeconds: 7200, RoleArn: `arn:aws:iam::${A}:role/long` }),
      awwi('sessionName', { token: goodText, RoleSessionName: 'bad name' }),
      awwi('twoErrors', { token: goodText, RoleSessionName: 'bad name', DurationSeconds: 50000 }),
      { name: 'chained', op: 'whoami', profile: 'target', env: { AWS_CONFIG_FILE: join(dir, 'chain-config') } },
      { name: 'chainedDenied', op: 'whoami', profile: 'closed', env: { AWS_CONFIG_FILE: join(dir, 'chain-config') } },
    ];
    results = await boto3(cases);
  }, { timeout: 120_000 });

  test('healthy: get_caller_identity shows the assumed role', () => {
    const r = okOf(results['healthy']);
    assert.equal(r['Account'], A);
    assert.match(String(r['Arn']), new RegExp(`^arn:aws:sts::${A}:assumed-role/app/botocore-session-\\d+$`));
    const role = state.accounts.get(A)?.roles.get('app') as LabRole;
    assert.match(String(r['UserId']), new RegExp(`^${role.roleId}:botocore-session-\\d+$`));
  });

  test('no OIDC provider in the role account', () => {
    assertError(results['noProvider'], 'InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${main.url}`);
  });

  test('audience not in the provider client IDs, or no aud at all', () => {
    assertError(results['wrongAudience'], 'InvalidIdentityToken', 'Incorrect token audience');
    assertError(results['missingAudience'], 'InvalidIdentityToken', 'Missing a required claim: aud');
  });

  test('thumbprint mismatch; a JWKS host with its own chain needs its own thumbprint', () => {
    const msg = "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint";
    assertError(results['thumbprint'], 'InvalidIdentityToken', msg);
    assertError(results['splitOneThumbprint'], 'InvalidIdentityToken', msg);
    assert.match(String(okOf(results['splitBothThumbprints'])['Arn']), new RegExp(`^arn:aws:sts::${A}:assumed-role/split-app/`));
  });

  test('a publicly trusted issuer is accepted whatever the thumbprints', () => {
    assert.match(String(okOf(results['publiclyTrusted'])['Arn']), new RegExp(`^arn:aws:sts::${D}:assumed-role/pub-app/`));
  });

  test('keys that cannot be retrieved: unreachable issuer, kid not in the JWKS (two spaces after the comma)', () => {
    const msg = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";
    assertError(results['unreachable'], 'InvalidIdentityToken', msg);
    assertError(results['unknownKid'], 'InvalidIdentityToken', msg);
  });

  test('bad signature', () => {
    assertError(results['badSignature'], 'InvalidIdentityToken', 'Token signature invalid');
  });

  test('expired beyond the 5 minutes of leeway, accepted within', () => {
    assertError(results['expired'], 'ExpiredTokenException', `Token expired: current date/time ${nowSec} must be before the expiration date/time ${nowSec - 301}`);
    okOf(results['withinLeeway']);
  });

  test('trust policy really evaluated; a missing role is denied the same way', () => {
    assertError(results['trustMismatch'], 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);
    assertError(results['missingRole'], 'AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);
  });

  test('malformed role ARN', () => {
    assertError(results['badArn'], 'ValidationError', 'Request ARN is invalid');
  });

  test('China partition: the role account is looked up in its own partition', () => {
    assert.match(String(okOf(results['china'])['Arn']), new RegExp(`^arn:aws-cn:sts::${CN}:assumed-role/app/`));
    assertError(results['chinaArnAtGlobalPartition'], 'InvalidIdentityToken', `No OpenIDConnect provider found in your account for ${main.url}`);
  });

  test('DurationSeconds over MaxSessionDuration, and within it', () => {
    assertError(results['duration'], 'ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    const ok = okOf(results['durationAllowed']);
    const exp = new Date(String((ok['Credentials'] as Record<string, unknown>)['Expiration']));
    assert.equal(exp.getTime(), clock.now().getTime() + 7200 * 1000);
  });

  test('model constraints: RoleSessionName pattern, DurationSeconds range (coral wording)', () => {
    assertError(
      results['sessionName'],
      'ValidationError',
      "1 validation error detected: Value 'bad name' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    );
    assertError(
      results['twoErrors'],
      'ValidationError',
      "2 validation errors detected: Value 'bad name' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*; Value '50000' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
    );
  });

  test('the success response carries the documented members', () => {
    const r = okOf(results['durationAllowed']);
    assert.equal(r['SubjectFromWebIdentityToken'], SA);
    assert.equal(r['Audience'], 'sts.amazonaws.com');
    assert.equal(r['Provider'], `arn:aws:iam::${A}:oidc-provider/${main.url.replace('https://', '')}`);
    const u = r['AssumedRoleUser'] as Record<string, string>;
    assert.equal(u['Arn'], `arn:aws:sts::${A}:assumed-role/long/lab`);
    assert.match(u['AssumedRoleId'] as string, /^AROA[A-Z2-7]{17}:lab$/);
    const c = r['Credentials'] as Record<string, string>;
    assert.match(c['AccessKeyId'] as string, /^ASIA[A-Z2-7]{16}$/);
    assert.equal((c['SecretAccessKey'] as string).length, 40);
    assert.ok((c['SessionToken'] as string).length > 100);
    assert.equal(state.credentials.get(c['AccessKeyId'] as string)?.arn, u['Arn']);
    assert.deepEqual(state.accounts.get(A)?.roles.get('long')?.lastUsed, { date: clock.now(), region: 'us-east-1' });
  });

  test('chained cross-account AssumeRole through profiles (web_identity_token_file + source_profile)', () => {
    const r = okOf(results['chained']);
    assert.equal(r['Arn'], `arn:aws:sts::${B}:assumed-role/target/chained`);
    assert.equal(r['Account'], B);
    assertError(
      results['chainedDenied'],
      'AccessDenied',
      `User: arn:aws:sts::${A}:assumed-role/app/irsa-session is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${B}:role/closed`,
      403,
      'AssumeRole',
    );
  });
});

describe('JWKS cache, key rotation, and an issuer URL with a port', { timeout: 120_000 }, () => {
  let rot: RunningIssuer;
  before(async () => {
    rot = await startIssuer({ pki, clock, faults, bind: 'loopback-port' });
    addProvider(state, A, rot.url, rot.thumbprints);
    addRole(state, A, 'rot-app', irsaTrust('aws', A, rot.url, SA));
  }, { timeout: 120_000 });
  after(() => rot?.close());

  test('new keys are fetched on an unknown kid; a removed key fails once the cache is refreshed', async () => {
    assert.equal(rot.hasPort, true);
    assert.match(rot.url, /^https:\/\/127\.0\.0\.1:\d+\/id\/[0-9A-F]{32}$/);
    const role = `arn:aws:iam::${A}:role/rot-app`;
    const [oldKid] = rot.issuer.kids();
    const first = await writeToken('rot-1', (await rot.issuer.sign(spec())).token);
    const r1 = await boto3([{ name: 'first', op: 'whoami', env: webIdentity(role, first) }]);
    assert.match(String(okOf(r1['first'])['Arn']), new RegExp(`^arn:aws:sts::${A}:assumed-role/rot-app/`));

    await rot.issuer.rotate();
    const second = await writeToken('rot-2', (await rot.issuer.sign(spec())).token);
    const r2 = await boto3([
      { name: 'newKey', op: 'whoami', env: webIdentity(role, second) },
      { name: 'oldKey', op: 'whoami', env: webIdentity(role, first) },
    ]);
    okOf(r2['newKey']);
    okOf(r2['oldKey']);

    rot.issuer.removeKey(oldKid as string);
    const cached = await boto3([{ name: 'oldKeyCached', op: 'whoami', env: webIdentity(role, first) }]);
    okOf(cached['oldKeyCached']); // STS still holds the JWKS it fetched a moment ago
    stsService.clearJwksCache();
    const r3 = await boto3([
      { name: 'oldKey', op: 'whoami', env: webIdentity(role, first) },
      { name: 'newKey', op: 'whoami', env: webIdentity(role, second) },
    ]);
    assertError(r3['oldKey'], 'InvalidIdentityToken', MSG.retrieve);
    okOf(r3['newKey']);
  });
});

describe('SigV4 with the keys the lab issued (boto3)', { timeout: 120_000 }, () => {
  let results: Record<string, Outcome>;
  let user: LabCredential;
  let china: LabCredential;
  let expired: LabCredential;
  let session: LabCredential;

  before(async () => {
    user = state.issueUserKeys(A);
    china = state.issueUserKeys(CN);
    const role = state.accounts.get(A)?.roles.get('app') as LabRole;
    session = state.issueSession(A, role, 'direct', 3600, clock.now());
    expired = state.issueSession(A, role, 'old', 900, new Date(clock.now().getTime() - 3600 * 1000));
    const keys = (c: LabCredential, over: Partial<Record<'id' | 'secret' | 'token', string | undefined>> = {}): Record<string, string> => {
      const id = 'id' in over ? over.id : c.accessKeyId;
      const secret = 'secret' in over ? over.secret : c.secretAccessKey;
      const token = 'token' in over ? over.token : c.sessionToken;
      return { AWS_ACCESS_KEY_ID: id ?? '', AWS_SECRET_ACCESS_KEY: secret ?? '', ...(token !== undefined ? { AWS_SESSION_TOKEN: token } : {}) };
    };
    results = await boto3([
      { name: 'user', op: 'whoami', env: keys(user) },
      { name: 'session', op: 'whoami', env: keys(session) },
      { name: 'wrongSecret', op: 'whoami', env: keys(user, { secret: 'x'.repeat(40) }) },
      { name: 'unknownKey', op: 'whoami', env: keys(user, { id: 'AKIAIOSFODNN7EXAMPLE' }) },
      { name: 'sessionWithoutToken', op: 'whoami', env: keys(session, { token: undefined }) },
      { name: 'sessionWrongToken', op: 'whoami', env: keys(session, { token: 'IQoJb3JpZ2luX2VjEXAMPLE' }) },
      { name: 'expiredSession', op: 'whoami', env: keys(expired) },
      { name: 'chinaAtUsEast1', op: 'whoami', env: keys(china) },
      { name: 'chinaAtCnNorth1', op: 'whoami', env: { ...keys(china), AWS_DEFAULT_REGION: 'cn-north-1' } },
      { name: 'globalEndpointOtherRegion', op: 'whoami', env: { ...keys(user), AWS_DEFAULT_REGION: 'eu-west-1', AWS_ENDPOINT_URL_STS: globalSts.url } },
      { name: 'globalEndpointUsEast1', op: 'whoami', env: { ...keys(user), AWS_ENDPOINT_URL_STS: globalSts.url } },
      { name: 'assumeSameAccountDenied', op: 'assume', env: keys(user), args: { RoleArn: `arn:aws:iam::${B}:role/target`, RoleSessionName: 'admin' } },
      { name: 'assumeFromSession', op: 'assume', env: keys(session), args: { RoleArn: `arn:aws:iam::${B}:role/target`, RoleSessionName: 'hop', DurationSeconds: 3600 } },
      { name: 'assumeChainedTooLong', op: 'assume', env: keys(session), args: { RoleArn: `arn:aws:iam::${B}:role/target`, RoleSessionName: 'hop', DurationSeconds: 7200 } },
    ]);
  }, { timeout: 120_000 });

  test('user keys and session keys: GetCallerIdentity', () => {
    assert.deepEqual(okOf(results['user']), { UserId: user.userId, Account: A, Arn: `arn:aws:iam::${A}:user/lab-admin` });
    assert.deepEqual(okOf(results['session']), { UserId: session.userId, Account: A, Arn: `arn:aws:sts::${A}:assumed-role/app/direct` });
  });

  test('a wrong secret: SignatureDoesNotMatch', () => {
    assertError(results['wrongSecret'], 'SignatureDoesNotMatch', SIGNATURE_MISMATCH, 403, 'GetCallerIdentity');
    assert.equal(SIGNATURE_MISMATCH, 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
  });

  test('an unknown key, a missing or wrong session token: InvalidClientTokenId', () => {
    for (const name of ['unknownKey', 'sessionWithoutToken', 'sessionWrongToken']) {
      assertError(results[name], 'InvalidClientTokenId', 'The security token included in the request is invalid.', 403, 'GetCallerIdentity');
    }
    assert.equal(INVALID_TOKEN, 'The security token included in the request is invalid.');
  });

  test('an expired session: ExpiredToken', () => {
    assertError(results['expiredSession'], 'ExpiredToken', EXPIRED_TOKEN, 403, 'GetCallerIdentity');
  });

  test('China keys exist only for China regions', () => {
    assertError(results['chinaAtUsEast1'], 'InvalidClientTokenId', INVALID_TOKEN, 403, 'GetCallerIdentity');
    assert.equal(okOf(results['chinaAtCnNorth1'])['Arn'], `arn:aws-cn:iam::${CN}:user/lab-admin`);
  });

  test('an endpoint that serves one region refuses other scopes', () => {
    assertError(results['globalEndpointOtherRegion'], 'SignatureDoesNotMatch', 'Credential should be scoped to a valid region. ', 403, 'GetCallerIdentity');
    okOf(results['globalEndpointUsEast1']);
  });

  test('AssumeRole: the target trust policy is evaluated against the caller', () => {
    assertError(
      results['assumeSameAccountDenied'],
      'AccessDenied',
      `User: arn:aws:iam::${A}:user/lab-admin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${B}:role/target`,
      403,
      'AssumeRole',
    );
    const r = okOf(results['assumeFromSession']);
    assert.equal((r['AssumedRoleUser'] as Record<string, string>)['Arn'], `arn:aws:sts::${B}:assumed-role/target/hop`);
    assertError(results['assumeChainedTooLong'], 'ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.', 400, 'AssumeRole');
  });

  test('cross-account AssumeRole also needs the caller role identity policy', async () => {
    const app = state.accounts.get(A)?.roles.get('app') as LabRole;
    const saved = new Map(app.inlinePolicies);
    app.inlinePolicies.clear();
    try {
      const r = await boto3([
        {
          name: 'noIdentityPolicy',
          op: 'assume',
          env: { AWS_ACCESS_KEY_ID: session.accessKeyId, AWS_SECRET_ACCESS_KEY: session.secretAccessKey, AWS_SESSION_TOKEN: session.sessionToken as string },
          args: { RoleArn: `arn:aws:iam::${B}:role/target`, RoleSessionName: 'hop' },
        },
      ]);
      assertError(r['noIdentityPolicy'], 'AccessDenied', `User: ${session.arn} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${B}:role/target`, 403, 'AssumeRole');
    } finally {
      for (const [k, v] of saved) app.inlinePolicies.set(k, v);
    }
  });
});

describe('faults: STS throttling and 5xx shapes (boto3, one attempt)', { timeout: 120_000 }, () => {
  after(() => faults.configure({}));

  test('Throttling / Rate exceeded (400), then InternalFailure (500)', async () => {
    const user = state.issueUserKeys(A, 'throttled');
    const env = { AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey, AWS_MAX_ATTEMPTS: '1', AWS_RETRY_MODE: 'standard' };
    faults.configure({ seed: 7, services: { sts: { throttleRps: 0.001, throttleBurst: 1 } } });
    const t = await boto3([
      { name: 'first', op: 'whoami', env },
      { name: 'second', op: 'whoami', env },
    ]);
    okOf(t['first']);
    assertError(t['second'], 'Throttling', 'Rate exceeded', 400, 'GetCallerIdentity');
    faults.configure({ seed: 7, services: { sts: { errorRate: 1 } } });
    const e = await boto3([{ name: 'broken', op: 'whoami', env }]);
    assertError(e['broken'], 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500, 'GetCallerIdentity', 'Receiver');
    assert.ok(faults.log.some((l) => l.service === 'sts' && l.operation === 'GetCallerIdentity' && l.fault === 'throttle' && l.status === 400));
  });
});

describe('aws CLI', { timeout: 120_000 }, () => {
  test('assume-role-with-web-identity, then get-caller-identity and assume-role with the issued keys', async () => {
    const token = (await main.issuer.sign(spec())).token;
    const tokenPath = await writeToken('cli', token);
    const a = await run('aws', ['sts', 'assume-role-with-web-identity', '--role-arn', `arn:aws:iam::${A}:role/app`, '--role-session-name', 'cli', '--web-identity-token', `file://${tokenPath}`, '--output', 'json'], baseEnv());
    assert.equal(a.code, 0, a.stderr);
    const out = JSON.parse(a.stdout) as { Credentials: Record<string, string>; AssumedRoleUser: Record<string, string>; Audience: string };
    assert.equal(out.AssumedRoleUser['Arn'], `arn:aws:sts::${A}:assumed-role/app/cli`);
    assert.equal(out.Audience, 'sts.amazonaws.com');
    const keys = { AWS_ACCESS_KEY_ID: out.Credentials['AccessKeyId'] as string, AWS_SECRET_ACCESS_KEY: out.Credentials['SecretAccessKey'] as string, AWS_SESSION_TOKEN: out.Credentials['SessionToken'] as string };

    const who = await run('aws', ['sts', 'get-caller-identity', '--output', 'json'], baseEnv(keys));
    assert.equal(who.code, 0, who.stderr);
    assert.equal((JSON.parse(who.stdout) as { Arn: string }).Arn, `arn:aws:sts::${A}:assumed-role/app/cli`);

    const hop = await run('aws', ['sts', 'assume-role', '--role-arn', `arn:aws:iam::${B}:role/target`, '--role-session-name', 'cli-hop', '--output', 'json'], baseEnv(keys));
    assert.equal(hop.code, 0, hop.stderr);
    assert.equal((JSON.parse(hop.stdout) as { AssumedRoleUser: { Arn: string } }).AssumedRoleUser.Arn, `arn:aws:sts::${B}:assumed-role/target/cli-hop`);
  });

  test('the error line the article shows', async () => {
    const token = (await main.issuer.sign(spec({ audiences: ['https://kubernetes.default.svc'] }))).token;
    const a = await run('aws', ['sts', 'assume-role-with-web-identity', '--role-arn', `arn:aws:iam::${A}:role/app`, '--role-session-name', 'cli', '--web-identity-token', token], baseEnv());
    assert.notEqual(a.code, 0);
    assert.equal(a.stderr.trim(), 'An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience');
  });
});

describe('AWS SDK for JavaScript v3', { timeout: 120_000 }, () => {
  const JS = String.raw`
import { createRequire } from 'node:module';
const require = createRequire(process.env.LAB_ROOT + '/package.json');
const { STSClient, GetCallerIdentityCommand, AssumeRoleWithWebIdentityCommand } = require('@aws-sdk/client-sts');
const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const base = { ...process.env };
const out = {};
for (const c of cases) {
  for (const k of Object.keys(process.env)) delete process.env[k];
  Object.assign(process.env, base, c.env || {});
  try {
    let r;
    if (c.op === 'chain') {
      r = await new STSClient({}).send(new GetCallerIdentityCommand({}));
    } else if (c.op === 'awwi-then-whoami') {
      const a = await new STSClient({}).send(new AssumeRoleWithWebIdentityCommand(c.args));
      const creds = { accessKeyId: a.Credentials.AccessKeyId, secretAccessKey: a.Credentials.SecretAccessKey, sessionToken: a.Credentials.SessionToken };
      const w = await new STSClient({ credentials: creds }).send(new GetCallerIdentityCommand({}));
      r = { provider: a.Provider, subject: a.SubjectFromWebIdentityToken, expiration: a.Credentials.Expiration.toISOString(), arn: w.Arn, account: w.Account };
    } else {
      r = await new STSClient({ credentials: c.credentials, maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
    }
    delete r.$metadata;
    out[c.name] = { ok: r };
  } catch (e) {
    out[c.name] = { error: { name: e.name, message: e.message, fault: e.$fault, status: e.$metadata?.httpStatusCode } };
  }
}
console.log(JSON.stringify(out));
`;

  async function js(cases: unknown[]): Promise<Record<string, { ok?: Record<string, unknown>; error?: Record<string, unknown> }>> {
    const r = await run(process.execPath, ['--input-type=module', '-e', JS], baseEnv({ LAB_ROOT: ROOT }), JSON.stringify(cases));
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, { ok?: Record<string, unknown>; error?: Record<string, unknown> }>;
  }

  test('default chain (token file), explicit AssumeRoleWithWebIdentity, SigV4 failures', async () => {
    const good = await writeToken('js', (await main.issuer.sign(spec())).token);
    const wrongAud = await writeToken('js-aud', (await main.issuer.sign(spec({ audiences: ['vault'] }))).token);
    const user = state.issueUserKeys(A, 'js');
    const token = (await main.issuer.sign(spec())).token;
    const r = await js([
      { name: 'chain', op: 'chain', env: { ...webIdentity(`arn:aws:iam::${A}:role/app`, good), AWS_ROLE_SESSION_NAME: 'js-chain' } },
      { name: 'chainWrongAudience', op: 'chain', env: webIdentity(`arn:aws:iam::${A}:role/app`, wrongAud) },
      { name: 'explicit', op: 'awwi-then-whoami', args: { RoleArn: `arn:aws:iam::${A}:role/long`, RoleSessionName: 'js', WebIdentityToken: token, DurationSeconds: 7200 } },
      { name: 'user', op: 'keys', credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey } },
      { name: 'wrongSecret', op: 'keys', credentials: { accessKeyId: user.accessKeyId, secretAccessKey: 'y'.repeat(40) } },
      { name: 'unknownKey', op: 'keys', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: user.secretAccessKey } },
    ]);
    assert.equal(r['chain']?.ok?.['Arn'], `arn:aws:sts::${A}:assumed-role/app/js-chain`);
    assert.equal(r['chainWrongAudience']?.error?.['name'], 'InvalidIdentityTokenException');
    assert.equal(r['chainWrongAudience']?.error?.['message'], 'Incorrect token audience');
    assert.equal(r['chainWrongAudience']?.error?.['status'], 400);
    assert.deepEqual(r['explicit']?.ok, {
      provider: `arn:aws:iam::${A}:oidc-provider/${main.url.replace('https://', '')}`,
      subject: SA,
      expiration: new Date(clock.now().getTime() + 7200 * 1000).toISOString(),
      arn: `arn:aws:sts::${A}:assumed-role/long/js`,
      account: A,
    });
    assert.equal(r['user']?.ok?.['Arn'], `arn:aws:iam::${A}:user/js`);
    assert.deepEqual(r['wrongSecret']?.error, { name: 'SignatureDoesNotMatch', message: SIGNATURE_MISMATCH, fault: 'client', status: 403 });
    assert.deepEqual(r['unknownKey']?.error, { name: 'InvalidClientTokenId', message: INVALID_TOKEN, fault: 'client', status: 403 });
  });
});

describe('Query protocol edges', { timeout: 120_000 }, () => {
  test('unknown action and GET query requests', async () => {
    const get = (path: string) =>
      run('curl', ['-sS', '--cacert', caFile, '-w', '\n%{http_code} %{content_type}', `${sts.url}${path}`], baseEnv());
    const split = (out: string) => [out.slice(0, out.lastIndexOf('\n')), out.slice(out.lastIndexOf('\n') + 1)] as const;
    const [body, status] = split((await get('/?Action=GetSessionTokn&Version=2011-06-15')).stdout);
    assert.match(status, /^400 text\/xml/);
    assert.match(body, /<Code>InvalidAction<\/Code>\s*<Message>Could not find operation GetSessionTokn for version 2011-06-15<\/Message>/);
    const [noAction, noActionStatus] = split((await get('/?Version=2011-06-15')).stdout);
    assert.match(noActionStatus, /^400 /);
    assert.match(noAction, /<Code>MissingAction<\/Code>/);
    const unsigned = await get('/?Action=GetCallerIdentity&Version=2011-06-15');
    assert.match(unsigned.stdout, /<Code>MissingAuthenticationToken<\/Code>\s*<Message>Request is missing Authentication Token<\/Message>/);
    assert.match(unsigned.stdout, /\n403 text\/xml$/);
    assert.equal(MSG.webIdentityDenied, 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
  });
});
