// Facts: what one input (a file the user pasted, later an API response) says, before joining.
// A recogniser turns one file into zero or more facts; the join (join.ts) turns all facts into
// one Evidence value. Facts carry their `source` (file path, and the position when useful) so
// every finding can say where its evidence came from.

/** Where a fact came from: `path` for files, `api:<operation>` for live calls. */
export interface Source {
  readonly path: string;
  /** 1-based line of the object inside a multi-document file, when known. */
  readonly line?: number;
}

/** A Kubernetes object as `kubectl get -o yaml|json` prints it. Kept loose on purpose. */
export interface K8sObject {
  apiVersion?: string;
  kind: string;
  metadata: K8sMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}
export interface K8sMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  creationTimestamp?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion?: string; kind: string; name: string; uid?: string; controller?: boolean }>;
  managedFields?: Array<{ manager?: string; operation?: string; time?: string; fieldsType?: string; fieldsV1?: unknown; subresource?: string }>;
  resourceVersion?: string;
  [key: string]: unknown;
}

/** An IAM policy document exactly as parsed (JSON object), after URL-decoding when needed. */
export type PolicyDocument = Record<string, unknown>;

export interface ClusterFact {
  kind: 'cluster';
  source: Source;
  name?: string;
  arn?: string;
  /** `null` when the cluster explicitly has no OIDC issuer (describe-cluster without identity.oidc). */
  issuer: string | null;
  version?: string;
  region?: string;
  endpoint?: string;
  status?: string;
  /** resourcesVpcConfig.endpointPublicAccess / endpointPrivateAccess, when printed. */
  endpointPublicAccess?: boolean;
  endpointPrivateAccess?: boolean;
}

export interface ProviderListFact {
  kind: 'providerList';
  source: Source;
  /** The provider ARNs the account holds (list-open-id-connect-providers). */
  arns: string[];
  /** The account listed, when known apart from the ARNs (live mode: the caller's account), so
   * that an empty list is tied to its account. */
  account?: string;
}

export interface ProviderFact {
  kind: 'provider';
  source: Source;
  /** Absent in `aws iam get-open-id-connect-provider` output: matched later by URL. */
  arn?: string;
  /** As IAM stores it: without `https://`. */
  url: string;
  clientIds: string[];
  thumbprints: string[];
  tags?: Array<{ Key: string; Value: string }>;
  createDate?: string;
}

export interface RoleFact {
  kind: 'role';
  source: Source;
  arn: string;
  name: string;
  path?: string;
  roleId?: string;
  trustPolicy?: PolicyDocument;
  maxSessionDuration?: number;
  permissionsBoundaryArn?: string;
  createDate?: string;
}

export interface AttachedPoliciesFact {
  kind: 'attachedPolicies';
  source: Source;
  /** list-attached-role-policies does not name the role: joined to the only role, or by folder. */
  policies: Array<{ name: string; arn: string }>;
  /** Set when the output names the role (get-account-authorization-details). */
  roleName?: string;
}

export interface InlinePolicyNamesFact {
  kind: 'inlinePolicyNames';
  source: Source;
  names: string[];
  /** Set when the output names the role (get-account-authorization-details). */
  roleName?: string;
}

export interface InlinePolicyFact {
  kind: 'inlinePolicy';
  source: Source;
  roleName: string;
  policyName: string;
  document: PolicyDocument;
}

export interface ManagedPolicyFact {
  kind: 'managedPolicy';
  source: Source;
  arn: string;
  name?: string;
  defaultVersionId?: string;
  attachmentCount?: number;
}

export interface PolicyVersionFact {
  kind: 'policyVersion';
  source: Source;
  versionId: string;
  isDefault: boolean;
  document: PolicyDocument;
  /** get-policy-version output does not carry the policy ARN; set when known. */
  policyArn?: string;
}

export interface K8sObjectFact {
  kind: 'k8sObject';
  source: Source;
  object: K8sObject;
  /** Set when the object came from a list (`kind: List`, `PodList`, ...): the list's kind. A
   * list of one namespace's ServiceAccounts proves which exist there. */
  fromList?: string;
}

/** `kubectl describe sa` text: fewer details than the YAML, enough for IRSA201/202. */
export interface DescribedServiceAccountFact {
  kind: 'describedServiceAccount';
  source: Source;
  name: string;
  namespace: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
}

/** `kubectl exec POD -- env` output. HOSTNAME names the pod. */
export interface EnvFact {
  kind: 'env';
  source: Source;
  vars: Record<string, string>;
  /** Set when the user names the pod/container with `# pod: ns/name container: c` comment lines. */
  pod?: { namespace?: string; name: string; container?: string };
}

/** `kubectl exec POD -- id` output. */
export interface IdFact {
  kind: 'id';
  source: Source;
  uid: number;
  gid: number;
  groups: number[];
  user?: string;
  pod?: { namespace?: string; name: string; container?: string };
}

export interface KubeVersionFact {
  kind: 'kubeVersion';
  source: Source;
  /** e.g. "1.29" */
  server?: { major: number; minor: number; gitVersion: string };
  client?: { major: number; minor: number; gitVersion: string };
}

export interface DiscoveryFact {
  kind: 'discovery';
  source: Source;
  issuer: string;
  jwksUri: string;
  document: Record<string, unknown>;
}

export interface JwksFact {
  kind: 'jwks';
  source: Source;
  keys: Array<Record<string, unknown>>;
}

/** A TLS chain as the server sent it (s_client -showcerts) or a PEM bundle; index 0 is the leaf. */
export interface CertChainFact {
  kind: 'certChain';
  source: Source;
  /** DER bytes of each certificate, in the order given. */
  certs: Buffer[];
  /** The host the chain was fetched from, when the text says so (s_client's `-connect`/`-servername`). */
  host?: string;
  /** True when the input was `openssl s_client` output (so the last cert is what the server sent). */
  fromSClient: boolean;
  /** False when the capture cannot hold the whole chain (s_client without -showcerts). */
  complete?: boolean;
  incompleteReason?: string;
}

export interface TokenFact {
  kind: 'token';
  source: Source;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

/** One AWS SDK (or CLI) found in a lockfile, manifest or SBOM. */
export interface SdkDependency {
  /** Key into the minimum-version table (src/sdk/minimums.ts). */
  sdk: SdkId;
  /** Package name as the ecosystem spells it (`@aws-sdk/credential-providers`, `boto3`, ...). */
  package: string;
  version: string;
}
export type SdkId =
  | 'java-v2'
  | 'java-v1'
  | 'go-v1'
  | 'go-v2'
  | 'boto3'
  | 'botocore'
  | 'aws-cli'
  | 'js-v2'
  | 'js-v3'
  | 'ruby'
  | 'cpp'
  | 'dotnet'
  | 'php';

export interface SdkDepsFact {
  kind: 'sdkDeps';
  source: Source;
  /** The format recognised, e.g. `package-lock.json`, `go.mod`, `CycloneDX SBOM`. */
  format: string;
  deps: SdkDependency[];
  /** Java v2 only: whether the `software.amazon.awssdk:sts` module is present. `undefined` when not Java. */
  javaStsModule?: boolean;
  /** .NET only: whether AWSSDK.SecurityToken is present. */
  dotnetSecurityToken?: boolean;
}

/**
 * An error the user pasted that proves something does not exist: `Error from server (NotFound):
 * serviceaccounts "x" not found` (kubectl), `An error occurred (NoSuchEntity) when calling the
 * GetRole operation: The role with name X cannot be found.` (aws CLI).
 */
export interface NotFoundFact {
  kind: 'notFound';
  source: Source;
  resource: 'role' | 'serviceAccount' | 'pod' | 'namespace' | 'oidcProvider' | 'cluster' | 'policy' | 'other';
  name: string;
  namespace?: string;
  /** The text as printed, one line. */
  text: string;
}

/**
 * Live mode: a call that was denied, missing or failing. The evidence it would have produced is
 * `unknown` with this reason and the permission that would settle it (never read as "fine").
 * `what` names the evidence: `cluster`, `kubeVersion`, `providers:<account>`, `provider:<arn>`,
 * `role:<arn>`, `attachedPolicies:<arn>`, `inlinePolicies:<arn>`, `policy:<arn>`,
 * `serviceAccount:<ns>/<name>`, `serviceAccounts:<ns>`, `pods:<ns>`, `token:<ns>/<name>`,
 * `issuer:<url>`, `chain:<host>`.
 */
export interface UnavailableFact {
  kind: 'unavailable';
  source: Source;
  what: string;
  reason: string;
  /** `iam:GetRole`, `eks:DescribeCluster`, `serviceaccounts/token create`, ... */
  permission?: string;
}

/** Live mode, `--probe`: what STS answered to AssumeRoleWithWebIdentity with the pod's token. */
export interface ProbeFact {
  kind: 'probe';
  source: Source;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  /** The token's claims (never the token). */
  claims: Record<string, unknown>;
  outcome: { ok: true; assumedRoleArn: string } | { ok: false; code: string; message: string; status?: number };
}

export type Fact =
  | UnavailableFact
  | ProbeFact
  | NotFoundFact
  | ClusterFact
  | ProviderListFact
  | ProviderFact
  | RoleFact
  | AttachedPoliciesFact
  | InlinePolicyNamesFact
  | InlinePolicyFact
  | ManagedPolicyFact
  | PolicyVersionFact
  | K8sObjectFact
  | DescribedServiceAccountFact
  | EnvFact
  | IdFact
  | KubeVersionFact
  | DiscoveryFact
  | JwksFact
  | CertChainFact
  | TokenFact
  | SdkDepsFact;

export type FactKind = Fact['kind'];

/** Bad input: a one-line message with the position. `line`/`col` are 1-based. */
export class InputError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }
  /** `file:line:col: message` */
  override toString(): string {
    const pos = this.line !== undefined ? `:${this.line}${this.col !== undefined ? `:${this.col}` : ''}` : '';
    return `${this.path}${pos}: ${this.message}`;
  }
}
