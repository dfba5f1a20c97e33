// The request STS evaluates a role's trust policy with for AssumeRoleWithWebIdentity: the
// Federated principal is the IAM OIDC provider, the action `sts:AssumeRoleWithWebIdentity`, and
// the context holds `<provider host/path>:sub` and `<provider host/path>:aud` from the token.
// Shared by the checks (IRSA105-107, IRSA401) and the lab's STS emulator.
//
// Multi-valued `aud`. A Kubernetes token's `aud` is a JSON array. What STS puts in the
// `<issuer>:aud` context key when the array has several entries is not documented:
// - IAM User Guide, "Available keys for AWS web identity federation": `aud` and `sub` work with
//   string operators; for Google, `accounts.google.com:aud` maps to the token's `azp` when set and
//   `aud` otherwise (a single value either way). Nothing is said for generic OIDC providers.
// - IAM Access Analyzer treats `<provider>:aud`/`:sub` as single-valued keys: it warns on
//   ForAllValues with `token.actions.githubusercontent.com:aud` because "the condition keys only
//   have a single value" (github/docs pull request #17463, 2022).
// - The AssumeRoleWithWebIdentity response carries one `Audience` string, and STS rejects a token
//   none of whose audiences is in the provider's ClientIDList (`Incorrect token audience`).
// So, [inferred, unconfirmed]: STS exposes the one audience that matched a client ID as a
// single-valued key. That is the default mode (`matchedClientId`). Tokens injected by the EKS pod
// identity webhook carry exactly one audience (a projected token volume has a single `audience`
// field), so the question only arises for tokens requested with several audiences (TokenRequest,
// `kubectl create token --audience a --audience b`). `allValues` models the other reading (the key
// holds every audience; an unqualified StringEquals then follows the evaluator's `multiValue`
// option) and `first` takes the first array entry.

import type { ContextValue } from './context.js';
import type { Request } from './evaluate.js';
import { parseProviderArn, type ProviderArnProblem } from './issuer.js';

export const ASSUME_ROLE_WITH_WEB_IDENTITY = 'sts:AssumeRoleWithWebIdentity';

export type AudienceMode = 'matchedClientId' | 'allValues' | 'first';

export interface WebIdentityInput {
  /** The IAM OIDC provider ARN the token's issuer maps to (the Federated principal). */
  readonly providerArn: string;
  /** The token's decoded claims. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The provider's ClientIDList, used to pick the audience in `matchedClientId` mode. */
  readonly clientIds?: readonly string[];
  readonly audienceMode?: AudienceMode;
  /** Adds `sts:RoleSessionName`. */
  readonly roleSessionName?: string;
  /** More context keys (e.g. `aws:SourceIp` for a lab scenario). */
  readonly extraContext?: Readonly<Record<string, ContextValue>>;
}

export interface AudienceResolution {
  readonly mode: AudienceMode;
  /** The token's `aud`, as a list. */
  readonly tokenAudiences: readonly string[];
  /** What the `<issuer>:aud` key holds (undefined: the token has no usable aud). */
  readonly contextValue: string | readonly string[] | undefined;
  readonly explain: string;
}

export type WebIdentityResult =
  | {
      readonly ok: true;
      readonly request: Request;
      /** The prefix of the context keys: the provider URL without https://. */
      readonly issuerHostPath: string;
      readonly subKey: string;
      readonly audKey: string;
      readonly audience: AudienceResolution;
    }
  | { readonly ok: false; readonly problem: ProviderArnProblem; readonly detail: string };

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

export function resolveAudience(aud: unknown, clientIds: readonly string[] | undefined, mode: AudienceMode = 'matchedClientId'): AudienceResolution {
  const list = audiences(aud);
  if (list.length === 0) return { mode, tokenAudiences: list, contextValue: undefined, explain: 'the token has no aud claim' };
  if (list.length === 1) return { mode, tokenAudiences: list, contextValue: list[0] as string, explain: `the token has one audience, ${list[0]}` };
  switch (mode) {
    case 'first':
      return { mode, tokenAudiences: list, contextValue: list[0] as string, explain: `first of the token's ${list.length} audiences` };
    case 'allValues':
      return { mode, tokenAudiences: list, contextValue: list, explain: `all ${list.length} audiences of the token (multivalued key)` };
    case 'matchedClientId': {
      if (clientIds === undefined) {
        return {
          mode,
          tokenAudiences: list,
          contextValue: list,
          explain: `the token has ${list.length} audiences and the provider's client IDs are unknown, so all are kept`,
        };
      }
      const hit = list.find((a) => clientIds.includes(a));
      if (hit === undefined) {
        return { mode, tokenAudiences: list, contextValue: undefined, explain: "none of the token's audiences is a client ID of the provider (STS: Incorrect token audience)" };
      }
      return { mode, tokenAudiences: list, contextValue: hit, explain: `${hit}, the token audience that is a client ID of the provider [inferred]` };
    }
  }
}

/** Build the AssumeRoleWithWebIdentity request a trust policy is evaluated with. */
export function webIdentityRequest(input: WebIdentityInput): WebIdentityResult {
  const provider = parseProviderArn(input.providerArn);
  if (!provider.ok) return provider;
  const hp = provider.hostPath;
  const subKey = `${hp}:sub`;
  const audKey = `${hp}:aud`;
  const audience = resolveAudience(input.claims['aud'], input.clientIds, input.audienceMode);
  const sub = input.claims['sub'];
  const context: Record<string, ContextValue> = { ...(input.extraContext ?? {}) };
  if (typeof sub === 'string') context[subKey] = sub;
  if (audience.contextValue !== undefined) context[audKey] = audience.contextValue;
  if (input.roleSessionName !== undefined) context['sts:RoleSessionName'] = input.roleSessionName;
  return {
    ok: true,
    request: { principal: { type: 'Federated', id: input.providerArn }, action: ASSUME_ROLE_WITH_WEB_IDENTITY, context },
    issuerHostPath: hp,
    subKey,
    audKey,
    audience,
  };
}
