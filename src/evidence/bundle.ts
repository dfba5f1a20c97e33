// The evidence bundle: what `irsa-doctor collect` writes and `diagnose --from bundle.json`
// reads back. It holds the facts exactly as the collectors made them (tokens as claims only, no
// credentials, no Secret data), so offline diagnosis of a bundle gives the same findings as the
// live run that wrote it.

import { InputError, type Fact, type Source } from './facts.js';
import type { Recogniser } from './offline/types.js';

export const BUNDLE_KEY = 'irsaDoctorBundle';
export const BUNDLE_VERSION = 1;

export interface Bundle {
  [BUNDLE_KEY]: typeof BUNDLE_VERSION;
  collectedAt: string;
  /** What was asked: `deploy/api -n payments`, the context, the cluster. */
  target: Record<string, string>;
  facts: unknown[];
}

/** Certificates are DER buffers in memory and base64 in the bundle. */
function encode(f: Fact): unknown {
  if (f.kind === 'certChain') return { ...f, certs: f.certs.map((c) => c.toString('base64')) };
  return f;
}

export function toBundle(facts: Fact[], target: Record<string, string>, collectedAt: Date): Bundle {
  for (const f of facts) {
    if (f.kind === 'token' && JSON.stringify(f).match(/[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}/)) {
      throw new Error('refusing to write a bundle that holds a raw token');
    }
  }
  return { [BUNDLE_KEY]: BUNDLE_VERSION, collectedAt: collectedAt.toISOString(), target, facts: facts.map(encode) };
}

const KINDS = new Set<Fact['kind']>([
  'unavailable',
  'probe',
  'notFound',
  'cluster',
  'providerList',
  'provider',
  'role',
  'attachedPolicies',
  'inlinePolicyNames',
  'inlinePolicy',
  'managedPolicy',
  'policyVersion',
  'k8sObject',
  'describedServiceAccount',
  'env',
  'id',
  'kubeVersion',
  'discovery',
  'jwks',
  'certChain',
  'token',
  'sdkDeps',
]);

export function factsFromBundle(value: Record<string, unknown>, path: string): Fact[] {
  if (value[BUNDLE_KEY] !== BUNDLE_VERSION) {
    throw new InputError(path, `evidence bundle version ${JSON.stringify(value[BUNDLE_KEY])} is not supported (this irsa-doctor reads version ${BUNDLE_VERSION})`);
  }
  const facts = value['facts'];
  if (!Array.isArray(facts)) throw new InputError(path, 'evidence bundle without a "facts" list');
  return facts.map((raw, i) => {
    if (!raw || typeof raw !== 'object' || !KINDS.has((raw as { kind: Fact['kind'] }).kind)) {
      throw new InputError(path, `facts[${i}] is not an evidence fact (kind ${JSON.stringify((raw as { kind?: unknown })?.kind)})`);
    }
    const f = raw as Fact & { source?: Source };
    if (!f.source || typeof f.source.path !== 'string') throw new InputError(path, `facts[${i}] has no source`);
    if (f.kind === 'certChain') {
      const certs = (f as unknown as { certs: unknown }).certs;
      if (!Array.isArray(certs) || !certs.every((c) => typeof c === 'string')) throw new InputError(path, `facts[${i}].certs: expected base64 certificates`);
      return { ...f, certs: certs.map((c) => Buffer.from(c, 'base64')) };
    }
    return f;
  });
}

/** Recognises a bundle file among the offline inputs. */
export const bundleRecogniser: Recogniser = {
  format: 'irsa-doctor evidence bundle',
  reads: 'structured',
  recognise(input) {
    const docs = input.docs ?? [];
    if (docs.length !== 1) return null;
    const v = docs[0]!.value;
    if (!v || typeof v !== 'object' || Array.isArray(v) || !(BUNDLE_KEY in v)) return null;
    return factsFromBundle(v as Record<string, unknown>, input.path);
  },
};
