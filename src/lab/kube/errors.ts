// Kubernetes `Status` errors with the API server's reasons, codes and message forms
// (k8s.io/apimachinery/pkg/api/errors: NewNotFound, NewAlreadyExists, NewConflict, NewInvalid,
// NewForbidden, NewResourceExpired...; apiserver/pkg/endpoints/handlers/responsewriters/errors.go
// for the Forbidden text).

import { qualifiedKind, qualifiedResource, type ResourceType } from './resources.js';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { continue?: string; resourceVersion?: string };
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class KubeError extends Error {
  readonly metaContinue: string | undefined;
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    metaContinue?: string,
  ) {
    super(message);
    this.metaContinue = metaContinue;
  }

  toStatus(): StatusObject {
    const s: StatusObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.reason === '') delete s.reason;
    if (this.metaContinue) s.metadata.continue = this.metaContinue;
    if (this.details) {
      // Field order as the API server writes it: ..., reason, details, code.
      const { code, ...rest } = s;
      return { ...rest, details: this.details, code } as StatusObject;
    }
    return s;
  }
}

type R = Pick<ResourceType, 'group' | 'plural'>;

function details(r: R, name: string | undefined): StatusDetails {
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (r.group) d.group = r.group;
  d.kind = r.plural;
  return d;
}

export function notFound(r: R, name: string): KubeError {
  return new KubeError(404, 'NotFound', `${qualifiedResource(r)} "${name}" not found`, details(r, name));
}

export function alreadyExists(r: R, name: string): KubeError {
  return new KubeError(409, 'AlreadyExists', `${qualifiedResource(r)} "${name}" already exists`, details(r, name));
}

export function conflict(r: R, name: string, why: string): KubeError {
  return new KubeError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": ${why}`, details(r, name));
}

export const MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

/** One field error, rendered like field.Error.Error(): `spec.x: Invalid value: 5: must be positive`. */
export interface FieldError {
  type: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueNotSupported' | 'FieldValueForbidden' | 'FieldValueDuplicate' | 'FieldValueTooLong';
  field: string;
  value?: unknown;
  detail?: string;
}

function goValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'object') {
    if (!Array.isArray(v) && Object.values(v as object).every((x) => typeof x === 'string')) {
      return `map[string]string{${Object.entries(v as Record<string, string>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`)
        .join(', ')}}`;
    }
    return JSON.stringify(v);
  }
  return String(v);
}

export function fieldErrorText(e: FieldError): string {
  switch (e.type) {
    case 'FieldValueRequired':
      return `${e.field}: Required value${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueForbidden':
      return `${e.field}: Forbidden${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueDuplicate':
      return `${e.field}: Duplicate value: ${goValue(e.value)}`;
    case 'FieldValueNotSupported':
      return `${e.field}: Unsupported value: ${goValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'FieldValueTooLong':
      return `${e.field}: Too long${e.detail ? `: ${e.detail}` : ''}`;
    default:
      return `${e.field}: Invalid value: ${goValue(e.value)}${e.detail ? `: ${e.detail}` : ''}`;
  }
}

/** 422 Invalid: `Deployment.apps "web" is invalid: spec.selector: Required value`. */
export function invalid(r: Pick<ResourceType, 'group' | 'kind'>, name: string, errs: FieldError[]): KubeError {
  const texts = errs.map(fieldErrorText);
  const agg = texts.length === 1 ? texts[0]! : `[${texts.join(', ')}]`;
  const causes: StatusCause[] = errs.map((e) => ({ reason: e.type, message: fieldErrorText(e).slice(e.field.length + 2), field: e.field }));
  const d: StatusDetails = { name, kind: r.kind, causes };
  if (r.group) d.group = r.group;
  return new KubeError(422, 'Invalid', `${qualifiedKind(r)} "${name}" is invalid: ${agg}`, d);
}

export function badRequest(message: string): KubeError {
  return new KubeError(400, 'BadRequest', message);
}

export function unauthorized(): KubeError {
  return new KubeError(401, 'Unauthorized', 'Unauthorized');
}

/** The RBAC denial: forbiddenMessage() wrapped by NewForbidden(). */
export function forbidden(
  user: string,
  verb: string,
  attrs: { group: string; resource: string; subresource?: string; namespace?: string; name?: string },
): KubeError {
  const res = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const where = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  const why = `User "${user}" cannot ${verb} resource "${res}" in API group "${attrs.group}" ${where}`;
  const qr = attrs.group ? `${attrs.resource}.${attrs.group}` : attrs.resource;
  const message = attrs.name ? `${qr} "${attrs.name}" is forbidden: ${why}` : `${qr} is forbidden: ${why}`;
  const d: StatusDetails = {};
  if (attrs.name) d.name = attrs.name;
  if (attrs.group) d.group = attrs.group;
  d.kind = attrs.resource;
  return new KubeError(403, 'Forbidden', message, d);
}

/** Non-resource URL denial: `forbidden: User "u" cannot get path "/version"`. */
export function forbiddenPath(user: string, verb: string, path: string): KubeError {
  return new KubeError(403, 'Forbidden', `forbidden: User "${user}" cannot ${verb} path "${path}"`, {});
}

/** Admission rejections are Forbidden too: `pods "x" is forbidden: error looking up service account...`. */
export function admissionForbidden(r: R, name: string, why: string): KubeError {
  const qr = qualifiedResource(r);
  return new KubeError(403, 'Forbidden', name ? `${qr} "${name}" is forbidden: ${why}` : `${qr} is forbidden: ${why}`, details(r, name));
}

export function methodNotAllowed(): KubeError {
  return new KubeError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function notFoundPath(): KubeError {
  return new KubeError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function unsupportedMediaType(accepted: string[]): KubeError {
  return new KubeError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`, {});
}

export function notAcceptable(accepted: string[]): KubeError {
  return new KubeError(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`, {});
}

/** 410 Expired (continue tokens past compaction, watches from a compacted resourceVersion). */
export function expired(message: string, metaContinue?: string): KubeError {
  return new KubeError(410, 'Expired', message, undefined, metaContinue);
}

export const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export function internalError(why: string): KubeError {
  return new KubeError(500, 'InternalError', `Internal error occurred: ${why}`, { causes: [{ message: why }] });
}

export function tooManyRequests(): KubeError {
  return new KubeError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: 1 });
}
