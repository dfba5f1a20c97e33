// IAM's errors as data: the code, HTTP status and fault side come from botocore's IAM model
// (botocore/data/iam/2010-05-08/service-2.json, `error` traits of the *Exception shapes); the
// messages are the ones IAM returns, as recorded against real AWS in LocalStack's
// snapshot tests (localstack/localstack tests/aws/services/iam/*.snapshot.json, 2026 recordings)
// unless a comment says otherwise.

export type IamErrorCode =
  | 'NoSuchEntity'
  | 'EntityAlreadyExists'
  | 'InvalidInput'
  | 'ValidationError'
  | 'MalformedPolicyDocument'
  | 'LimitExceeded'
  | 'DeleteConflict'
  | 'PolicyNotAttachable'
  | 'UnmodifiableEntity'
  | 'AccessDenied'
  | 'ServiceFailure'
  | 'Throttling'
  | 'InvalidAction'
  | 'MissingParameter'
  | 'MissingAction'
  | 'InvalidParameterValue';

export interface IamError {
  readonly kind: 'iamError';
  readonly code: IamErrorCode;
  readonly message: string;
  readonly status: number;
  readonly type: 'Sender' | 'Receiver';
}

const STATUS: Record<IamErrorCode, number> = {
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  InvalidInput: 400,
  ValidationError: 400,
  MalformedPolicyDocument: 400,
  LimitExceeded: 409,
  DeleteConflict: 409,
  PolicyNotAttachable: 400,
  UnmodifiableEntity: 400,
  AccessDenied: 403,
  ServiceFailure: 500,
  Throttling: 400,
  InvalidAction: 400,
  MissingParameter: 400,
  MissingAction: 400,
  InvalidParameterValue: 400,
};

export function iamError(code: IamErrorCode, message: string): IamError {
  return { kind: 'iamError', code, message, status: STATUS[code], type: code === 'ServiceFailure' ? 'Receiver' : 'Sender' };
}

export function isIamError(x: unknown): x is IamError {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'iamError';
}

export const NOT_NULL = 'Member must not be null';

/** `1 validation error detected: Value at 'roleName' failed to satisfy constraint: ...` (IAM no longer echoes the value). */
export function validationError(constraints: ReadonlyArray<{ member: string; constraint: string }>): IamError {
  const n = constraints.length;
  // A missing required member reads `Value null at 'roleName' failed to satisfy constraint: Member must not be null`.
  const detail = constraints.map((c) => `Value${c.constraint === NOT_NULL ? ' null' : ''} at '${c.member}' failed to satisfy constraint: ${c.constraint}`).join('; ');
  return iamError('ValidationError', `${n} validation error${n === 1 ? '' : 's'} detected: ${detail}`);
}

// Messages used in more than one place.
export const msg = {
  roleNotFound: (name: string) => `The role with name ${name} cannot be found.`,
  rolePolicyNotFound: (name: string) => `The role policy with name ${name} cannot be found.`,
  roleExists: (name: string) => `Role with name ${name} already exists.`,
  policyNotFound: (arn: string) => `Policy ${arn} was not found.`,
  policyNotAttachable: (arn: string) => `Policy ${arn} does not exist or is not attachable.`,
  policyVersionNotFound: (arn: string, v: string) => `Policy ${arn} version ${v} does not exist or is not attachable.`,
  policyExists: (name: string) => `A policy called ${name} already exists. Duplicate names are not allowed.`,
  boundaryNotFound: (arn: string) => `Scope ARN: ${arn} does not exist or is not attachable.`,
  arnNotValid: (arn: string) => `ARN ${arn} is not valid.`,
  providerNotFound: (arn: string) => `OpenIDConnect Provider not found for arn ${arn}`,
  providerNotFoundOnDelete: (arn: string) => `OpenId connect Provider ${arn} cannot be found.`,
  providerExists: (url: string) => `Provider with url ${url} already exists.`,
  detachPoliciesFirst: 'Cannot delete entity, must detach all policies first.',
  deletePoliciesFirst: 'Cannot delete entity, must delete policies first.',
  tagLimit: 'The number of tags has reached the maximum limit.',
  duplicateTagKeys: 'Duplicate tag keys found. Please note that Tag keys are case insensitive.',
  duplicatePolicyTagKeys: 'Duplicate tag keys found.',
  versionLimit: 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
  deleteDefaultVersion: 'Cannot delete the default version of a policy.',
  // From the IAM DeletePolicy API reference ("you must delete all the policy's versions ... and
  // detach it from all users, groups, and roles"); wording as IAM returns it [community: moto,
  // hashicorp/terraform-provider-aws issues].
  policyAttached: 'Cannot delete a policy attached to entities.',
  policyHasVersions:
    "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
  // ServiceFailureException's documentation string in botocore's model.
  serviceFailure: 'The request processing has failed because of an unknown error, exception or failure.',
} as const;
