// The registry of recognisers and the rule that picks one. Structured recognisers see one
// document at a time, in the order below; the first that claims a document wins it. When no
// document of a file is claimed, the text recognisers see the whole text; the first claim
// wins the file. Specific formats come before generic ones: `kubectl get` objects (any kind
// with metadata) last of the structured ones, `env` (any NAME=value lines) last of the text
// ones, so that lockfiles (`boto3==1.9.0`) and TokenRequests go to the SDK and TLS readers.
//
// A recogniser that throws something other than InputError is a bug: it becomes an InputError
// for that file (so one broken reader never aborts the whole read), naming the reader.

import { InputError } from '../facts.js';
import type { Fact, Source } from '../facts.js';
import { sdkRecognisers } from '../../sdk/recognisers.js';
import { tlsRecognisers } from '../../tls/recognisers.js';
import type { FileInput, Recogniser } from './types.js';
import type { ParsedFile } from './parse.js';
import { hintFor, hintForValue } from './hints.js';
import { describeCluster, describeClusterIdentity, issuerUrl } from './aws-eks.js';
import {
  getAccountAuthorizationDetails,
  getOpenIdConnectProvider,
  getPolicy,
  getPolicyVersion,
  getRole,
  getRolePolicy,
  listAttachedRolePolicies,
  listOpenIdConnectProviders,
  listRolePolicies,
  listRoles,
  providerArnLines,
} from './aws-iam.js';
import { kubectlObjects, kubectlVersion, kubectlVersionText } from './kubectl.js';
import { jwks, oidcDiscovery } from './oidc.js';
import { describeServiceAccount } from './describe-sa.js';
import { execEnv } from './env.js';
import { execId } from './id.js';
import { apiStatusNotFound, awsNotFound, kubectlNotFound } from './notfound.js';
import { bundleRecogniser } from '../bundle.js';

/** This folder's structured recognisers, most specific first (kubectlObjects goes last of all). */
export const offlineStructured: readonly Recogniser[] = [
  bundleRecogniser,
  describeCluster,
  describeClusterIdentity,
  getAccountAuthorizationDetails,
  listOpenIdConnectProviders,
  getOpenIdConnectProvider,
  getRole,
  listRoles,
  listAttachedRolePolicies,
  listRolePolicies,
  getRolePolicy,
  getPolicy,
  getPolicyVersion,
  kubectlVersion,
  oidcDiscovery,
  jwks,
  apiStatusNotFound,
];

/** This folder's text recognisers except env (which goes last, after the SDK's). */
export const offlineText: readonly Recogniser[] = [
  describeServiceAccount,
  execId,
  issuerUrl,
  providerArnLines,
  kubectlVersionText,
  kubectlNotFound,
  awsNotFound,
];

export interface RecogniserSets {
  readonly structured: readonly Recogniser[];
  readonly text: readonly Recogniser[];
}

/** Every recogniser, in the order they are tried. */
export function defaultRecognisers(): RecogniserSets {
  const byReads = (rs: readonly Recogniser[], reads: Recogniser['reads']): Recogniser[] => rs.filter((r) => r.reads === reads);
  return {
    // kubectlObjects takes any `kind` + `metadata`: after the SDK's and TLS's (a TokenRequest is theirs).
    structured: [...offlineStructured, ...byReads(sdkRecognisers, 'structured'), ...byReads(tlsRecognisers, 'structured'), kubectlObjects],
    text: [...byReads(tlsRecognisers, 'text'), ...byReads(sdkRecognisers, 'text'), ...offlineText, execEnv],
  };
}

export interface FileOutcome {
  facts: Fact[];
  /** The formats that claimed something, in order; empty when nothing did. */
  formats: string[];
  /** The file is its format but broken, or a syntax error nothing else explained. */
  error?: InputError;
  /** For an unrecognised file: what it looks like and what to give instead. */
  note?: string;
  /** Documents of a multi-document file that nothing claimed, each with why. */
  unclaimed: InputError[];
}

function run(r: Recogniser, input: FileInput, source: Source): Fact[] | null {
  try {
    return r.recognise(input, source);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new InputError(input.path, `internal error in the "${r.format}" reader (please report it): ${why}`, source.line);
  }
}

/** Runs the recognisers over one parsed file. Never throws. */
export function recogniseFile(file: ParsedFile, sets: RecogniserSets = defaultRecognisers()): FileOutcome {
  const facts: Fact[] = [];
  const formats: string[] = [];
  const unclaimed: InputError[] = [];
  try {
    const docs = file.error ? [] : (file.docs ?? []);
    const pending: typeof docs = [];
    for (const doc of docs) {
      const source: Source = docs.length > 1 ? { path: file.path, line: doc.line } : { path: file.path };
      const input: FileInput = { path: file.path, text: file.text, docs: [doc] };
      let claimed = false;
      for (const r of sets.structured) {
        const got = run(r, input, source);
        if (got === null) continue;
        facts.push(...got);
        if (!formats.includes(r.format)) formats.push(r.format);
        claimed = true;
        break;
      }
      if (!claimed) pending.push(doc);
    }
    if (formats.length > 0) {
      for (const doc of pending) {
        if (doc.value === null || doc.value === undefined) continue;
        const hint = hintForValue(doc.value, file.syntax);
        unclaimed.push(new InputError(file.path, `document not recognised, skipped: ${hint}`, doc.line));
      }
      return { facts, formats, unclaimed };
    }
    const input: FileInput = file.docs ? { path: file.path, text: file.text, docs: file.docs } : { path: file.path, text: file.text };
    for (const r of sets.text) {
      const got = run(r, input, { path: file.path });
      if (got === null) continue;
      return { facts: got, formats: [r.format], unclaimed };
    }
  } catch (e) {
    const error = e instanceof InputError ? e : new InputError(file.path, `internal error: ${e instanceof Error ? e.message : String(e)}`);
    return { facts: [], formats: [], error, unclaimed: [] };
  }
  if (file.error) return { facts: [], formats: [], error: file.error, unclaimed };
  return { facts: [], formats: [], note: hintFor(file), unclaimed };
}
