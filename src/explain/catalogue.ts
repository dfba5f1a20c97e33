// The error catalogue: every error `irsa-doctor explain` recognises, what it means, its likely
// causes in order (each settled by a check of src/checks/catalogue.ts) and the evidence to collect.
//
// Data only. Templates: `{{key}}` is replaced by a value found in the error (or by a placeholder
// such as `<NAMESPACE>` when absent); `[[ ... ]]` is kept only when every key inside has a value.
// How each entry is recognised lives in detectors.ts. Sources are given per entry: `spec §N` is
// /work/shared/spec/aws-behavior.md, `article` the AWS Knowledge Center article (seed 000).

import type { ErrorEntry } from './types.js';

// Commands used by several entries.
const SA_YAML = 'kubectl get sa {{serviceAccount}} -n {{namespace}} -o yaml';
const POD_ENV = 'kubectl exec {{pod}} -n {{namespace}} -- env | grep AWS_';
const POD_YAML = 'kubectl get pod {{pod}} -n {{namespace}} -o yaml';
const POD_SA = "kubectl get pod {{pod}} -n {{namespace}} -o jsonpath='{.spec.serviceAccountName}'";
const POD_CREATED = "kubectl get pod {{pod}} -n {{namespace}} -o jsonpath='{.metadata.creationTimestamp}'";
const SA_MANAGED = 'kubectl get sa {{serviceAccount}} -n {{namespace}} -o yaml --show-managed-fields';
const LIST_PROVIDERS = 'aws iam list-open-id-connect-providers';
const CLUSTER_ISSUER = 'aws eks describe-cluster --name {{cluster}}[[ --region {{region}}]] --query cluster.identity.oidc.issuer --output text';
const GET_PROVIDER = 'aws iam get-open-id-connect-provider --open-id-connect-provider-arn arn:{{partition}}:iam::{{account}}:oidc-provider/{{providerPath}}';
const TRUST_POLICY = 'aws iam get-role --role-name {{roleName}} --query Role.AssumeRolePolicyDocument';
const TOKEN_TO_FILE = 'kubectl exec {{pod}} -n {{namespace}} -- cat /var/run/secrets/eks.amazonaws.com/serviceaccount/token > token.jwt';
const DIAGNOSE_TOKEN = 'irsa-doctor diagnose --from token.jwt';
const WEBHOOK = 'kubectl get mutatingwebhookconfiguration pod-identity-webhook';

export const ERRORS = [
  // ---------------------------------------------------------------------------------------------
  // STS AssumeRoleWithWebIdentity (spec §1)
  {
    id: 'sts-role-arn-invalid',
    title: 'STS rejected the role ARN',
    scope: 'irsa',
    meaning:
      'STS could not parse the role ARN the SDK sent (AWS_ROLE_ARN, copied from the service account annotation by the webhook)[[: {{badValue}}]]. Nothing was checked beyond the ARN syntax.',
    causes: [
      { check: 'IRSA101', why: 'The `eks.amazonaws.com/role-arn` annotation is not a valid role ARN: whitespace, quotes, a missing `role/`, a policy or instance-profile ARN, or a partition that does not match the cluster region.' },
      { check: 'IRSA302', why: 'AWS_ROLE_ARN is set by hand in the pod spec (the webhook then injects neither variable), with a wrong value.' },
      { check: 'IRSA303', why: 'The annotation was fixed after the pod started: the pod still carries the old value until it is recreated.' },
    ],
    collect: [
      "kubectl get sa {{serviceAccount}} -n {{namespace}} -o jsonpath='{.metadata.annotations.eks\\.amazonaws\\.com/role-arn}'",
      POD_ENV,
      POD_CREATED,
    ],
    supersedes: { ids: ['sts-invalid-identity-token'], within: 600 },
    sources: ['spec §1 #0', 'STS ValidationError "Value ... at \'roleArn\' failed to satisfy constraint"'],
  },
  {
    id: 'sts-no-oidc-provider',
    title: "No IAM OIDC provider for the token's issuer in the role's account",
    scope: 'irsa',
    meaning:
      "STS looked for an IAM OIDC provider whose URL equals the token's `iss`[[ ({{issuer}})]] in the account that owns the role, and found none. The role's trust policy was not even evaluated.",
    causes: [
      { check: 'IRSA307', why: 'The issuer is in {{partition}} but the SDK called STS outside that partition (no AWS_REGION / AWS_DEFAULT_REGION in the pod, JS v3 then defaults STS to us-east-1): set the region in every container.', onlyWhen: { key: 'partition', oneOf: ['aws-cn'] } },
      { check: 'IRSA308', why: 'The issuer is in {{partition}}: the pod must call the regional STS endpoint of that partition (AWS_STS_REGIONAL_ENDPOINTS=regional plus the region).', onlyWhen: { key: 'partition', oneOf: ['aws-cn', 'aws-us-gov'] } },
      { check: 'IRSA002', why: "No OIDC provider for[[ {{providerPath}}]] exists in the role's account[[ {{account}}]]: it was never created, it belongs to an old issuer after the cluster was recreated, or it is in the cluster's account while the role is in another." },
      { check: 'IRSA401', why: "The token's `iss` is not the issuer you registered (a self-managed cluster whose --service-account-issuer differs, or a token minted by another cluster)." },
      { check: 'IRSA001', why: 'The cluster has no OIDC issuer, or its issuer changed (the provider must follow it).' },
    ],
    reorder: [{ when: { key: 'partition', oneOf: ['aws-cn'] }, first: ['IRSA307', 'IRSA308'] }],
    collect: [
      CLUSTER_ISSUER,
      'aws iam list-open-id-connect-providers[[ | grep {{issuerId}}]]',
      GET_PROVIDER,
      TOKEN_TO_FILE,
      DIAGNOSE_TOKEN,
      { cmd: 'kubectl get pod {{pod}} -n {{namespace}} -o yaml | grep -E "AWS_REGION|AWS_DEFAULT_REGION"', onlyWhen: { key: 'partition', oneOf: ['aws-cn', 'aws-us-gov'] } },
    ],
    supersedes: { ids: ['sts-invalid-identity-token'], within: 600 },
    sources: ['spec §1 #1', 'spec §1 Region/partition', 'article step 1', 'kubernetes-sigs/aws-load-balancer-controller#2315', 'namespacelabs/foundation#801', 'aws/aws-sdk-js-v3#5083', 'aws/aws-sdk-js-v3#6419'],
  },
  {
    id: 'sts-incorrect-audience',
    title: "The token's audience is not a client ID of the OIDC provider",
    scope: 'irsa',
    meaning:
      "STS found the OIDC provider but the token's `aud` is not in its ClientIDList. The default audience is `sts.amazonaws.com`, also in China (`sts.amazonaws.com.cn` gives this error).",
    causes: [
      { check: 'IRSA003', why: 'The provider ClientIDList lacks the audience the token carries: typos like `sts.amazon.com`, `sts.amazonaws.com.cn`, or a regional `sts.<region>.amazonaws.com`.' },
      { check: 'IRSA401', why: 'The token carries another audience than you think: the service account has an `eks.amazonaws.com/audience` annotation, or the app reads a token requested for another audience.' },
    ],
    collect: [
      GET_PROVIDER + ' --query ClientIDList',
      "kubectl get sa {{serviceAccount}} -n {{namespace}} -o jsonpath='{.metadata.annotations.eks\\.amazonaws\\.com/audience}'",
      TOKEN_TO_FILE,
      DIAGNOSE_TOKEN,
    ],
    supersedes: { ids: ['sts-invalid-identity-token'], within: 600 },
    sources: ['spec §1 #2', 'spec §7', 'article step 11', 'awslabs/amazon-eks-irsa-cfn#18', 'kubernetes-sigs/aws-load-balancer-controller#1728'],
  },
  {
    id: 'sts-missing-aud-claim',
    title: 'The token has no audience',
    scope: 'irsa',
    meaning:
      'The token sent to STS has no `aud` claim: it is not the projected IRSA token (whose audience is `sts.amazonaws.com` by default).',
    causes: [
      { check: 'IRSA401', why: 'The token is a legacy secret-based service account token or another JWT without `aud`, not the projected token at /var/run/secrets/eks.amazonaws.com/serviceaccount/token.' },
      { check: 'IRSA302', why: 'AWS_WEB_IDENTITY_TOKEN_FILE points at another file (set by hand, so the webhook did not inject its own), e.g. /var/run/secrets/kubernetes.io/serviceaccount/token.' },
    ],
    collect: [POD_ENV, TOKEN_TO_FILE, DIAGNOSE_TOKEN],
    supersedes: { ids: ['sts-invalid-identity-token'], within: 600 },
    sources: ['spec §1 #2b'],
  },
  {
    id: 'sts-thumbprint-mismatch',
    title: "The issuer's TLS certificate does not match the provider's thumbprints",
    scope: 'irsa',
    meaning:
      "STS fetched the issuer's keys over TLS and the certificate chain does not match the provider's ThumbprintList. AWS only relies on thumbprints when the issuer's certificate is not signed by a CA it trusts (private CA, self-managed issuer); for publicly trusted issuers a wrong thumbprint is harmless.",
    causes: [
      { check: 'IRSA004', why: "ThumbprintList does not contain the SHA-1 of the top intermediate CA of the issuer's (and the JWKS host's) TLS chain, e.g. after the issuer's certificate was renewed under another CA." },
      { check: 'IRSA001', why: "The provider was created for another issuer URL or host than the one serving the keys (discovery and JWKS hosts differ: both thumbprints are needed)." },
    ],
    collect: [
      GET_PROVIDER + ' --query ThumbprintList',
      'curl -s {{issuer}}/.well-known/openid-configuration',
      'openssl s_client -showcerts -servername {{issuerHost}} -connect {{issuerHost}}:443 </dev/null',
    ],
    supersedes: { ids: ['sts-invalid-identity-token'], within: 600 },
    sources: ['spec §1 #3', 'spec §2', 'article step 12'],
  },
  {
    id: 'sts-jwks-unreachable',
    title: "STS could not fetch the issuer's signing keys",
    scope: 'irsa',
    meaning:
      "STS could not read the issuer's discovery document or JWKS[[ ({{issuer}})]], so it could not verify the token signature. On EKS-managed issuers this is usually transient (the SDKs retry it); if it persists, the issuer is not publicly reachable over HTTPS or its keys do not contain the token's `kid`.",
    causes: [
      { check: 'IRSA001', why: "The issuer URL is not publicly reachable over HTTPS from AWS (self-managed cluster with a private issuer, a private S3 bucket, a wrong jwks_uri in the discovery document)." },
      { check: 'IRSA004', why: "TLS to the issuer or JWKS host fails for AWS (incomplete chain, certificate not for that host, thumbprint fallback with a private CA)." },
      { check: 'IRSA401', why: "The token's `iss` or `kid` does not match what the discovery document and JWKS publish (keys rotated, token signed by another key)." },
      { check: 'IRSA402', why: 'A live STS call with a fresh token tells a transient failure from a persistent one.' },
    ],
    collect: [
      'curl -sS {{issuer}}/.well-known/openid-configuration',
      "curl -sS $(curl -s {{issuer}}/.well-known/openid-configuration | jq -r .jwks_uri)",
      TOKEN_TO_FILE,
      DIAGNOSE_TOKEN,
    ],
    supersedes: { ids: ['sts-invalid-identity-token'], within: 600 },
    sources: ['spec §1 #4', 'aws/aws-cli#7194', 'awslabs/aws-sdk-rust#827', 'STS IDPCommunicationError (aws-sdk-js-v3 client-sts models)'],
  },
  {
    id: 'sts-token-expired',
    title: 'The web identity token had expired when the SDK sent it',
    scope: 'irsa',
    meaning:
      'STS refused an expired token[[: it expired at {{expiresAt}} and was sent at {{currentTime}}, {{expiredFor}} later]][[ (STS: "Token too old: {{tooOld}}")]]. The kubelet rewrites the projected token at 80% of its lifetime, so an expired token means the file is not refreshed, the app keeps an old copy, or a clock is off.',
    causes: [
      { check: 'IRSA302', why: 'The token is not read from the projected `aws-iam-token` volume: a `subPath` mount or a copy made at startup is never refreshed (typical when it expired hours or days before).' },
      { check: 'IRSA306', why: 'The app or its SDK reads the token once and keeps it (custom code passing the token string, an old SDK); supported SDKs re-read AWS_WEB_IDENTITY_TOKEN_FILE on every refresh.' },
      { check: 'IRSA401', why: "Compare the current token's `exp` with the node's clock: a token that is fresh in the file but reported expired points at clock skew on the node or a token from elsewhere." },
    ],
    reorder: [{ when: { key: 'secondsPastExpiry', below: 3600 }, first: ['IRSA401'] }],
    collect: [
      "kubectl get pod {{pod}} -n {{namespace}} -o jsonpath='{range .spec.containers[*]}{.name}{\": \"}{.volumeMounts}{\"\\n\"}{end}'",
      "kubectl get pod {{pod}} -n {{namespace}} -o jsonpath='{.spec.volumes[?(@.name==\"aws-iam-token\")]}'",
      'kubectl exec {{pod}} -n {{namespace}} -- date -u +%s',
      TOKEN_TO_FILE,
      DIAGNOSE_TOKEN,
    ],
    supersedes: { ids: ['sts-invalid-identity-token'], within: 600 },
    sources: ['spec §1 #6', 'spec §9', 'aws/aws-sdk-java-v2#5709', 'awslabs/aws-orbit-workbench#771', 'mozilla-iam/mozilla-aws-cli#146 ("Token too old")'],
  },
  {
    id: 'sts-not-authorized-web-identity',
    title: "The role's trust policy does not let this token assume it",
    scope: 'irsa',
    meaning:
      "The OIDC provider and the token are valid, but the role's trust policy did not allow sts:AssumeRoleWithWebIdentity for this token: the Federated principal, the `sub` or `aud` conditions, the action, or a Deny did not match. STS does not say which.",
    causes: [
      { check: 'IRSA105', why: 'The `<issuer>:sub` condition does not admit `system:serviceaccount:{{namespace}}:{{serviceAccount}}`: wrong namespace or name, `*` under StringEquals, `https://` left in the key, sub/aud swapped.' },
      { check: 'IRSA103', why: "The Federated principal is not this cluster's provider ARN: issuer host typo, an old issuer id after the cluster was recreated, another account or partition." },
      { check: 'IRSA301', why: 'The pod runs as another service account than the one the trust policy names (often `default`).' },
      { check: 'IRSA106', why: 'The `<issuer>:aud` condition does not admit the token audience (default `sts.amazonaws.com`).' },
      { check: 'IRSA104', why: 'The statement allows `sts:AssumeRole` only, not `sts:AssumeRoleWithWebIdentity`.' },
      { check: 'IRSA107', why: 'Another statement denies, or an extra condition fails: evaluating the whole policy for this request names the deciding statement.' },
      { check: 'IRSA303', why: 'The pod still uses a role ARN from before an annotation change, whose trust policy is for another service account.' },
    ],
    collect: [TRUST_POLICY, SA_YAML, POD_SA, POD_ENV, TOKEN_TO_FILE, DIAGNOSE_TOKEN],
    supersedes: { ids: ['sts-invalid-identity-token'], within: 600 },
    sources: ['spec §1 #7', 'spec §3', 'article step 3', 'external-secrets/kubernetes-external-secrets#622'],
  },
  {
    id: 'sts-duration-exceeds-max',
    title: "The requested session duration exceeds the role's MaxSessionDuration",
    scope: 'irsa',
    meaning:
      "The SDK asked STS for a session longer[[ ({{durationSeconds}} s)]] than the role's MaxSessionDuration allows (1-12 h, default 1 h). The webhook never sets a duration: it comes from the app's configuration (duration_seconds in a profile, durationSeconds in code).",
    causes: [
      { check: 'IRSA102', why: "Read the role's MaxSessionDuration (get-role) and either raise it or lower the duration the app requests; no check compares the two yet." },
      { check: 'IRSA402', why: "A live AssumeRoleWithWebIdentity with the default duration succeeds when only the requested duration is wrong." },
    ],
    collect: ['aws iam get-role --role-name {{roleName}} --query Role.MaxSessionDuration', POD_ENV],
    supersedes: { ids: ['sts-invalid-identity-token'], within: 600 },
    sources: ['spec §1 #8'],
  },
  {
    id: 'sts-region-disabled',
    title: 'STS is not activated in the region the SDK called',
    scope: 'any',
    meaning:
      'The SDK called the regional STS endpoint of a region[[ ({{region}})]] where STS is deactivated for the account.',
    causes: [
      { check: 'IRSA308', why: 'Point the pod at a regional STS endpoint that is active for the account (or activate STS for the region in the IAM console, Account settings).' },
    ],
    collect: ['aws iam get-account-summary', POD_ENV],
    supersedes: { ids: ['sts-invalid-identity-token'], within: 600 },
    sources: ['STS RegionDisabledException (API reference)'],
  },
  {
    id: 'sts-invalid-identity-token',
    title: 'STS rejected the web identity token',
    scope: 'irsa',
    meaning:
      'STS answered InvalidIdentityToken (or IDPRejectedClaim) with a message this catalogue does not know[[: {{message}}]]. The token failed validation: issuer, audience, signature or claims.',
    causes: [
      { check: 'IRSA401', why: "Decode the token and compare `iss`, `aud`, `sub`, `exp` with the provider and the trust policy." },
      { check: 'IRSA002', why: "An OIDC provider for the token's issuer must exist in the role's account." },
      { check: 'IRSA003', why: "The provider's ClientIDList must contain the token audience." },
      { check: 'IRSA004', why: "For issuers behind a private CA, the thumbprints must match the issuer's TLS chain." },
      { check: 'IRSA402', why: 'A live STS call returns the exact error for a fresh token.' },
    ],
    collect: [TOKEN_TO_FILE, DIAGNOSE_TOKEN, LIST_PROVIDERS],
    sources: ['spec §1 #5 (bad signature: [unconfirmed] message)', 'STS API error codes'],
  },

  // ---------------------------------------------------------------------------------------------
  // Signing and credentials (spec §1 Region/partition)
  {
    id: 'credential-scope-invalid-region',
    title: 'The request was signed for a region the STS endpoint does not serve',
    scope: 'any',
    meaning:
      "SignatureDoesNotMatch: the credential scope of the signature names a region[[ ({{signingRegion}})]] that does not match the endpoint. For IRSA this happens when the SDK signs for its region but sends the request to the global endpoint `sts.amazonaws.com` (or the other way round).",
    causes: [
      { check: 'IRSA308', why: 'The pod calls the global STS endpoint while signing for a region: use regional STS (`eks.amazonaws.com/sts-regional-endpoints: "true"` on the service account, AWS_STS_REGIONAL_ENDPOINTS=regional) or an endpoint matching the region.' },
      { check: 'IRSA307', why: 'AWS_REGION / AWS_DEFAULT_REGION is missing or differs from the STS endpoint configured in the pod (AWS_ENDPOINT_URL_STS, a profile `sts_regional_endpoints`).' },
    ],
    collect: [POD_ENV, "kubectl get sa {{serviceAccount}} -n {{namespace}} -o jsonpath='{.metadata.annotations}'"],
    sources: ['spec §1 Region/partition', 'hashicorp/terraform-provider-aws#34865', 'cloud-custodian/cloud-custodian#4874'],
  },
  {
    id: 'security-token-invalid',
    title: 'AWS does not recognise the credentials the app sent',
    scope: 'any',
    meaning:
      'The access key or session token the app signed with is not valid where it was sent. In a pod this means credentials from somewhere other than a working IRSA exchange, or IRSA credentials used in a partition or opt-in region they are not valid in.',
    causes: [
      { check: 'IRSA307', why: 'In China regions a pod without AWS_DEFAULT_REGION gets credentials from the wrong partition (article step 13).', onlyWhen: { key: 'partitionHint', oneOf: ['aws-cn'] } },
      { check: 'IRSA304', why: 'Static keys (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), AWS_PROFILE or a mounted credentials file shadow web identity, and they are revoked or from another partition.' },
      { check: 'IRSA308', why: 'Session tokens from the global STS endpoint are only valid in regions enabled by default; in an opt-in region use regional STS.' },
      { check: 'IRSA307', why: 'AWS_REGION / AWS_DEFAULT_REGION is not set in the container, so the SDK used a default region in another partition.', onlyWhen: { key: 'partitionHint', present: false } },
    ],
    reorder: [{ when: { key: 'partitionHint', oneOf: ['aws-cn'] }, first: ['IRSA307'] }],
    collect: [POD_ENV, "kubectl exec {{pod}} -n {{namespace}} -- sh -c 'ls -l ~/.aws/ 2>&1; env | grep -E \"^AWS_(PROFILE|ACCESS_KEY_ID|CONFIG_FILE|SHARED_CREDENTIALS_FILE)=\" | cut -d= -f1'"],
    sources: ['article step 13', 'spec §1 Region/partition', 'grafana/grafana#48267', 'convox/convox#1002'],
  },
  {
    id: 'security-token-expired',
    title: 'The AWS session credentials the app used have expired',
    scope: 'any',
    meaning:
      'The app signed with temporary credentials past their expiration. SDK credential providers refresh IRSA credentials by themselves, so expired credentials usually come from a copy: keys exported into the environment or a file, or a client built with fixed credentials.',
    causes: [
      { check: 'IRSA304', why: 'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or a credentials file carry a copy of temporary credentials that shadows the refreshing web identity provider.' },
      { check: 'IRSA306', why: 'An SDK too old for web identity or code that builds clients from fixed credentials never refreshes them.' },
    ],
    collect: [POD_ENV],
    sources: ['STS/IAM ExpiredToken wording'],
  },
  {
    id: 'session-token-rejected-in-region',
    title: 'The session token is not valid in the region of the request',
    scope: 'any',
    meaning:
      'S3 rejected the session token as malformed. With IRSA this happens when the credentials came from the global STS endpoint (version 1 session tokens) and the request goes to an opt-in region such as ap-east-1 or ap-southeast-4.',
    causes: [
      { check: 'IRSA308', why: 'Use regional STS in the pod (AWS_STS_REGIONAL_ENDPOINTS=regional, or the `eks.amazonaws.com/sts-regional-endpoints` annotation); regional endpoints issue tokens valid in every region.' },
      { check: 'IRSA304', why: 'A copied session token in the environment or a credentials file shadows web identity.' },
    ],
    collect: [POD_ENV],
    sources: ['aws/aws-sdk-js#4140', 'aws/aws-sdk-js#3697', 'aws/aws-sdk-js#4129', 'cloud-custodian/cloud-custodian#9793'],
  },

  // ---------------------------------------------------------------------------------------------
  // Network
  {
    id: 'sts-endpoint-unreachable',
    title: 'The pod cannot reach the STS endpoint',
    scope: 'irsa',
    meaning:
      'The SDK could not connect to[[ {{stsHost}}]][[ ({{networkError}})]]. Private clusters without internet egress can only reach STS through a regional VPC endpoint, so the pod must use the regional STS endpoint.',
    causes: [
      { check: 'IRSA308', why: 'The pod calls the global endpoint `sts.amazonaws.com`: switch it to regional STS (`eks.amazonaws.com/sts-regional-endpoints: "true"`, AWS_STS_REGIONAL_ENDPOINTS=regional) and set the region.', onlyWhen: { key: 'stsEndpoint', oneOf: ['global'] } },
      { check: 'IRSA308', why: 'The pod already calls {{stsHost}}: check that a VPC interface endpoint for com.amazonaws.{{region}}.sts exists with private DNS, and that security groups, network policies and any HTTPS proxy (NO_PROXY) let the pod reach it.', onlyWhen: { key: 'stsEndpoint', oneOf: ['regional'] } },
      { check: 'IRSA308', why: 'Check which STS endpoint the pod uses and that it is reachable from the pod network.', onlyWhen: { key: 'stsEndpoint', present: false } },
      { check: 'IRSA307', why: 'Without AWS_REGION in the container the SDK cannot pick a regional endpoint and falls back to the global one.', onlyWhen: { key: 'stsEndpoint', oneOf: ['global'] } },
      { check: 'IRSA307', why: 'Without AWS_REGION in the container the SDK cannot pick a regional endpoint and falls back to the global one.', onlyWhen: { key: 'stsEndpoint', present: false } },
    ],
    collect: [
      POD_ENV,
      "kubectl exec {{pod}} -n {{namespace}} -- sh -c 'env | grep -i _proxy'",
      'aws ec2 describe-vpc-endpoints --filters Name=service-name,Values=com.amazonaws.{{region}}.sts[[ --region {{region}}]]',
    ],
    sources: ['checks.md IRSA308', 'oxyno-zeta/s3-proxy#390', 'gravitational/teleport#43936'],
  },
  {
    id: 'imds-unreachable',
    title: "The SDK fell through to the node's instance metadata and could not reach it",
    scope: 'any',
    meaning:
      'No credential source before the instance metadata service (IMDS, 169.254.169.254) answered, so the SDK tried the node role and IMDS did not answer (hop limit 1 on IMDSv2, blocked by a network policy). For IRSA the real problem is that web identity was not used.',
    causes: [
      { check: 'IRSA302', why: 'The pod has no AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE: the webhook did not mutate it.' },
      { check: 'IRSA303', why: 'The pod was created before the service account got its role annotation; recreate it.' },
      { check: 'IRSA301', why: 'The pod runs as another service account than the annotated one.' },
      { check: 'IRSA202', why: 'The service account has no (or a misspelled) `eks.amazonaws.com/role-arn` annotation.' },
      { check: 'IRSA306', why: 'The SDK is too old to read AWS_WEB_IDENTITY_TOKEN_FILE and skips straight to IMDS.' },
    ],
    collect: [POD_ENV, POD_SA, SA_YAML, POD_CREATED],
    supersedes: { ids: ['credential-chain-exhausted'], within: 600 },
    sources: ['spec §5', 'spec §8', 'Go v2 "ec2imds: GetMetadata, request canceled, context deadline exceeded"'],
  },
  {
    id: 'pod-identity-agent-unreachable',
    title: 'The pod cannot reach the EKS Pod Identity agent',
    scope: 'pod-identity',
    meaning:
      "The SDK followed AWS_CONTAINER_CREDENTIALS_FULL_URI to the EKS Pod Identity agent (169.254.170.23, [fd00:ec2::23]) and got no answer[[ ({{networkError}})]]. The pod was mutated for Pod Identity, not IRSA (a Pod Identity association exists for its service account).",
    causes: [
      { check: 'IRSA304', why: 'The container credential variables come from a Pod Identity association; they take precedence over the IRSA annotation at mutation time. If the pod should use IRSA, delete the association and recreate the pod; if it should use Pod Identity, install the eks-pod-identity-agent add-on and add 169.254.170.23 and [fd00:ec2::23] to NO_PROXY (no PID check exists yet).' },
      { check: 'IRSA302', why: 'The pod carries AWS_CONTAINER_CREDENTIALS_FULL_URI instead of AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE.' },
    ],
    collect: [
      POD_ENV,
      'kubectl get daemonset eks-pod-identity-agent -n kube-system',
      "kubectl exec {{pod}} -n {{namespace}} -- sh -c 'env | grep -i _proxy'",
      'aws eks list-pod-identity-associations --cluster-name {{cluster}} --namespace {{namespace}} --service-account {{serviceAccount}}',
    ],
    sources: ['spec §4', 'spec §8'],
  },

  // ---------------------------------------------------------------------------------------------
  // Token file
  {
    id: 'token-file-permission-denied',
    title: "The container's user cannot read the token file",
    scope: 'irsa',
    meaning:
      'The SDK could not open[[ {{tokenPath}}]]: permission denied. On Kubernetes 1.18 and older a non-root container cannot read the projected token unless the pod sets fsGroup; since 1.19 the kubelet gives the token (mode 0600) to the runAsUser shared by all containers, so containers running as different users still need fsGroup.',
    causes: [
      { check: 'IRSA305', why: 'The container runs as a non-root user that cannot read the token: set `securityContext.fsGroup` on the pod (any group id), or run all containers as the same user on Kubernetes 1.19+.' },
    ],
    collect: [
      'kubectl exec {{pod}} -n {{namespace}} -- id',
      'kubectl exec {{pod}} -n {{namespace}} -- ls -ln /var/run/secrets/eks.amazonaws.com/serviceaccount/',
      "kubectl get pod {{pod}} -n {{namespace}} -o jsonpath='{.spec.securityContext}{\"\\n\"}{range .spec.containers[*]}{.name}{\": \"}{.securityContext}{\"\\n\"}{end}'",
      'kubectl version -o json',
    ],
    supersedes: { ids: ['credential-chain-exhausted'], within: 600 },
    sources: ['spec §9', 'article step 9'],
  },
  {
    id: 'token-file-missing',
    title: 'The token file named by the environment does not exist',
    scope: 'irsa',
    meaning:
      'AWS_WEB_IDENTITY_TOKEN_FILE (or the Pod Identity token file) points at[[ {{tokenPath}}]], which does not exist in the container: the projected token volume is not mounted there.',
    causes: [
      { check: 'IRSA302', why: 'The environment variable is set (by hand, or by a template) but the `aws-iam-token` volume is not mounted in this container: user-set AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE stop the webhook from injecting anything, `skip-containers`, or a volume named `aws-iam-token` already in the spec.' },
      { check: 'IRSA303', why: 'The pod spec was copied from a mutated pod (env kept, volume lost) or predates a change of the annotation.' },
    ],
    collect: [POD_ENV, POD_YAML, 'kubectl exec {{pod}} -n {{namespace}} -- ls -l /var/run/secrets/eks.amazonaws.com/serviceaccount/'],
    supersedes: { ids: ['credential-chain-exhausted'], within: 600 },
    sources: ['spec §4'],
  },

  // ---------------------------------------------------------------------------------------------
  // Credential chains (spec §5, §6)
  {
    id: 'credential-chain-exhausted',
    title: 'The SDK found no credentials at all',
    scope: 'any',
    meaning:
      'Every provider of the SDK credential chain failed, the last one being the node instance metadata (IMDS). Web identity was not used: the pod has no AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE, or the SDK cannot use them. With Pod Identity, a missing association gives the same result.',
    causes: [
      { check: 'IRSA306', why: 'JS v2 prints "Missing credentials in config" when it is older than 2.525.0 (web identity) or 2.1550.0 (Pod Identity): upgrade the SDK.', onlyWhen: { key: 'sdk', oneOf: ['js-v2'] } },
      { check: 'IRSA302', why: 'The pod has no AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE: the webhook did not mutate it (webhook down, failurePolicy Ignore, service account not in its cache within 100 ms).' },
      { check: 'IRSA303', why: 'The pod was created before the service account got its role annotation; recreate it.' },
      { check: 'IRSA301', why: 'The pod runs as another service account than the annotated one.' },
      { check: 'IRSA202', why: 'The service account has no `eks.amazonaws.com/role-arn` annotation, or a near miss (`role_arn`, `eks.amazon.com/...`, put on the pod).' },
      { check: 'IRSA201', why: 'The service account the pod names does not exist in the namespace.' },
      { check: 'IRSA306', why: 'The SDK is older than its web identity minimum (Go v1 1.23.13, boto3 1.9.220, JS v2 2.525.0, Java v2 2.10.11...).', onlyWhen: { key: 'sdk', oneOf: ['go-v1', 'go-v2', 'botocore', 'js-v3', 'java-v1', 'java-v2'] } },
      { check: 'IRSA306', why: 'The SDK is older than its web identity minimum (Go v1 1.23.13, boto3 1.9.220, JS v2 2.525.0, Java v2 2.10.11...).', onlyWhen: { key: 'sdk', present: false } },
    ],
    reorder: [{ when: { key: 'sdk', oneOf: ['js-v2'] }, first: ['IRSA306'] }],
    collect: [POD_ENV, POD_SA, SA_YAML, POD_CREATED, SA_MANAGED, WEBHOOK],
    sources: [
      'spec §5', 'spec §6', 'spec §8',
      'Go v2 "no EC2 IMDS role found"', 'Go v1 "NoCredentialProviders: no valid providers in chain"', 'botocore "Unable to locate credentials"',
      'JS v3 "Could not load credentials from any providers"', 'JS v2 "Missing credentials in config"',
      'Java v2 "Unable to load credentials from any of the providers in the chain"', 'Java v1 "Unable to load AWS credentials from any provider in the chain"',
      'aws/karpenter-provider-aws#5310',
    ],
  },
  {
    id: 'java-sts-module-missing',
    title: "The Java SDK cannot use web identity: the 'sts' module is not on the class path",
    scope: 'irsa',
    meaning:
      "The Java SDK's web identity provider loads STS by reflection; the application does not ship the STS module (`software.amazon.awssdk:sts` for v2, `com.amazonaws:aws-java-sdk-sts` for v1), so the chain falls through to the node role or fails.",
    causes: [
      { check: 'IRSA306', why: 'Add the STS module to the application (`software.amazon.awssdk:sts` / `com.amazonaws:aws-java-sdk-sts`) at the same version as the other SDK modules.' },
    ],
    collect: ['mvn dependency:tree -Dincludes=software.amazon.awssdk:sts,com.amazonaws:aws-java-sdk-sts', 'gradle dependencies --configuration runtimeClasspath | grep -E "awssdk:sts|aws-java-sdk-sts"'],
    supersedes: { ids: ['credential-chain-exhausted'], within: 4000 },
    sources: ['spec §5 (Java v2)', 'aws-sdk-java-v2 WebIdentityCredentialsUtils', 'aws-sdk-java STSProfileCredentialsServiceLoader'],
  },
  {
    id: 'java-web-identity-env-missing',
    title: 'The Java SDK found no web identity configuration in the pod',
    scope: 'irsa',
    meaning:
      "The Java SDK's WebIdentityTokenCredentialsProvider reports that AWS_WEB_IDENTITY_TOKEN_FILE is not set: the pod was not mutated for IRSA.",
    causes: [
      { check: 'IRSA302', why: 'The webhook did not inject AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE into this container.' },
      { check: 'IRSA303', why: 'The pod predates the role annotation on its service account.' },
      { check: 'IRSA301', why: 'The pod runs as another service account.' },
      { check: 'IRSA202', why: 'The service account has no `eks.amazonaws.com/role-arn` annotation.' },
    ],
    collect: [POD_ENV, POD_SA, SA_YAML, POD_CREATED],
    supersedes: { ids: ['credential-chain-exhausted'], within: 4000 },
    sources: ['aws-sdk-java-v2 WebIdentityTokenFileCredentialsProvider'],
  },

  // ---------------------------------------------------------------------------------------------
  // EKS Pod Identity (spec §6, §8). No PID checks exist yet: the causes name the IRSA checks that
  // see the Pod Identity injection, and say so.
  {
    id: 'pod-identity-old-sdk',
    title: 'The SDK is too old for EKS Pod Identity',
    scope: 'pod-identity',
    meaning:
      'The pod was mutated for EKS Pod Identity (AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials) and the SDK refuses that endpoint: only versions that know Pod Identity accept it (Go v1 1.47.11, JS v3 3.458.0, JS v2 2.1550.0, boto3 1.34.41, Java v2 2.21.30...).',
    causes: [
      { check: 'IRSA306', why: 'Upgrade the SDK to its Pod Identity minimum (spec §6).' },
      { check: 'IRSA304', why: 'If the pod should use IRSA instead, a Pod Identity association for its service account shadows the role annotation: delete the association and recreate the pod.' },
    ],
    collect: [POD_ENV, 'aws eks list-pod-identity-associations --cluster-name {{cluster}} --namespace {{namespace}} --service-account {{serviceAccount}}'],
    sources: ['spec §6 (old SDK symptoms)', 'aws-sdk-go defaults.go (loopback check)', 'aws-actions/configure-aws-credentials#942'],
  },
  {
    id: 'pod-identity-unauthorized',
    title: 'EKS could not assume the role associated with the service account',
    scope: 'pod-identity',
    meaning:
      "The EKS Auth API (AssumeRoleForPodIdentity) refused: the associated role's trust policy does not allow the `pods.eks.amazonaws.com` service to call sts:AssumeRole and sts:TagSession, or its conditions (e.g. on aws:RequestTag/eks-cluster-name) do not match this cluster.",
    causes: [
      { check: 'IRSA304', why: 'The credentials come from a Pod Identity association, which takes precedence over the IRSA annotation. For Pod Identity, the role trust must be `{"Service": "pods.eks.amazonaws.com"}` with `sts:AssumeRole` and `sts:TagSession` (no PID check exists yet); if the pod should use IRSA, delete the association and recreate the pod.' },
      { check: 'IRSA302', why: 'Confirm which mechanism the pod was mutated for: AWS_CONTAINER_CREDENTIALS_FULL_URI (Pod Identity) or AWS_ROLE_ARN (IRSA).' },
    ],
    collect: [
      'aws eks list-pod-identity-associations --cluster-name {{cluster}} --namespace {{namespace}} --service-account {{serviceAccount}}',
      TRUST_POLICY,
      POD_ENV,
    ],
    sources: ['spec §3 (Pod Identity)', 'spec §8'],
  },
  {
    id: 'pod-identity-token-invalid',
    title: 'The EKS Pod Identity agent rejected the service account token',
    scope: 'pod-identity',
    meaning:
      'The agent got an empty or unparsable token: the SDK read the wrong file, or something prefixed the token (e.g. with `Bearer `).',
    causes: [
      { check: 'IRSA304', why: 'AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) or AWS_CONTAINER_CREDENTIALS_FULL_URI were set by hand instead of by the Pod Identity mutation.' },
      { check: 'IRSA302', why: 'The `eks-pod-identity-token` volume is not mounted where AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE points.' },
    ],
    collect: [POD_ENV, POD_YAML],
    sources: ['spec §8'],
  },

  // ---------------------------------------------------------------------------------------------
  // AccessDenied from the application's own calls: which role did the call run as?
  {
    id: 'app-access-denied-node-role',
    title: "The app is running as the node's role, not its IRSA role",
    scope: 'irsa',
    meaning:
      "The call[[ {{action}}]] was made as {{assumedRoleArn}}, which {{roleEvidence}}: the SDK did not use web identity and fell through to the node's instance profile (IMDS).",
    causes: [
      { check: 'IRSA302', why: 'The pod has no AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE: the webhook did not mutate it.' },
      { check: 'IRSA303', why: 'The pod was created before the service account got its role annotation; recreate it.' },
      { check: 'IRSA301', why: 'The pod runs as another service account than the annotated one.' },
      { check: 'IRSA202', why: 'The service account lacks the `eks.amazonaws.com/role-arn` annotation.' },
      { check: 'IRSA306', why: 'The SDK is too old for web identity and skips to the instance profile.' },
      { check: 'IRSA304', why: 'AWS_PROFILE or a mounted config file sends the SDK elsewhere before web identity.' },
    ],
    collect: [POD_ENV, POD_SA, SA_YAML, POD_CREATED, WEBHOOK],
    sources: ['external-secrets/kubernetes-external-secrets#368', 'external-secrets/kubernetes-external-secrets#419', 'aws/amazon-eks-pod-identity-webhook#228', 'kubernetes/kops#13078'],
  },
  {
    id: 'app-access-denied-other-role',
    title: 'The app is running as another role than the annotated one',
    scope: 'irsa',
    meaning:
      'The call[[ {{action}}]] was made as role {{roleName}} ({{assumedRoleArn}}), but the pod should run as {{expectedRoleArn}}.',
    causes: [
      { check: 'IRSA303', why: 'The annotation changed after the pod started: the pod still has the old AWS_ROLE_ARN; recreate it.' },
      { check: 'IRSA301', why: 'The pod runs as another service account, annotated with another role.' },
      { check: 'IRSA302', why: 'AWS_ROLE_ARN is set by hand in the pod spec to another role.' },
      { check: 'IRSA304', why: 'A profile, credentials file or static keys make the SDK assume another role.' },
    ],
    collect: [POD_ENV, POD_SA, SA_YAML, POD_CREATED],
    sources: ['checks.md IRSA303'],
  },
  {
    id: 'app-access-denied-irsa-role',
    title: "The pod's role lacks the permission",
    scope: 'irsa',
    meaning:
      "The call was made as {{assumedRoleArn}}, {{roleEvidence}}, so the pod's own credentials work: the role's policies do not allow[[ {{action}}]][[ on {{resource}}]][[ ({{denyReason}})]].",
    causes: [
      { check: 'IRSA108', why: 'Role {{roleName}} has no identity policy allowing {{action}}[[ on {{resource}}]], or its permissions boundary does not; run the check with --action {{action}}[[ --resource {{resource}}]].', onlyWhen: { key: 'denyPolicy', present: false } },
      { check: 'IRSA108', why: 'AWS says "{{denyReason}}": add {{action}}[[ on {{resource}}]] to the identity policies of role {{roleName}} or lift the deny (permissions boundary included); run the check with --action {{action}}[[ --resource {{resource}}]].', onlyWhen: { key: 'denyPolicy', oneOf: ['identity', 'boundary'] } },
      { check: 'IRSA108', why: 'AWS says "{{denyReason}}": the blocker is outside the role (resource policy, SCP/RCP, session or VPC endpoint policy); the check confirms the role side allows {{action}}.', onlyWhen: { key: 'denyPolicy', oneOf: ['resource', 'scp', 'rcp', 'session', 'vpc-endpoint'] } },
    ],
    collect: [
      'aws iam list-attached-role-policies --role-name {{roleName}}',
      'aws iam list-role-policies --role-name {{roleName}}',
      "aws iam get-role --role-name {{roleName}} --query 'Role.{Arn:Arn,PermissionsBoundary:PermissionsBoundary}'",
      'aws iam simulate-principal-policy --policy-source-arn {{roleArnForPolicy}} --action-names {{action}}[[ --resource-arns {{resourceArn}}]]',
    ],
    sources: ['article step 2', 'aws/karpenter-provider-aws#6298'],
  },
  {
    id: 'app-access-denied-unknown-role',
    title: 'Access denied: cannot tell whether the app used its IRSA role',
    scope: 'irsa',
    meaning:
      "The call[[ {{action}}]] was made as {{assumedRoleArn}}. Its session name `{{sessionName}}` is neither an EC2 instance id (node role) nor an SDK's web identity session, and the role name does not look like a node role. Compare the role with the service account's `eks.amazonaws.com/role-arn` (pass it with --role-arn): the same role means a missing permission (IRSA108), another role means the pod is not using IRSA.",
    causes: [
      { check: 'IRSA108', why: 'If {{roleName}} is the annotated role, its policies do not allow {{action}}[[ on {{resource}}]].' },
      { check: 'IRSA302', why: 'If it is not, the pod was not mutated for IRSA and runs with other credentials.' },
      { check: 'IRSA303', why: 'If it is the previous annotated role, the pod predates the annotation change.' },
      { check: 'IRSA304', why: 'A profile or credentials file assumed {{roleName}} before web identity could.' },
    ],
    collect: [
      "kubectl get sa {{serviceAccount}} -n {{namespace}} -o jsonpath='{.metadata.annotations.eks\\.amazonaws\\.com/role-arn}'",
      POD_ENV,
      'kubectl exec {{pod}} -n {{namespace}} -- aws sts get-caller-identity',
    ],
    sources: ['spec §5'],
  },
  {
    id: 'app-access-denied-iam-user',
    title: 'The app is using IAM user keys, not its IRSA role',
    scope: 'irsa',
    meaning:
      'The call[[ {{action}}]] was made as the IAM user {{principalArn}}: long-term keys are in the pod and, being first in every SDK chain, shadow web identity.',
    causes: [
      { check: 'IRSA304', why: 'Remove AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (env, Secret, mounted ~/.aws/credentials) from the pod so the SDK reaches web identity.' },
    ],
    collect: [POD_ENV, POD_YAML],
    sources: ['spec §5'],
  },
] as const satisfies readonly ErrorEntry[];

export type EntryId = (typeof ERRORS)[number]['id'];

const byId = new Map<string, ErrorEntry>(ERRORS.map((e) => [e.id, e]));

export function errorEntry(id: EntryId): ErrorEntry {
  const e = byId.get(id);
  if (!e) throw new Error(`unknown error entry ${id}`);
  return e;
}
