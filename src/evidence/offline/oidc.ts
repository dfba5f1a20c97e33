// The issuer's OpenID discovery document (`kubectl get --raw /.well-known/openid-configuration`
// or `curl <issuer>/.well-known/openid-configuration`) and its JWKS (`kubectl get --raw
// /openid/v1/jwks` or `curl <jwks_uri>`). For a self-managed cluster this is how the issuer is named.

import { InputError } from '../facts.js';
import type { DiscoveryFact, JwksFact } from '../facts.js';
import type { Recogniser } from './types.js';
import { everyDoc, isRecord, own, str } from './util.js';

export const oidcDiscovery: Recogniser = {
  format: 'OIDC discovery document',
  reads: 'structured',
  recognise(input, source) {
    return everyDoc(input, source, (v, src) => {
      const issuer = str(v, 'issuer');
      const jwksUri = str(v, 'jwks_uri');
      if (issuer === undefined || jwksUri === undefined) return null;
      return { kind: 'discovery', source: src, issuer, jwksUri, document: v } satisfies DiscoveryFact;
    });
  },
};

export const jwks: Recogniser = {
  format: 'JWKS (JSON Web Key Set)',
  reads: 'structured',
  recognise(input, source) {
    return everyDoc(input, source, (v, src) => {
      const keys = own(v, 'keys');
      if (!Array.isArray(keys)) return null;
      // An empty set is still a JWKS (and a finding); a set of non-keys is someone else's `keys`.
      if (!keys.every((k) => isRecord(k))) return null;
      const hasKty = (k: unknown): boolean => isRecord(k) && typeof own(k, 'kty') === 'string';
      const bad = keys.findIndex((k) => !hasKty(k));
      if (bad >= 0) {
        if (keys.some(hasKty)) {
          throw new InputError(src.path, `keys[${bad}] of the JWKS has no "kty"`, src.line);
        }
        return null;
      }
      return { kind: 'jwks', source: src, keys: keys as Array<Record<string, unknown>> } satisfies JwksFact;
    });
  },
};
