// One TLS secure context per set of extra CAs, for the whole process. Node replaces its default
// roots when it is given `ca`, so trusting "the defaults plus one CA" that way means passing the
// ~140 bundled roots as PEM text, which Node parses again for every connection (40-80 ms of CPU
// each on a small machine). Instead: Node's default context (roots parsed once per process, plus
// NODE_EXTRA_CA_CERTS) with the extra CAs added to its own copy of the store, built once.

import tls from 'node:tls';

const cache = new Map<string, tls.SecureContext>();

interface NativeContext {
  addCACert?: (pem: string | Buffer) => void;
}

/** The secure context that trusts Node's default roots plus `extra` (PEM); undefined without `extra`. */
export function trustContext(extra: string | Buffer | ReadonlyArray<string | Buffer> | undefined): tls.SecureContext | undefined {
  if (extra === undefined) return undefined;
  const pems = (Array.isArray(extra) ? extra : [extra]).map((p) => (typeof p === 'string' ? p : p.toString('utf8')));
  const key = pems.join('\n');
  let ctx = cache.get(key);
  if (ctx) return ctx;
  ctx = tls.createSecureContext();
  const native = (ctx as unknown as { context?: NativeContext }).context;
  if (typeof native?.addCACert === 'function') {
    // Adds to a copy of the root store owned by this context (node's SecureContext::AddCACert).
    for (const pem of pems) native.addCACert(pem);
  } else {
    // A Node without the native method: the documented, slower way.
    ctx = tls.createSecureContext({ ca: [...tls.rootCertificates, ...pems] });
  }
  cache.set(key, ctx);
  return ctx;
}
