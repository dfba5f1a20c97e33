// The check catalogue: stable ids (never renumbered, never reused), slugs, titles, the article
// step each check answers and its default severity. This is the one place these live: check
// files take their metadata from here, docs/checks/<ID>.md must carry the same title (a test
// holds that), and reporters group by `step`.

export type Severity = 'error' | 'warning' | 'info';

export interface CatalogueEntry {
  readonly id: string;
  readonly slug: string;
  readonly title: string;
  /** The article step (1-13, see shared checks.md) or 0 for checks that are not in the article. */
  readonly step: number;
  /** Which area of the chain, for grouping in reports. */
  readonly area: 'cluster' | 'role' | 'serviceAccount' | 'pod' | 'token' | 'tool';
  readonly severity: Severity;
}

export const CATALOGUE = [
  { id: 'IRSA001', slug: 'cluster-issuer', step: 1, area: 'cluster', severity: 'error', title: 'The cluster has an OIDC issuer' },
  { id: 'IRSA002', slug: 'oidc-provider', step: 1, area: 'cluster', severity: 'error', title: "An IAM OIDC provider for the cluster's issuer exists in the role's account" },
  { id: 'IRSA003', slug: 'provider-audience', step: 11, area: 'cluster', severity: 'error', title: "The OIDC provider's client IDs include the token audience" },
  { id: 'IRSA004', slug: 'provider-thumbprint', step: 12, area: 'cluster', severity: 'error', title: "The OIDC provider's thumbprints match the issuer's TLS chain" },
  { id: 'IRSA101', slug: 'role-arn', step: 5, area: 'role', severity: 'error', title: "The annotation is a valid IAM role ARN in the cluster's partition" },
  { id: 'IRSA102', slug: 'role-exists', step: 5, area: 'role', severity: 'error', title: 'The IAM role exists' },
  { id: 'IRSA103', slug: 'trust-principal', step: 3, area: 'role', severity: 'error', title: "The trust policy's Federated principal is this cluster's OIDC provider" },
  { id: 'IRSA104', slug: 'trust-action', step: 3, area: 'role', severity: 'error', title: 'The trust policy allows sts:AssumeRoleWithWebIdentity' },
  { id: 'IRSA105', slug: 'trust-sub', step: 3, area: 'role', severity: 'error', title: 'The trust policy admits the service account subject' },
  { id: 'IRSA106', slug: 'trust-aud', step: 11, area: 'role', severity: 'error', title: 'The trust policy admits the token audience' },
  { id: 'IRSA107', slug: 'trust-decision', step: 3, area: 'role', severity: 'error', title: 'The whole trust policy allows this pod to assume the role' },
  { id: 'IRSA108', slug: 'role-permissions', step: 2, area: 'role', severity: 'error', title: 'The role has permissions policies that allow the call' },
  { id: 'IRSA201', slug: 'sa-exists', step: 4, area: 'serviceAccount', severity: 'error', title: 'The service account exists in the namespace' },
  { id: 'IRSA202', slug: 'sa-annotation', step: 5, area: 'serviceAccount', severity: 'error', title: 'The service account carries the eks.amazonaws.com/role-arn annotation' },
  { id: 'IRSA301', slug: 'pod-service-account', step: 6, area: 'pod', severity: 'error', title: 'The pod runs as the annotated service account' },
  { id: 'IRSA302', slug: 'pod-injection', step: 7, area: 'pod', severity: 'error', title: 'The webhook injected the role, token file and token volume into every container' },
  { id: 'IRSA303', slug: 'pod-stale', step: 10, area: 'pod', severity: 'error', title: "The pod was created after the service account's current role annotation" },
  { id: 'IRSA304', slug: 'credential-shadowing', step: 7, area: 'pod', severity: 'error', title: 'No earlier credential source shadows web identity' },
  { id: 'IRSA305', slug: 'token-readable', step: 9, area: 'pod', severity: 'error', title: "The container's user can read the token file" },
  { id: 'IRSA306', slug: 'sdk-version', step: 8, area: 'pod', severity: 'error', title: "The application's AWS SDK supports web identity" },
  { id: 'IRSA307', slug: 'china-region', step: 13, area: 'pod', severity: 'error', title: 'In China regions every container sets AWS_DEFAULT_REGION' },
  { id: 'IRSA308', slug: 'sts-endpoint', step: 13, area: 'pod', severity: 'warning', title: 'The pod uses a regional STS endpoint where it must' },
  { id: 'IRSA401', slug: 'token-claims', step: 0, area: 'token', severity: 'error', title: "The service account token's claims match the provider and trust policy" },
  { id: 'IRSA402', slug: 'sts-probe', step: 0, area: 'token', severity: 'error', title: 'STS AssumeRoleWithWebIdentity succeeds with the token' },
  { id: 'IRSA901', slug: 'internal-error', step: 0, area: 'tool', severity: 'error', title: 'A check failed to run' },
  { id: 'IRSA902', slug: 'evidence-conflict', step: 0, area: 'tool', severity: 'error', title: 'The evidence given does not contradict itself' },
] as const satisfies readonly CatalogueEntry[];

export type CheckId = (typeof CATALOGUE)[number]['id'];

const byId = new Map<string, CatalogueEntry>(CATALOGUE.map((e) => [e.id, e]));

export function catalogueEntry(id: CheckId): CatalogueEntry {
  const e = byId.get(id);
  if (!e) throw new Error(`unknown check id ${id}`);
  return e;
}

export function isCheckId(s: string): s is CheckId {
  return byId.has(s);
}
