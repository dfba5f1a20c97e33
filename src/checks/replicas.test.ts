// Replicas judged once (runner.ts, Replicas): the findings a replica gets from its sibling must be
// exactly those it would get when judged on its own, names included, on every golden case and on
// replica sets built to exercise the renaming.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import type { Fact, K8sObject, K8sObjectFact } from '../evidence/facts.js';
import { join } from '../evidence/join.js';
import { readInputs } from '../evidence/offline/read.js';
import { runChecks, samePod, setAsideReplicas } from './runner.js';
import { diagnoseFacts } from '../core/diagnose.js';
import { CHECKS } from './registry.js';
import type { Check } from './define.js';
import { NOW, scenario, type Scenario } from './testing/scenario.js';

const root = new URL('../../', import.meta.url).pathname;

/** CHECKS, counting how many subjects were really judged. */
function counted(): { checks: Check[]; judged: () => number } {
  let n = 0;
  const [first, ...rest] = CHECKS;
  const probe: Check = { ...first!, evaluate: (ctx) => (n++, first!.evaluate(ctx)) };
  return { checks: [probe, ...rest], judged: () => n };
}

function bothWays(facts: Fact[], mode: 'offline' | 'live') {
  const c = counted();
  const reused = runChecks(join(facts, { now: NOW, mode }), c.checks);
  const alone = runChecks(join(facts, { now: NOW, mode }), CHECKS, { reuseReplicas: false });
  // diagnoseFacts sets replicas aside before the join: the same reports, notes and order.
  const d = counted();
  const diagnosed = diagnoseFacts(facts, { now: NOW, mode, checks: d.checks });
  const diagnosedAlone = diagnoseFacts(facts, { now: NOW, mode, reuseReplicas: false });
  assert.deepStrictEqual(diagnosed.subjects, alone, `${mode}: diagnoseFacts with replicas set aside`);
  assert.deepStrictEqual(diagnosed.notes, diagnosedAlone.notes, `${mode}: the same notes`);
  assert.equal(JSON.stringify(diagnosed.subjects), JSON.stringify(diagnosedAlone.subjects), `${mode}: the same JSON, key order included`);
  return { reused, alone, judged: c.judged(), judgedSetAside: d.judged() };
}

/** `n` replicas of the scenario's pod: one ReplicaSet (with a uid), per-pod names, volume, node, status. */
function replicaFacts(s: Scenario, n: number, opts: { bareReplicaSet?: boolean; tweak?: (pod: K8sObject, i: number) => void } = {}): Fact[] {
  const facts = s.facts();
  const podFact = facts.find((f): f is K8sObjectFact => f.kind === 'k8sObject' && f.object.kind === 'Pod')!;
  const others = facts.filter((f) => f !== podFact);
  const rs = opts.bareReplicaSet ? 'worker' : 'web-7d9f8b6c5d';
  const pods: Fact[] = [];
  for (let i = 0; i < n; i++) {
    const pod = structuredClone(podFact.object);
    const name = `${rs}-${'abcdefghij'[i]}x${i}q${i}`;
    const vol = `kube-api-access-${'vwxyz'[i % 5]}${i}k${i}p`;
    pod.metadata.name = name;
    pod.metadata.uid = `0000000${i}-1111-2222-3333-444444444444`;
    pod.metadata.resourceVersion = String(1000 + i);
    pod.metadata.labels = opts.bareReplicaSet ? { app: 'worker' } : { app: 'web', 'pod-template-hash': '7d9f8b6c5d' };
    pod.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', controller: true }];
    const spec = pod.spec as { volumes?: Array<Record<string, unknown>>; containers: Array<{ volumeMounts?: Array<Record<string, unknown>> }>; nodeName?: string };
    spec.volumes = [...(spec.volumes ?? []), { name: vol, projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } }];
    for (const c of spec.containers) c.volumeMounts = [...(c.volumeMounts ?? []), { name: vol, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }];
    spec.nodeName = `ip-10-0-0-${i}.us-west-2.compute.internal`;
    pod.status = { phase: 'Running', podIP: `10.0.1.${i}`, startTime: `2026-11-02T10:0${i}:00Z` };
    opts.tweak?.(pod, i);
    pods.push({ kind: 'k8sObject', source: { path: 'api:kubernetes:listNamespacedPod' }, object: pod, fromList: 'PodList' });
  }
  return [...others, ...pods];
}

describe('replicas judged once', () => {
  const goldenRoot = joinPath(root, 'test/golden');
  const cases = existsSync(goldenRoot)
    ? readdirSync(goldenRoot, { withFileTypes: true })
        .filter((d) => d.isDirectory() && existsSync(joinPath(goldenRoot, d.name, 'input')))
        .map((d) => ({ name: d.name, dir: joinPath(goldenRoot, d.name, 'input') }))
    : [];
  cases.push({ name: 'examples/cluster', dir: joinPath(root, 'examples/cluster') });

  test('every golden case and the examples: the same findings with and without reuse, offline and live', async () => {
    assert.ok(cases.length > 10, 'the golden cases are there');
    for (const c of cases) {
      const read = await readInputs([c.dir]);
      for (const mode of ['offline', 'live'] as const) {
        const { reused, alone } = bothWays(read.facts, mode);
        assert.deepStrictEqual(reused, alone, `${c.name} (${mode})`);
      }
    }
  });

  const sets: Array<{ name: string; facts: () => Fact[]; failing?: string }> = [
    { name: 'healthy Deployment pods', facts: () => replicaFacts(scenario(), 6) },
    // Not mutated, owned by a bare ReplicaSet: the fix names each pod (`kubectl delete pod NAME`).
    { name: 'unmutated pods of a bare ReplicaSet', facts: () => replicaFacts(scenario().with({ mutated: false }), 5, { bareReplicaSet: true }), failing: 'IRSA302' },
    {
      name: 'a trust policy for another service account',
      facts: () =>
        replicaFacts(
          scenario().trust((d) => {
            const eq = (d.Statement[0]!['Condition'] as Record<string, Record<string, string>>)['StringEquals']!;
            for (const k of Object.keys(eq)) if (k.endsWith(':sub')) eq[k] = 'system:serviceaccount:payments:other';
          }),
          4,
        ),
      failing: 'IRSA105',
    },
    { name: 'static keys in the pod', facts: () => replicaFacts(scenario().with({ containerEnv: [{ name: 'AWS_ACCESS_KEY_ID', value: 'AKIAEXAMPLE' }, { name: 'AWS_SECRET_ACCESS_KEY', value: 'x' }] }), 3) },
  ];
  for (const set of sets) {
    test(`${set.name}: one pod judged, the others renamed, identical to judging each`, () => {
      const facts = set.facts();
      for (const mode of ['offline', 'live'] as const) {
        const { reused, alone, judged, judgedSetAside } = bothWays(facts, mode);
        assert.deepStrictEqual(reused, alone, mode);
        const pods = alone.filter((r) => r.subject.pod !== undefined);
        assert.equal(new Set(pods.map((r) => r.subject.pod)).size, pods.length, 'every replica keeps its own name');
        assert.equal(judged, alone.length - pods.length + 1, `${mode}: one pod of the ReplicaSet judged`);
        assert.equal(judgedSetAside, alone.length - pods.length + 1, `${mode}: one pod of the ReplicaSet judged when set aside before the join`);
        assert.equal(setAsideReplicas(facts)?.facts.length, facts.length - pods.length + 1, 'all but one pod set aside');
        if (set.failing) {
          for (const r of reused.filter((x) => x.subject.pod)) assert.equal(r.findings.find((f) => f.check === set.failing)?.status, 'fail', `${r.subject.pod} fails ${set.failing}`);
        }
      }
    });
  }

  test('a fix that names the pod names each replica', () => {
    const { reused } = bothWays(replicaFacts(scenario().with({ mutated: false }), 3, { bareReplicaSet: true }), 'live');
    for (const r of reused.filter((x) => x.subject.pod)) {
      const f = r.findings.find((x) => x.check === 'IRSA302')!;
      assert.ok(f.fix?.commands.includes(`kubectl delete pod ${r.subject.pod} -n payments`), JSON.stringify(f.fix));
    }
  });

  test('replicas that differ in what a check reads are judged apart', () => {
    const facts = replicaFacts(scenario(), 4, {
      tweak: (pod, i) => {
        if (i === 3) (pod.spec as { containers: Array<{ env?: unknown[] }> }).containers[0]!.env!.push({ name: 'AWS_REGION', value: 'eu-west-1' });
        if (i === 2) pod.metadata.creationTimestamp = '2026-11-03T10:00:00Z';
      },
    });
    const { reused, alone, judged } = bothWays(facts, 'live');
    assert.deepStrictEqual(reused, alone);
    assert.equal(judged, 3);
  });

  test('a pod whose name is part of another value of its evidence is judged on its own', () => {
    const facts = replicaFacts(scenario(), 3, { tweak: (pod) => (pod.spec as { containers: Array<{ env?: unknown[] }> }).containers[0]!.env!.push({ name: 'SELF', value: `http://${pod.metadata.name}:8080` }) });
    const { reused, alone, judged } = bothWays(facts, 'live');
    assert.deepStrictEqual(reused, alone);
    assert.equal(judged, 3);
  });

  test('a value that is exactly the pod name (the downward API written out) is renamed with it', () => {
    const facts = replicaFacts(scenario(), 3, { tweak: (pod) => (pod.spec as { containers: Array<{ env?: unknown[] }> }).containers[0]!.env!.push({ name: 'POD_NAME', value: pod.metadata.name }) });
    const { reused, alone, judged } = bothWays(facts, 'live');
    assert.deepStrictEqual(reused, alone);
    assert.equal(judged, 1);
  });

  test("a pod named in its service account (shared by the replicas) does not lend its findings", () => {
    const facts = replicaFacts(scenario().with({ saAnnotations: { 'example.com/canary': 'web-7d9f8b6c5d-ax0q0' } }), 3);
    const { reused, alone, judged, judgedSetAside } = bothWays(facts, 'live');
    assert.deepStrictEqual(reused, alone);
    assert.equal(reused[0]!.subject.pod, 'web-7d9f8b6c5d-ax0q0');
    assert.equal(judged, 2, 'the named pod alone, then one for the other two');
    // Set aside under the named pod, the other two cannot take its findings: everything is judged again.
    assert.equal(judgedSetAside, 1 + 2, 'the kept pod, then the full join: the named pod and one for the other two');
  });

  test('replicas set aside come back in their place among interleaved pods of two ReplicaSets', () => {
    const a = replicaFacts(scenario(), 4);
    const b = replicaFacts(scenario().with({ mutated: false }), 3, { bareReplicaSet: true });
    const podsOf = (fs: Fact[]) => fs.filter((f): f is K8sObjectFact => f.kind === 'k8sObject' && f.object.kind === 'Pod');
    const [pa, pb] = [podsOf(a), podsOf(b)];
    const interleaved = [pa[0]!, pb[0]!, pa[1]!, pb[1]!, pb[2]!, pa[2]!, pa[3]!];
    const facts = [...a.filter((f) => !pa.includes(f as K8sObjectFact)), ...interleaved];
    const { alone, judgedSetAside } = bothWays(facts, 'live');
    assert.deepEqual(
      alone.filter((r) => r.subject.pod).map((r) => r.subject.pod),
      interleaved.map((f) => f.object.metadata.name),
    );
    assert.equal(judgedSetAside, alone.length - interleaved.length + 2, 'one pod per ReplicaSet judged');
    // A set-aside pod's findings are renamed when first read, then are a plain property.
    const report = diagnoseFacts(facts, { now: NOW, mode: 'live' }).subjects[2]!;
    assert.equal(report.subject.pod, interleaved[2]!.object.metadata.name);
    assert.equal(typeof Object.getOwnPropertyDescriptor(report, 'findings')?.get, 'function');
    assert.deepStrictEqual(report.findings, alone[2]!.findings);
    assert.equal(Object.getOwnPropertyDescriptor(report, 'findings')?.get, undefined);
    report.findings = [];
    assert.deepEqual(report.findings, []);
    // Frozen before its first read, a set-aside pod's report still gives its findings.
    const frozen = Object.freeze(diagnoseFacts(facts, { now: NOW, mode: 'live' }).subjects[2]!);
    assert.deepStrictEqual(frozen.findings, alone[2]!.findings);
    assert.strictEqual(frozen.findings, frozen.findings, 'computed once');
  });

  test('a pod given twice: the first copy wins, as in the join, even when it is a replica', () => {
    const facts = replicaFacts(scenario(), 3);
    const podsOf = facts.filter((f): f is K8sObjectFact => f.kind === 'k8sObject' && f.object.kind === 'Pod');
    const again = structuredClone(podsOf[1]!);
    (again.object.spec as { serviceAccountName?: string }).serviceAccountName = 'other';
    again.source = { path: 'x1.yaml' };
    const withCopy = [...facts, again];
    assert.equal(setAsideReplicas(withCopy), undefined);
    const { alone } = bothWays(withCopy, 'live');
    assert.deepEqual(alone.filter((r) => r.subject.pod).map((r) => r.subject.pod), podsOf.map((f) => f.object.metadata.name));
  });

  test('a pod that owns another object is never set aside (the join follows owner references)', () => {
    const facts = replicaFacts(scenario().with({ mutated: false }), 3);
    const podsOf = facts.filter((f): f is K8sObjectFact => f.kind === 'k8sObject' && f.object.kind === 'Pod');
    const owner = podsOf[1]!.object.metadata.name!;
    const child = structuredClone(podsOf[0]!);
    child.object.metadata.name = 'exec-1';
    child.object.metadata.uid = 'child-uid';
    child.object.metadata.labels = { app: 'exec' };
    child.object.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Pod', name: owner, uid: '00000001-1111-2222-3333-444444444444', controller: true }];
    const all = [...facts, child];
    const set = setAsideReplicas(all);
    assert.ok(set, 'the third pod is still set aside');
    assert.ok(set.facts.some((f) => f.kind === 'k8sObject' && f.object.metadata.name === owner), 'the owning pod is kept');
    const { alone } = bothWays(all, 'live');
    const fix = alone.find((r) => r.subject.pod === 'exec-1')!.findings.find((f) => f.check === 'IRSA302')?.fix?.commands.join('\n') ?? '';
    assert.doesNotMatch(fix, /kubectl delete pod exec-1\b/, fix);
  });

  test('nothing is set aside when facts tie outputs to pods by name', () => {
    const facts = replicaFacts(scenario(), 3);
    assert.ok(setAsideReplicas(facts));
    const env: Fact = { kind: 'env', source: { path: 'env.txt' }, vars: { AWS_REGION: 'us-west-2' }, pod: { namespace: 'payments', name: 'web-7d9f8b6c5d-bx1q1' } } as Fact;
    assert.equal(setAsideReplicas([...facts, env]), undefined);
    bothWays([...facts, env], 'offline');
  });

  test('pods without a controller uid are judged one by one', () => {
    const facts = replicaFacts(scenario(), 3, { tweak: (pod) => delete pod.metadata.ownerReferences![0]!.uid });
    const { reused, alone, judged } = bothWays(facts, 'live');
    assert.deepStrictEqual(reused, alone);
    assert.equal(judged, 3);
  });

  test('findings are frozen once judged, so a shared one cannot be edited for one replica', () => {
    const { reused } = bothWays(replicaFacts(scenario(), 2), 'live');
    const f = reused[1]!.findings[0]!;
    assert.ok(Object.isFrozen(f) && Object.isFrozen(f.data) && Object.isFrozen(f.because));
    assert.throws(() => {
      (f as { message: string }).message = 'changed';
    }, TypeError);
  });
});

describe('samePod', () => {
  const base = (): K8sObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'a-1', uid: 'u1', labels: { app: 'a' }, managedFields: [{ manager: 'x' }] },
    spec: { nodeName: 'n1', volumes: [{ name: 'kube-api-access-aaaaa' }], containers: [{ name: 'c', volumeMounts: [{ name: 'kube-api-access-aaaaa' }] }] },
    status: { podIP: '1' },
  });
  const other = (): K8sObject => {
    const o = base();
    o.metadata = { name: 'a-2', uid: 'u2', labels: { app: 'a' }, managedFields: [{ manager: 'y' }] };
    o.spec = { nodeName: 'n2', volumes: [{ name: 'kube-api-access-bbbbb' }], containers: [{ name: 'c', volumeMounts: [{ name: 'kube-api-access-bbbbb' }] }] };
    o.status = { podIP: '2' };
    return o;
  };
  const from = ['a-1', 'kube-api-access-aaaaa'];
  const to = ['a-2', 'kube-api-access-bbbbb'];

  test('equal but for name, uid, managedFields, node, status and the renamed volume', () => {
    assert.equal(samePod(base(), other(), from, to), true);
  });
  test('a volume name that is not the replica counterpart differs', () => {
    assert.equal(samePod(base(), other(), from, ['a-2', 'kube-api-access-ccccc']), false);
  });
  test('a label, an extra key or another key order differs', () => {
    const b = other();
    b.metadata.labels = { app: 'b' };
    assert.equal(samePod(base(), b, from, to), false);
    const c = other();
    (c.spec as Record<string, unknown>)['hostname'] = 'x';
    assert.equal(samePod(base(), c, from, to), false);
    const d = other();
    d.spec = { containers: d.spec!['containers'], volumes: d.spec!['volumes'], nodeName: 'n2' };
    assert.equal(samePod(base(), d, from, to), false);
  });
  test('undefined properties count as absent, as in JSON', () => {
    const b = other();
    b.metadata.annotations = undefined;
    assert.equal(samePod(base(), b, from, to), true);
  });
});
