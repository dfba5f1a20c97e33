// The one sorted registry of checks (ESLint's lib/rules/index.js). A test holds that every file
// in rules/ is registered, ids are unique and sorted, and every id has its docs page.

import type { Check } from './define.js';
import clusterIssuer from './rules/cluster-issuer.js';
import oidcProvider from './rules/oidc-provider.js';
import providerAudience from './rules/provider-audience.js';
import providerThumbprint from './rules/provider-thumbprint.js';
import roleArn from './rules/role-arn.js';
import roleExists from './rules/role-exists.js';
import trustPrincipal from './rules/trust-principal.js';
import trustAction from './rules/trust-action.js';
import trustSub from './rules/trust-sub.js';
import trustAud from './rules/trust-aud.js';
import trustDecision from './rules/trust-decision.js';
import rolePermissions from './rules/role-permissions.js';
import saExists from './rules/sa-exists.js';
import saAnnotation from './rules/sa-annotation.js';
import podServiceAccount from './rules/pod-service-account.js';
import podInjection from './rules/pod-injection.js';
import podStale from './rules/pod-stale.js';
import credentialShadowing from './rules/credential-shadowing.js';
import tokenReadable from './rules/token-readable.js';
import sdkVersion from './rules/sdk-version.js';
import chinaRegion from './rules/china-region.js';
import stsEndpoint from './rules/sts-endpoint.js';
import tokenClaims from './rules/token-claims.js';
import stsProbe from './rules/sts-probe.js';
import evidenceConflict from './rules/evidence-conflict.js';

export const CHECKS: readonly Check[] = [
  clusterIssuer,
  oidcProvider,
  providerAudience,
  providerThumbprint,
  roleArn,
  roleExists,
  trustPrincipal,
  trustAction,
  trustSub,
  trustAud,
  trustDecision,
  rolePermissions,
  saExists,
  saAnnotation,
  podServiceAccount,
  podInjection,
  podStale,
  credentialShadowing,
  tokenReadable,
  sdkVersion,
  chinaRegion,
  stsEndpoint,
  tokenClaims,
  stsProbe,
  evidenceConflict,
];
