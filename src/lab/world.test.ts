// The shipped worlds (worlds/*.yaml) and parseWorld's validation.
//
// Every failure of the check catalogue must be reproducible in the lab by at least one world, and
// each world's declared intent (`reproduces`, `expect`) must agree with itself and with what it
// seeds. The catalogue is read as text rather than imported: the lab never imports src/checks/
// (preamble), so that the lab and the doctor can disagree.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../evidence/facts.js';
import { AWS_MANAGED_POLICIES } from './aws-managed-policies.js';
import { WORLDS_DIR, findWorld, parseWorld, shippedWorlds, type Step, type World } from './world.js';

const worlds = shippedWorlds();

/** Check ids of src/checks/catalogue.ts, in file order. */
function catalogueIds(): string[] {
  const text = readFileSync(new URL('../checks/catalogue.ts', import.meta.url), 'utf8');
  return [...text.matchAll(/\bid: '(IRSA\d{3})'/g)].map((m) => m[1]!);
}
const CATALOGUE_IDS = catalogueIds();
/** IRSA306 needs the application's dependencies (lockfile, SBOM, image packages): no lab holds them. */
const NOT_REPRODUCIBLE = new Set(['IRSA306']);
/** Failures a world can be built for: cluster, role, service account and pod checks, and the token claims. */
const FAILURE_IDS = CATALOGUE_IDS.filter((id) => /^IRSA[0-3]\d\d$/.test(id) || id === 'IRSA401');
const STATUSES = new Set(['pass', 'fail', 'warn', 'unknown', 'skip']);
const PLACEHOLDER_NAMES = new Set(['ISSUER_HOSTPATH', 'PROVIDER_ARN', 'ACCOUNT', 'PARTITION']);
const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';
const WORKLOAD_KINDS = new Set(['deployment', 'statefulset', 'daemonset', 'job', 'cronjob', 'pod']);

const isHealthy = (w: World) => w.reproduces.length === 0;

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

interface Seeded {
  /** `cluster/ns/kind/name` (kind lower-case) */
  workloads: Map<string, Obj>;
  /** `cluster/ns/name` */
  serviceAccounts: Set<string>;
  /** role ARNs named by role-arn annotations (apply or annotate) */
  annotatedRoleArns: string[];
  roles: Set<string>;
}

function partitionOf(w: World, account: string): string {
  return w.accounts.find((a) => a.id === account)?.partition ?? 'aws';
}

function seeded(w: World): Seeded {
  const out: Seeded = { workloads: new Map(), serviceAccounts: new Set(), annotatedRoleArns: [], roles: new Set() };
  for (const s of w.steps) {
    if ('role' in s) out.roles.add(`arn:${partitionOf(w, s.role.account)}:iam::${s.role.account}:role/${s.role.name}`);
    if ('annotate' in s) {
      const v = s.annotate.annotations[ROLE_ARN_ANNOTATION];
      if (typeof v === 'string') out.annotatedRoleArns.push(v);
    }
    if (!('apply' in s)) continue;
    for (const o of s.apply.objects) {
      const md = asObj(o['metadata']);
      const kind = String(o['kind']).toLowerCase();
      const ns = String(md['namespace'] ?? 'default');
      if (kind === 'serviceaccount') {
        out.serviceAccounts.add(`${s.apply.cluster}/${ns}/${String(md['name'])}`);
        const v = asObj(md['annotations'])[ROLE_ARN_ANNOTATION];
        if (typeof v === 'string') out.annotatedRoleArns.push(v);
      } else if (WORKLOAD_KINDS.has(kind)) {
        out.workloads.set(`${s.apply.cluster}/${ns}/${kind}/${String(md['name'])}`, o);
      }
    }
  }
  return out;
}

/** The pod spec of a workload object (through the CronJob's job template). */
function podSpec(o: Obj): Obj {
  const kind = String(o['kind']);
  if (kind === 'Pod') return asObj(o['spec']);
  if (kind === 'CronJob') return asObj(asObj(asObj(asObj(asObj(o['spec'])['jobTemplate'])['spec'])['template'])['spec']);
  return asObj(asObj(asObj(o['spec'])['template'])['spec']);
}

/** Every string in a value, with its path, for placeholder checks. */
function* strings(v: unknown, path = ''): Generator<[string, string]> {
  if (typeof v === 'string') yield [path, v];
  else if (Array.isArray(v)) for (const [i, x] of v.entries()) yield* strings(x, `${path}[${i}]`);
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) {
    yield [`${path}{key}`, k];
    yield* strings(x, `${path}.${k}`);
  }
}

test('worlds/ holds the shipped worlds, and every one of them parses', () => {
  const files = readdirSync(WORLDS_DIR).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 30, `expected the full set of worlds, found ${files.length}`);
  assert.equal(worlds.length, files.length);
  for (const w of worlds) {
    assert.ok(w.description.length > 20, `${w.name}: description`);
    assert.ok(w.symptom && w.symptom.length > 10, `${w.name}: symptom`);
    assert.ok(w.steps.length > 0, `${w.name}: steps`);
  }
});

test('world names are kebab-case, unique, and equal their file names', () => {
  const seen = new Set<string>();
  for (const w of worlds) {
    assert.match(w.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, `${w.path}: name`);
    assert.equal(w.name, basename(w.path!, '.yaml'), `${w.path}: name must equal the file name`);
    assert.ok(!seen.has(w.name), `duplicate world name ${w.name}`);
    seen.add(w.name);
  }
  for (const required of ['healthy', 'healthy-china', 'cross-account', 'cross-account-missing-provider', 'demo']) {
    assert.ok(seen.has(required), `missing world ${required}`);
    assert.equal(findWorld(required).name, required);
  }
});

test('the catalogue is read as expected', () => {
  assert.ok(CATALOGUE_IDS.includes('IRSA001') && CATALOGUE_IDS.includes('IRSA402') && CATALOGUE_IDS.includes('IRSA306'));
  assert.ok(FAILURE_IDS.length >= 20, FAILURE_IDS.join(' '));
  assert.ok(!FAILURE_IDS.includes('IRSA402') && !FAILURE_IDS.includes('IRSA901'));
});

test('every failure of the catalogue except IRSA306 is reproduced by at least one world', () => {
  const reproduced = new Set(worlds.flatMap((w) => w.reproduces));
  const missing = FAILURE_IDS.filter((id) => !NOT_REPRODUCIBLE.has(id) && !reproduced.has(id));
  assert.deepEqual(missing, [], `no world reproduces ${missing.join(', ')}`);
  for (const id of NOT_REPRODUCIBLE) assert.ok(!reproduced.has(id), `${id} cannot be reproduced by a lab`);
  for (const w of worlds) {
    for (const id of w.reproduces) assert.ok(FAILURE_IDS.includes(id), `${w.name}: reproduces ${id}, not a failure check of the catalogue`);
  }
});

test('healthy worlds reproduce nothing and expect no failure', () => {
  const healthy = worlds.filter(isHealthy).map((w) => w.name);
  for (const n of ['healthy', 'healthy-china', 'cross-account']) assert.ok(healthy.includes(n), `${n} must be healthy`);
  for (const w of worlds) {
    if (w.name.startsWith('healthy') || w.name === 'cross-account') assert.deepEqual(w.reproduces, [], `${w.name} must reproduce nothing`);
    if (!isHealthy(w)) continue;
    for (const [subject, checks] of Object.entries(w.expect)) {
      for (const [id, status] of Object.entries(checks)) assert.notEqual(status, 'fail', `${w.name}: ${subject} expects ${id} fail`);
    }
  }
});

test('expectations name seeded workloads, known checks and known statuses, and agree with reproduces', () => {
  for (const w of worlds) {
    const s = seeded(w);
    const subjects = Object.entries(w.expect);
    assert.ok(subjects.length > 0, `${w.name}: expect is empty`);
    const failing = new Set<string>();
    for (const [subject, checks] of subjects) {
      const m = /^([a-z0-9-]+)\/([a-z]+)\/([a-z0-9-]+)$/.exec(subject);
      assert.ok(m, `${w.name}: expect key ${subject} is not <namespace>/<kind>/<name>`);
      assert.ok(WORKLOAD_KINDS.has(m[2]!), `${w.name}: ${subject}: unknown kind ${m[2]}`);
      const found = w.clusters.some((c) => s.workloads.has(`${c.name}/${subject}`));
      assert.ok(found, `${w.name}: ${subject} is not created by any apply step`);
      for (const [id, status] of Object.entries(checks)) {
        assert.ok(CATALOGUE_IDS.includes(id), `${w.name}: ${subject}: unknown check ${id}`);
        assert.ok(STATUSES.has(status), `${w.name}: ${subject}: ${id}: unknown status ${status}`);
        // The probe's outcome and the SDK version are not properties of the seeded state (README).
        assert.ok(id !== 'IRSA402' && !NOT_REPRODUCIBLE.has(id), `${w.name}: ${subject}: ${id} is not asserted by worlds`);
        if (status === 'fail') failing.add(id);
      }
    }
    // A world is built for its `reproduces`: each of them fails somewhere, and nothing else fails.
    assert.deepEqual([...failing].sort(), [...w.reproduces].sort(), `${w.name}: the failing expectations must be exactly reproduces`);
  }
});

test('placeholders are the documented ones and name declared clusters', () => {
  for (const w of worlds) {
    const text = readFileSync(w.path!, 'utf8');
    const clusters = new Set(w.clusters.map((c) => c.name));
    for (const m of text.matchAll(/\$\{([^}]*)\}/g)) {
      // `$(VAR)` is Kubernetes' own env expansion and is left alone; only `${...}` is ours.
      const pm = /^([A-Z_]+)(?::([a-z0-9-]+))?$/.exec(m[1]!);
      assert.ok(pm && PLACEHOLDER_NAMES.has(pm[1]!), `${w.name}: unknown placeholder ${m[0]}`);
      if (pm[2] !== undefined) {
        assert.equal(pm[1], 'ISSUER_HOSTPATH', `${w.name}: only ISSUER_HOSTPATH takes a cluster: ${m[0]}`);
        assert.ok(clusters.has(pm[2]), `${w.name}: ${m[0]} names an undeclared cluster`);
      }
    }
    // A multi-cluster world must say which cluster's issuer it means.
    if (w.clusters.length > 1) assert.doesNotMatch(text, /\$\{(ISSUER_HOSTPATH|PROVIDER_ARN)\}/, `${w.name}: name the cluster in a multi-cluster world`);
    // Placeholders go in trust documents, annotations and the symptom; nowhere they would not be substituted.
    for (const step of w.steps) {
      if ('policy' in step) for (const [p, v] of strings(step.policy.document)) assert.ok(!v.includes('${'), `${w.name}: placeholder in policy ${step.policy.name} at ${p}`);
    }
  }
});

test('worlds seed what they reference: roles, service accounts, AWS-managed policies', () => {
  const managed = new Set(AWS_MANAGED_POLICIES.map((p) => p.name));
  for (const w of worlds) {
    const s = seeded(w);
    const policies = new Set(
      w.steps.flatMap((st: Step) => ('policy' in st ? [`arn:${partitionOf(w, st.policy.account)}:iam::${st.policy.account}:policy/${st.policy.name}`] : [])),
    );
    for (const st of w.steps) {
      if (!('role' in st)) continue;
      for (const a of st.role.attach) {
        if (a.startsWith('arn:')) assert.ok(policies.has(a) || /:iam::aws:policy\//.test(a), `${w.name}: ${st.role.name} attaches ${a}, which no policy step creates`);
        else assert.ok(managed.has(a), `${w.name}: ${st.role.name} attaches ${a}, not an AWS-managed policy the lab knows`);
      }
      if (st.role.irsa) assert.ok(w.clusters.some((c) => c.name === st.role.irsa!.cluster));
    }
    // Annotations name roles the world creates, unless the world is about the role not existing
    // (IRSA102) or about a cluster where nothing could be set up (IRSA001). Helm-style quotes
    // around the ARN (IRSA101) are stripped for this comparison.
    if (!w.reproduces.includes('IRSA102') && !w.reproduces.includes('IRSA001')) {
      for (const arn of s.annotatedRoleArns) {
        const bare = arn.replace(/^"(.*)"$/, '$1').trim();
        assert.ok(s.roles.has(bare), `${w.name}: annotation names ${arn}, which no role step creates`);
      }
    }
    // Workloads run as service accounts the world creates, unless that is the point (IRSA201).
    for (const [key, o] of s.workloads) {
      const [cluster, ns] = key.split('/');
      const sa = String(podSpec(o)['serviceAccountName'] ?? 'default');
      if (sa === 'default') continue;
      if (w.reproduces.includes('IRSA201') && !s.serviceAccounts.has(`${cluster}/${ns}/${sa}`)) continue;
      assert.ok(s.serviceAccounts.has(`${cluster}/${ns}/${sa}`), `${w.name}: ${key} runs as ${ns}/${sa}, which is not created`);
    }
  }
});

test('the worlds the brief names are built as described', () => {
  const byName = new Map(worlds.map((x) => [x.name, x]));
  const w = (n: string): World => byName.get(n) ?? assert.fail(`no world ${n}`);
  assert.deepEqual(w('cross-account-missing-provider').reproduces, ['IRSA002']);
  assert.equal(w('healthy-china').accounts[0]!.partition, 'aws-cn');
  assert.equal(w('healthy-china').clusters[0]!.region, 'cn-north-1');
  assert.equal(w('irsa001-no-issuer').clusters[0]!.issuer, 'none');
  assert.equal(w('irsa004-thumbprint').clusters[0]!.issuer, 'private');
  const tp = w('irsa004-thumbprint').steps.find((s) => 'provider' in s);
  assert.ok(tp && 'provider' in tp && Array.isArray(tp.provider.thumbprints) && /^[0-9a-f]{40}$/.test(tp.provider.thumbprints[0]!));
  assert.equal(w('irsa305-nonroot-k8s-118').clusters[0]!.version, '1.18');
  assert.equal(w('irsa307-china-no-region').clusters[0]!.webhook.injectRegion, false);
  assert.equal(w('irsa308-private-global-sts').clusters[0]!.privateEndpoint, true);
  // The webhook is down when the pods are created, not before the service account.
  const down = w('irsa302-webhook-down').steps;
  const downAt = down.findIndex((s) => 'webhook' in s && s.webhook.down);
  const deployAt = down.findIndex((s) => 'apply' in s && s.apply.objects.some((o) => o['kind'] === 'Deployment'));
  assert.ok(downAt >= 0 && downAt < deployAt);
  // batch/report in the demo: created, two days pass, then annotated.
  const demo = w('demo').steps;
  const adv = demo.findIndex((s) => 'advance' in s && s.advance.text === '2d');
  const ann = demo.findIndex((s) => 'annotate' in s && s.annotate.namespace === 'batch');
  assert.ok(adv > 0 && ann === adv + 1);
  assert.deepEqual(Object.keys(w('demo').expect).sort(), [
    'analytics/deployment/etl',
    'batch/deployment/report',
    'media/deployment/resizer',
    'ops/deployment/legacy',
    'payments/deployment/api',
    'web/deployment/storefront',
  ]);
});

// parseWorld's errors: InputError with the file, line and column of the offending node.

const HEADER = `name: broken
clusters:
  - name: prod
steps:
`;

function parseError(text: string): InputError {
  try {
    parseWorld(text, 'worlds/broken.yaml');
  } catch (e) {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    return e;
  }
  assert.fail('parseWorld accepted an invalid world');
}

test('an unknown step is reported at its line and column', () => {
  const e = parseError(`${HEADER}  - apply: { objects: [] }\n  - restart: { deployment: api }\n`);
  assert.match(e.message, /steps\.1: unknown step restart/);
  assert.equal(e.line, 6);
  assert.equal(e.col, 5);
  assert.equal(e.toString(), `worlds/broken.yaml:6:5: ${e.message}`);
});

test('a step naming an undeclared cluster is reported at the cluster value', () => {
  const e = parseError(`${HEADER}  - provider:\n      cluster: staging\n`);
  assert.match(e.message, /steps\.0\.provider\.cluster: cluster staging is not declared under clusters/);
  assert.equal(e.line, 6);
  assert.equal(e.col, 16);
  assert.equal(e.toString(), `worlds/broken.yaml:6:16: ${e.message}`);
});

test('a bad account id is reported at the id', () => {
  const e = parseError(`name: broken
accounts:
  - id: "111122223333"
  - id: 4444555566
clusters:
  - name: prod
`);
  assert.match(e.message, /accounts\.1\.id: expected 12 digits/);
  assert.equal(e.line, 4);
  assert.equal(e.col, 9);
  assert.equal(e.toString(), `worlds/broken.yaml:4:9: ${e.message}`);
});

test('a bad duration is reported at its step', () => {
  const e = parseError(`${HEADER}  - advance: 2w\n`);
  assert.match(e.message, /steps\.0\.advance: expected a duration like 30s, 10m, 2h or 3d/);
  assert.equal(e.line, 5);
  assert.equal(e.col, 5);
  assert.equal(e.toString(), `worlds/broken.yaml:5:5: ${e.message}`);
});

test('an account a step names must be declared', () => {
  const e = parseError(`${HEADER}  - role:\n      account: "999988887777"\n      name: r\n      irsa: { namespace: a, serviceAccount: b }\n`);
  assert.match(e.message, /steps\.0\.role\.account: account 999988887777 is not declared under accounts/);
  assert.equal(e.line, 6);
  assert.equal(e.col, 16);
});

test('a valid world parses into typed steps with defaults filled in', () => {
  const w = parseWorld(
    `${HEADER}  - provider: {}\n  - advance: 90m\n  - annotate: { namespace: a, serviceAccount: b, annotations: { x: null, y: 1 } }\n`,
    'worlds/ok.yaml',
  );
  assert.deepEqual(w.accounts, [{ id: '111122223333', partition: 'aws' }]);
  assert.deepEqual(w.clusters[0], {
    name: 'prod',
    account: '111122223333',
    region: 'us-west-2',
    version: '1.31',
    issuer: 'public',
    jwksOnSeparateHost: false,
    privateEndpoint: false,
    webhook: { down: false, cacheMiss: false, injectRegion: true },
  });
  assert.deepEqual(w.steps, [
    { provider: { account: '111122223333', cluster: 'prod', clientIds: ['sts.amazonaws.com'], thumbprints: 'auto' } },
    { advance: { ms: 90 * 60_000, text: '90m' } },
    { annotate: { cluster: 'prod', namespace: 'a', serviceAccount: 'b', annotations: { x: null, y: '1' } } },
  ]);
});

test('worlds/README.md lists every world with what it reproduces', () => {
  const readme = readFileSync(new URL('README.md', `file://${WORLDS_DIR}`), 'utf8');
  const rows = new Map(
    [...readme.matchAll(/^\| `([a-z0-9-]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()] as const),
  );
  assert.deepEqual([...rows.keys()].sort(), worlds.map((w) => w.name).sort());
  for (const w of worlds) assert.equal(rows.get(w.name), w.reproduces.join(', ') || '—', `README row of ${w.name}`);
});

test('raised IAM quotas: read from accounts[].quotas, enforced by the lab, bad values reported where they are', async () => {
  const w = parseWorld(`name: big\naccounts:\n  - id: "111122223333"\n    quotas: { roles: 5000, customerPolicies: 2000 }\nclusters:\n  - name: prod\nsteps: []\n`, 'worlds/big.yaml');
  assert.deepEqual(w.accounts, [{ id: '111122223333', partition: 'aws', quotas: { roles: 5000, customerPolicies: 2000 } }]);
  const e = parseError(`name: broken\naccounts:\n  - id: "111122223333"\n    quotas: { roles: 9000 }\nclusters:\n  - name: prod\nsteps: []\n`);
  assert.match(e.message, /accounts\.0\.quotas\.roles: expected an integer from 1 to 5000/);
  assert.equal(e.line, 4);
  const u = parseError(`name: broken\naccounts:\n  - id: "111122223333"\n    quotas: { users: 10 }\nclusters:\n  - name: prod\nsteps: []\n`);
  assert.match(u.message, /accounts\.0\.quotas\.users: unknown quota/);
  // The lab enforces the raised quota instead of IAM's default 1,000 roles.
  const { LabState } = await import('./state.js');
  const { createRole } = await import('./iam/model.js');
  const { LabClock } = await import('./types.js');
  const state = new LabState();
  const clock = new LabClock();
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const acc = state.account('111122223333');
  acc.quotas = { roles: 2 };
  assert.ok(!('code' in createRole(state, acc.id, { roleName: 'a', assumeRolePolicyDocument: trust }, clock)));
  assert.ok(!('code' in createRole(state, acc.id, { roleName: 'b', assumeRolePolicyDocument: trust }, clock)));
  const third = createRole(state, acc.id, { roleName: 'c', assumeRolePolicyDocument: trust }, clock);
  assert.deepEqual('code' in third ? [third.code, third.message] : [], ['LimitExceeded', 'Cannot exceed quota for RolesPerAccount: 2']);
});
