// Valid/invalid tables per check (ESLint's RuleTester shape): each case builds evidence through
// the real join and asserts the check's status, message id and, where it matters, its data and
// fix. Prose is never asserted.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, type Scenario, ACCOUNT, OTHER_ACCOUNT, ISSUER_ID } from './testing/scenario.js';
import type { Status } from './define.js';

interface Case {
  name: string;
  build: () => Scenario;
  status: Status;
  messageId?: string;
  data?: Record<string, unknown>;
  fix?: RegExp;
  intent?: { action: string; resource?: string };
}

function table(id: string, cases: Case[]): void {
  describe(id, () => {
    for (const c of cases) {
      test(`${c.status}: ${c.name}`, () => {
        const f = c.build().finding(id, c.intent);
        assert.equal(f.status, c.status, `${f.messageId}: ${f.message}`);
        if (c.messageId) assert.equal(f.messageId, c.messageId, f.message);
        for (const [k, v] of Object.entries(c.data ?? {})) assert.equal(f.data[k], v, `data.${k}`);
        if (c.fix) {
          assert.ok(f.fix, 'a fix is offered');
          assert.match(f.fix.commands.join('\n'), c.fix);
        }
        assert.doesNotMatch(f.message, /\{\{/, 'every message placeholder is filled');
      });
    }
  });
}

const stmt = (d: { Statement: Array<Record<string, unknown>> }) => d.Statement[0]!;
const cond = (d: { Statement: Array<Record<string, unknown>> }) => stmt(d)['Condition'] as Record<string, Record<string, unknown>>;
const HP = `oidc.eks.us-west-2.amazonaws.com/id/${ISSUER_ID}`;

table('IRSA001', [
  { name: 'describe-cluster with an issuer', build: scenario, status: 'pass', messageId: 'hasIssuer' },
  { name: 'cluster without identity.oidc', build: () => scenario().with({ issuerHostPath: null }), status: 'fail', messageId: 'noIssuer' },
  { name: 'no cluster evidence at all', build: () => scenario().with({ giveCluster: false }), status: 'unknown', messageId: 'evidenceMissing' },
]);

table('IRSA002', [
  { name: 'provider for the issuer in the role account', build: scenario, status: 'pass', messageId: 'present' },
  { name: 'no provider at all', build: () => scenario().with({ providerHostPath: null }), status: 'fail', messageId: 'missing', fix: /create-open-id-connect-provider --url https:\/\/oidc\.eks/ },
  {
    name: 'provider left for an old issuer id',
    build: () => scenario().with({ providerHostPath: 'oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF', giveProviderDetail: false }),
    status: 'fail',
    messageId: 'missingOldIssuer',
    fix: /eksctl utils associate-iam-oidc-provider --cluster prod --region us-west-2 --approve/,
  },
  {
    name: 'provider only in the cluster account, role in another account',
    build: () =>
      scenario()
        .with({ roleAccount: OTHER_ACCOUNT })
        .with((s) => {
          // The user pasted the cluster account's listing (it names its account) and the role's empty listing.
          s.extraFacts.push({ kind: 'providerList', source: { path: 'b/providers.json' }, arns: [] });
        }),
    status: 'fail',
    messageId: 'missingOtherAccount',
    data: { account: OTHER_ACCOUNT, other: ACCOUNT },
  },
  { name: 'no provider listing for the role account', build: () => scenario().with({ giveProviderList: false, giveProviderDetail: false }), status: 'unknown', messageId: 'evidenceMissing' },
  { name: 'cluster without issuer: not applicable', build: () => scenario().with({ issuerHostPath: null }), status: 'skip' },
]);

table('IRSA003', [
  { name: 'sts.amazonaws.com listed', build: scenario, status: 'pass', messageId: 'listed' },
  { name: 'typo sts.amazon.com', build: () => scenario().with({ clientIds: ['sts.amazon.com'] }), status: 'fail', messageId: 'notListed', fix: /add-client-id-to-open-id-connect-provider .* --client-id sts\.amazonaws\.com\n.*remove-client-id-from-open-id-connect-provider .* --client-id sts\.amazon\.com/ },
  {
    name: 'China audience annotation sts.amazonaws.com.cn',
    build: () => scenario().china().with({ saAnnotations: { 'eks.amazonaws.com/audience': 'sts.amazonaws.com.cn' } }),
    status: 'fail',
    messageId: 'chinaAudience',
  },
  { name: 'provider detail not given', build: () => scenario().with({ giveProviderDetail: false }), status: 'unknown' },
]);

table('IRSA101', [
  { name: 'valid ARN', build: scenario, status: 'pass', messageId: 'valid' },
  {
    name: 'trailing whitespace in the annotation',
    build: () => scenario().with((s) => (s.saAnnotations = { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${ACCOUNT}:role/EKS-IRSA ` })),
    status: 'fail',
    messageId: 'invalid',
    fix: new RegExp(`kubectl annotate serviceaccount irsa -n payments eks.amazonaws.com/role-arn=arn:aws:iam::${ACCOUNT}:role/EKS-IRSA --overwrite`),
  },
  {
    name: 'quoted ARN',
    build: () => scenario().with((s) => (s.saAnnotations = { 'eks.amazonaws.com/role-arn': `"arn:aws:iam::${ACCOUNT}:role/EKS-IRSA"` })),
    status: 'fail',
    messageId: 'invalid',
  },
  {
    name: 'arn:aws: in a China cluster',
    build: () =>
      scenario()
        .china()
        .with((s) => (s.saAnnotations = { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${ACCOUNT}:role/EKS-IRSA` })),
    status: 'fail',
    messageId: 'wrongPartition',
    data: { expected: 'aws-cn', actual: 'aws' },
    fix: /role-arn=arn:aws-cn:iam::/,
  },
]);

table('IRSA102', [
  { name: 'role given', build: scenario, status: 'pass' },
  { name: 'NoSuchEntity pasted', build: () => scenario().with({ roleMissing: true }), status: 'fail', messageId: 'missing', fix: /aws iam create-role --role-name EKS-IRSA/ },
  { name: 'get-role not given', build: () => scenario().with({ giveRole: false }), status: 'unknown' },
]);

table('IRSA103', [
  { name: 'the article trust policy', build: scenario, status: 'pass', messageId: 'matches' },
  {
    name: 'host typo oidc.<region>.eks',
    build: () => scenario().trust((d) => ((stmt(d)['Principal'] as Record<string, string>)['Federated'] = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.us-west-2.eks.amazonaws.com/id/${ISSUER_ID}`)),
    status: 'fail',
    messageId: 'mismatch',
    data: { nearMissKind: 'hostTypo' },
    fix: /update-assume-role-policy --role-name EKS-IRSA/,
  },
  {
    name: 'provider of another account',
    build: () => scenario().trust((d) => ((stmt(d)['Principal'] as Record<string, string>)['Federated'] = `arn:aws:iam::${OTHER_ACCOUNT}:oidc-provider/${HP}`)),
    status: 'fail',
    messageId: 'mismatch',
    data: { nearMissKind: 'otherAccount' },
  },
  { name: 'Principal AWS only', build: () => scenario().trust((d) => (stmt(d)['Principal'] = { AWS: `arn:aws:iam::${ACCOUNT}:root` })), status: 'fail' },
]);

table('IRSA104', [
  { name: 'AssumeRoleWithWebIdentity', build: scenario, status: 'pass' },
  { name: 'sts:AssumeRole only', build: () => scenario().trust((d) => (stmt(d)['Action'] = 'sts:AssumeRole')), status: 'fail', messageId: 'missing', fix: /"Action": "sts:AssumeRoleWithWebIdentity"/ },
  { name: 'sts:* wildcard', build: () => scenario().trust((d) => (stmt(d)['Action'] = 'sts:*')), status: 'pass' },
]);

table('IRSA105', [
  { name: 'exact subject', build: scenario, status: 'pass', messageId: 'admitted' },
  {
    name: 'wrong namespace',
    build: () => scenario().trust((d) => (cond(d)['StringEquals']![`${HP}:sub`] = 'system:serviceaccount:default:irsa')),
    status: 'fail',
    messageId: 'mismatch',
    data: { actual: 'system:serviceaccount:payments:irsa' },
    fix: /system:serviceaccount:payments:irsa/,
  },
  {
    name: '* under StringEquals',
    build: () => scenario().trust((d) => (cond(d)['StringEquals']![`${HP}:sub`] = 'system:serviceaccount:payments:*')),
    status: 'fail',
    messageId: 'wildcardNeedsLike',
    fix: /"StringLike"/,
  },
  {
    name: 'namespace wildcard under StringLike',
    build: () =>
      scenario().trust((d) => {
        delete cond(d)['StringEquals']![`${HP}:sub`];
        cond(d)['StringLike'] = { [`${HP}:sub`]: 'system:serviceaccount:payments:*' };
      }),
    status: 'pass',
  },
  {
    name: 'https:// left in the key',
    build: () =>
      scenario().trust((d) => {
        const c = cond(d)['StringEquals']!;
        c[`https://${HP}:sub`] = c[`${HP}:sub`];
        delete c[`${HP}:sub`];
      }),
    status: 'fail',
    messageId: 'schemeInKey',
  },
  {
    name: 'sub and aud swapped',
    build: () =>
      scenario().trust((d) => {
        cond(d)['StringEquals'] = { [`${HP}:sub`]: 'sts.amazonaws.com', [`${HP}:aud`]: 'system:serviceaccount:payments:irsa' };
      }),
    status: 'fail',
    messageId: 'swapped',
  },
  { name: 'no sub condition at all', build: () => scenario().trust((d) => delete cond(d)['StringEquals']![`${HP}:sub`]), status: 'warn', messageId: 'noCondition' },
]);

table('IRSA106', [
  { name: 'sts.amazonaws.com', build: scenario, status: 'pass' },
  { name: 'aud condition with the China typo', build: () => scenario().trust((d) => (cond(d)['StringEquals']![`${HP}:aud`] = 'sts.amazonaws.com.cn')), status: 'fail', messageId: 'mismatch' },
  { name: 'no aud condition is fine', build: () => scenario().trust((d) => delete cond(d)['StringEquals']![`${HP}:aud`]), status: 'pass', messageId: 'noCondition' },
]);

table('IRSA107', [
  { name: 'allowed', build: scenario, status: 'pass', messageId: 'allowed' },
  {
    name: 'explicit Deny wins',
    build: () =>
      scenario().trust((d) =>
        d.Statement.push({ Sid: 'NoPayments', Effect: 'Deny', Principal: '*', Action: 'sts:*', Condition: { StringLike: { [`${HP}:sub`]: 'system:serviceaccount:payments:*' } } }),
      ),
    status: 'fail',
    messageId: 'explicitDeny',
  },
  { name: 'implicit deny names the failing condition', build: () => scenario().trust((d) => (cond(d)['StringEquals']![`${HP}:sub`] = 'system:serviceaccount:payments:other')), status: 'fail', messageId: 'implicitDeny' },
]);

table('IRSA108', [
  { name: 'an attached policy', build: scenario, status: 'pass', messageId: 'hasPolicies' },
  { name: 'no policies', build: () => scenario().with({ attached: [] }), status: 'fail', messageId: 'noPolicies' },
  {
    name: '--action with a document that allows it',
    build: () =>
      scenario().with((s) =>
        s.extraFacts.push({
          kind: 'policyVersion',
          source: { path: 'attached.json' },
          policyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
          versionId: 'v3',
          isDefault: true,
          document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }] },
        }),
      ),
    intent: { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/key' },
    status: 'pass',
    messageId: 'allowed',
  },
  {
    name: '--action the policy does not allow',
    build: () =>
      scenario().with((s) =>
        s.extraFacts.push({
          kind: 'policyVersion',
          source: { path: 'attached.json' },
          policyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
          versionId: 'v3',
          isDefault: true,
          document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: '*' }] },
        }),
      ),
    intent: { action: 's3:PutObject', resource: 'arn:aws:s3:::bucket/key' },
    status: 'fail',
    messageId: 'denied',
  },
  { name: '--action without the documents', build: scenario, intent: { action: 's3:GetObject' }, status: 'unknown', messageId: 'documentsMissing' },
]);

table('IRSA201', [
  { name: 'exists', build: scenario, status: 'pass' },
  { name: 'pod names a service account missing from the namespace listing', build: () => scenario().with({ podSaName: 'irsa-typo', mutated: false }), status: 'fail', messageId: 'missing', fix: /kubectl create serviceaccount irsa-typo -n payments/ },
  { name: 'service accounts not given', build: () => scenario().with({ giveSa: false }), status: 'unknown' },
]);

table('IRSA202', [
  { name: 'annotated', build: scenario, status: 'pass' },
  { name: 'annotation missing', build: () => scenario().with({ saAnnotations: { 'eks.amazonaws.com/role-arn': '__delete__' }, mutated: false }), status: 'fail', messageId: 'missing' },
  {
    name: 'near-miss key role_arn',
    build: () =>
      scenario().with((s) => {
        s.saAnnotations = { 'eks.amazonaws.com/role-arn': '__delete__', 'eks.amazonaws.com/role_arn': `arn:aws:iam::${ACCOUNT}:role/EKS-IRSA` };
        s.mutated = false;
      }),
    status: 'fail',
    messageId: 'nearMiss',
    fix: /eks\.amazonaws\.com\/role-arn=arn:aws:iam::111122223333:role\/EKS-IRSA --overwrite\nkubectl annotate serviceaccount irsa -n payments eks\.amazonaws\.com\/role_arn-/,
  },
  {
    name: 'annotation put on the pod',
    build: () => scenario().with({ saAnnotations: { 'eks.amazonaws.com/role-arn': '__delete__' }, mutated: false, podAnnotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${ACCOUNT}:role/EKS-IRSA` } }),
    status: 'fail',
    messageId: 'onPod',
  },
  { name: 'empty annotation', build: () => scenario().with({ saAnnotations: { 'eks.amazonaws.com/role-arn': '' }, mutated: false }), status: 'fail', messageId: 'empty' },
]);

table('IRSA301', [
  { name: 'pod on the annotated SA', build: scenario, status: 'pass', messageId: 'annotatedSa' },
  {
    name: 'pod on default while irsa is annotated',
    build: () =>
      scenario()
        .with({ podSaName: undefined, mutated: false, owner: { kind: 'Deployment', name: 'api' } })
        .with((s) => s.extraFacts.push({ kind: 'k8sObject', source: { path: 'sa.yaml' }, object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'payments' } }, fromList: 'List' })),
    status: 'fail',
    messageId: 'wrongSa',
    data: { actual: 'default', expected: 'irsa' },
    fix: /kubectl patch deployment\/api -n payments --type merge -p '\{"spec":\{"template":\{"spec":\{"serviceAccountName":"irsa"\}\}\}\}'/,
  },
]);

table('IRSA302', [
  { name: 'mutated pod', build: scenario, status: 'pass', messageId: 'injected' },
  { name: 'webhook did not mutate', build: () => scenario().with({ mutated: false, owner: { kind: 'Deployment', name: 'api' } }), status: 'fail', messageId: 'notMutated', fix: /kubectl rollout restart deployment\/api -n payments/ },
  {
    name: 'user-set AWS_ROLE_ARN blocks injection',
    build: () => scenario().with({ containerEnv: [{ name: 'AWS_ROLE_ARN', value: `arn:aws:iam::${ACCOUNT}:role/EKS-IRSA` }], owner: { kind: 'Deployment', name: 'api' } }),
    status: 'fail',
    messageId: 'blocked',
    fix: /kubectl set env deployment\/api -n payments -c app AWS_ROLE_ARN-/,
  },
  { name: 'skip-containers excludes the only container', build: () => scenario().with({ podAnnotations: { 'eks.amazonaws.com/skip-containers': 'app' } }), status: 'fail', messageId: 'allSkipped' },
]);

table('IRSA303', [
  { name: 'created after the annotation', build: scenario, status: 'pass', messageId: 'fresh' },
  {
    name: 'created before the annotation',
    build: () => scenario().with({ podCreated: '2026-10-15T08:00:00Z', mutated: false, owner: { kind: 'Deployment', name: 'api' } }),
    status: 'fail',
    messageId: 'createdBefore',
    fix: /kubectl rollout restart deployment\/api -n payments/,
  },
  {
    name: 'bare pod created before the annotation',
    build: () => scenario().with({ podCreated: '2026-10-15T08:00:00Z', mutated: false }),
    status: 'fail',
    messageId: 'createdBefore',
    fix: /kubectl get pod app -n payments -o yaml \| kubectl replace --force -f -/,
  },
  {
    name: 'annotation changed to another role after the pod was created',
    build: () => scenario().with({ mutatedWithRole: `arn:aws:iam::${ACCOUNT}:role/old-role`, owner: { kind: 'Deployment', name: 'api' } }),
    status: 'fail',
    messageId: 'roleChanged',
    data: { actual: `arn:aws:iam::${ACCOUNT}:role/old-role` },
    fix: /kubectl rollout restart deployment\/api -n payments/,
  },
  { name: 'not mutated and no managedFields', build: () => scenario().with({ mutated: false, saManagedTime: undefined }), status: 'unknown', messageId: 'notMutatedWhen' },
]);

table('IRSA304', [
  { name: 'no shadowing', build: scenario, status: 'pass' },
  {
    name: 'static keys from a secret',
    build: () => scenario().with({ containerEnv: [{ name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'aws', key: 'id' } } }, { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'aws', key: 'secret' } } }], owner: { kind: 'Deployment', name: 'api' } }),
    status: 'fail',
    messageId: 'staticKeys',
    fix: /kubectl set env deployment\/api -n payments -c app AWS_ACCESS_KEY_ID- AWS_SECRET_ACCESS_KEY-/,
  },
  { name: 'AWS_PROFILE', build: () => scenario().with({ containerEnv: [{ name: 'AWS_PROFILE', value: 'dev' }] }), status: 'fail', messageId: 'profile' },
  { name: 'Pod Identity vars too', build: () => scenario().with({ containerEnv: [{ name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'http://169.254.170.23/v1/credentials' }] }), status: 'warn', messageId: 'containerCredentials' },
]);

table('IRSA305', [
  { name: 'Kubernetes 1.30', build: scenario, status: 'pass', messageId: 'modern' },
  { name: 'root on 1.18', build: () => scenario().with({ clusterVersion: '1.18', podSecurity: { runAsUser: 0 } }), status: 'pass', messageId: 'root' },
  { name: 'uid 1000 on 1.18 without fsGroup', build: () => scenario().with({ clusterVersion: '1.18', podSecurity: { runAsUser: 1000 }, owner: { kind: 'Deployment', name: 'api' } }), status: 'fail', messageId: 'denied', fix: /fsGroup/ },
  { name: 'uid 1000 on 1.18 with fsGroup', build: () => scenario().with({ clusterVersion: '1.18', podSecurity: { runAsUser: 1000, fsGroup: 2000 } }), status: 'pass', messageId: 'fsGroup' },
  { name: 'user unknown on 1.18', build: () => scenario().with({ clusterVersion: '1.18' }), status: 'unknown', messageId: 'uidUnknown' },
]);

table('IRSA306', [{ name: 'no lockfile given', build: scenario, status: 'unknown', messageId: 'noEvidence' }]);

table('IRSA307', [
  { name: 'not China', build: scenario, status: 'skip', messageId: 'notChina' },
  { name: 'China with the webhook region injected', build: () => scenario().china(), status: 'pass' },
  { name: 'China, pod not given a region', build: () => scenario().china().with({ mutated: false, containerEnv: [{ name: 'AWS_ROLE_ARN', value: 'x' }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' }] }), status: 'fail', messageId: 'missing' },
]);

table('IRSA308', [
  { name: 'regional injected', build: scenario, status: 'pass', messageId: 'regional' },
  { name: 'legacy outside China', build: () => scenario().with({ containerEnv: [{ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'legacy' }] }), status: 'warn', messageId: 'globalShould' },
  { name: 'legacy in China', build: () => scenario().china().with({ containerEnv: [{ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'legacy' }] }), status: 'fail', messageId: 'globalMust' },
]);

table('IRSA401', [{ name: 'no token given', build: scenario, status: 'skip', messageId: 'noToken' }]);
table('IRSA402', [{ name: 'offline', build: scenario, status: 'skip' }]);
table('IRSA902', [
  { name: 'consistent', build: scenario, status: 'pass' },
  {
    name: 'two different trust policies for one role',
    build: () => {
      const s = scenario();
      const other = s.facts().find((f) => f.kind === 'role')!;
      return s.with((st) => st.extraFacts.push({ ...other, source: { path: 'old/role.json' }, trustPolicy: { Version: '2012-10-17', Statement: [] } } as typeof other));
    },
    status: 'fail',
    messageId: 'conflict',
  },
]);

describe('verdicts', () => {
  test('the healthy article workload has no failure or warning', () => {
    const r = scenario().run()[0]!;
    const bad = r.findings.filter((f) => f.status === 'fail' || f.status === 'warn');
    assert.deepEqual(bad.map((f) => `${f.check} ${f.messageId}`), []);
    // IRSA306 needs a lockfile, so the honest verdict is unknown, not ok.
    assert.equal(r.verdict, 'unknown');
  });
});

describe('live evidence that could not be read', () => {
  test('pods that could not be listed: the template is diagnosed, IRSA303 is unknown and names the grant', async () => {
    const { join } = await import('../evidence/join.js');
    const { runChecks } = await import('./runner.js');
    const { CHECKS } = await import('./registry.js');
    const facts = scenario().facts().filter((f) => !(f.kind === 'k8sObject' && f.object.kind === 'Pod'));
    facts.push(
      { kind: 'k8sObject', source: { path: 'api:kubernetes:readNamespacedDeployment' }, object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'payments' }, spec: { template: { metadata: {}, spec: { serviceAccountName: 'irsa', containers: [{ name: 'app' }] } } } } },
      { kind: 'unavailable', source: { path: 'api:kubernetes:listNamespacedPod' }, what: 'pods:payments', reason: 'Forbidden: pods is forbidden', permission: 'pods list' },
    );
    const joined = join(facts, { mode: 'live' });
    const r = runChecks(joined, CHECKS)[0]!;
    const f = r.findings.find((x) => x.check === 'IRSA303')!;
    assert.equal(f.status, 'unknown');
    assert.match(f.settle ?? '', /pods list/);
    assert.match(joined.evidence.notes.join('\n'), /the pods in payments could not be listed/);
  });
});

test('IRSA108 with --action: a policy document that could not be read names the permission', () => {
  const f = scenario()
    .with((s) =>
      s.extraFacts.push({ kind: 'unavailable', source: { path: 'api:iam:GetPolicyVersion' }, what: 'policy:arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', reason: 'AccessDenied: not authorized to perform: iam:GetPolicyVersion', permission: 'iam:GetPolicyVersion' }),
    )
    .finding('IRSA108', { action: 's3:GetObject' });
  assert.equal(f.status, 'unknown');
  assert.match(f.settle ?? '', /iam:GetPolicyVersion/);
});
