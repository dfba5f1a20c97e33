// Live collection: workload -> pods -> service accounts -> roles -> cluster -> providers ->
// issuer, through the Kubernetes API and the AWS SDK, then a token per service account and, with
// --probe, STS's own answer. Collectors only produce facts; the same join and checks as offline
// judge them.

import type { Fact, TokenFact } from '../evidence/facts.js';
import { loadKube, collectWorkload, serverVersion, requestToken, type LoadedKube } from '../evidence/live/kube.js';
import { annotatedRoleArn, connectAws, type AwsSideOptions } from '../evidence/live/aws-side.js';
import { collectProviders, collectRole, probeWebIdentity } from '../evidence/live/aws.js';
import { collectIssuer } from '../evidence/live/issuer.js';
import { parseRoleArn } from '../iam/arn.js';
import { AUDIENCE_ANNOTATION, DEFAULT_AUDIENCE, ROLE_ARN_ANNOTATION } from '../k8s/webhook.js';

export interface LiveOptions extends AwsSideOptions {
  selector: string;
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  probe?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface LiveResult {
  facts: Fact[];
  target: Record<string, string>;
  kube: LoadedKube;
}

function annotationsOf(f: Fact): Record<string, string> | undefined {
  return f.kind === 'k8sObject' ? (f.object.metadata.annotations ?? {}) : f.kind === 'describedServiceAccount' ? f.annotations : undefined;
}

export async function collectLive(o: LiveOptions): Promise<LiveResult> {
  const k = loadKube({ ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}), ...(o.context ? { context: o.context } : {}), ...(o.env ? { env: o.env } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
  const namespace = o.namespace ?? k.namespace ?? 'default';
  const facts: Fact[] = [];
  const [workload, version] = await Promise.all([collectWorkload(k, o.selector, namespace), serverVersion(k)]);
  facts.push(...workload.facts, version);

  const side = await connectAws(o, k);
  const { aws, home, clusterName, issuer } = side;
  facts.push(...side.facts);

  // Roles named by the service accounts (and by AWS_ROLE_ARN set in pods).
  const roleArns = new Set<string>();
  for (const f of workload.facts) {
    const a = annotationsOf(f)?.[ROLE_ARN_ANNOTATION];
    if (f.kind === 'k8sObject' && f.object.kind === 'ServiceAccount' && a) {
      roleArns.add(annotatedRoleArn(a));
    }
  }
  const clientsFor = side.clientsFor;
  const accounts = new Set<string>();
  const jobs: Array<Promise<Fact[]>> = [];
  for (const arn of roleArns) {
    const p = parseRoleArn(arn);
    if (!p.ok) continue;
    const c = clientsFor(p.account);
    if (!c) {
      facts.push({
        kind: 'unavailable',
        source: { path: 'api:iam:GetRole' },
        what: `role:${p.arn}`,
        reason: `the role is in account ${p.account}, not in ${home ?? 'the account of these credentials'}; give --role-profile with credentials for ${p.account}`,
        permission: 'iam:GetRole (in the role account, via --role-profile)',
      });
      facts.push({ kind: 'unavailable', source: { path: 'api:iam:ListOpenIDConnectProviders' }, what: `providers:${p.account}`, reason: `no credentials for account ${p.account}: give --role-profile`, permission: 'iam:ListOpenIDConnectProviders (in the role account)' });
      continue;
    }
    jobs.push(collectRole(c.clients.iam, p.arn, c.account ? { account: c.account } : {}));
    if (!accounts.has(p.account)) {
      accounts.add(p.account);
      jobs.push(collectProviders(c.clients.iam, p.account));
    }
  }
  if (home && !accounts.has(home) && roleArns.size === 0) jobs.push(collectProviders(aws.iam, home));
  if (issuer) jobs.push(collectIssuer(issuer, { ...(o.ca ? { ca: o.ca } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) }));
  for (const f of await Promise.all(jobs)) facts.push(...f);

  // A token per service account, with the audience its pods would get; then STS, with --probe.
  for (const sa of workload.serviceAccounts) {
    const saFact = workload.facts.find((f) => f.kind === 'k8sObject' && f.object.kind === 'ServiceAccount' && f.object.metadata.name === sa.name && (f.object.metadata.namespace ?? 'default') === sa.namespace);
    const ann = saFact ? (annotationsOf(saFact) ?? {}) : {};
    const audience = ann[AUDIENCE_ANNOTATION] ?? DEFAULT_AUDIENCE;
    const { fact, token } = await requestToken(k, sa.namespace, sa.name, { audience });
    facts.push(fact);
    const roleArn = ann[ROLE_ARN_ANNOTATION];
    if (o.probe && token && roleArn) {
      const p = parseRoleArn(roleArn);
      const stsClients = p.ok ? (clientsFor(p.account)?.clients ?? aws) : aws;
      facts.push(...(await probeWebIdentity(stsClients.sts, { roleArn: roleArn, token, namespace: sa.namespace, serviceAccount: sa.name, claims: (fact as TokenFact).claims ?? {} })));
    }
  }
  return { facts, kube: k, target: { selector: o.selector, namespace, context: k.contextName, ...(clusterName ? { cluster: clusterName } : {}) } };
}
