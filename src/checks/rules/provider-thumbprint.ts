import { defineCheck, type Because } from '../define.js';
import type { CertChainFact } from '../../evidence/facts.js';
import { leafMatchesHost, thumbprintCandidates, trustOfChain } from '../../tls/chain.js';
import { issuerOf, providerFor, shared } from '../lib/subject.js';

function chainFor(chains: readonly CertChainFact[], host: string): CertChainFact | undefined {
  const h = host.toLowerCase();
  return (
    chains.find((c) => c.host?.toLowerCase() === h && c.certs.length > 0) ??
    chains.find((c) => c.certs.length > 0 && (() => {
      try {
        return leafMatchesHost(c.certs, h).matches;
      } catch {
        return false;
      }
    })())
  );
}

export default defineCheck({
  id: 'IRSA004',
  requires: ['iam.GetOpenIDConnectProvider.ThumbprintList', 'TLS chain of the issuer (and JWKS) host'],
  messages: {
    matches: 'The provider\'s thumbprints include {{thumbprint}}, the SHA-1 of {{certificate}} served by {{host}}.',
    awsManaged: 'The issuer {{host}} is an EKS-hosted issuer with a publicly trusted certificate: AWS validates it against its trusted CA library and does not use thumbprints.',
    publicMismatch: 'The provider\'s thumbprints {{thumbprints}} do not include {{thumbprint}} ({{certificate}} served by {{host}}); the chain is publicly trusted, so AWS validates it itself and ignores thumbprints, but the list is stale.',
    mismatch: 'The provider\'s thumbprints {{thumbprints}} do not include {{thumbprint}}, the SHA-1 of {{certificate}} served by {{host}}, and that chain is not publicly trusted: STS answers "OpenIDConnect provider\'s HTTPS certificate doesn\'t match configured thumbprint".',
    leafThumbprint: 'The provider holds {{thumbprint}}, the thumbprint of {{host}}\'s own (leaf) certificate: it breaks at the next certificate renewal; AWS\'s rule takes {{expected}} ({{certificate}}).',
    incompleteChain: 'Only the server certificate of {{host}} was given: rerun openssl s_client with -showcerts.',
    noProvider: 'Not applicable: there is no OIDC provider to compare with (IRSA002).',
  },
  remediation:
    "Set the provider's thumbprint to the SHA-1 of the last certificate `openssl s_client -servername HOST -showcerts -connect HOST:443` shows for the JWKS host: `aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn ARN --thumbprint-list SHA1`.",
  run(ctx, report) {
    const m = providerFor(ctx);
    if (m.state === 'unknown') return report.unknown('evidenceMissing', { reason: `the provider is not known: ${m.reason}` }, { settle: m.settle });
    if (m.state === 'missing') return report.skip('noProvider');
    const iss = issuerOf(ctx)!;
    const arn = m.provider.arn ?? m.expectedArn;
    const hosts = [iss.issuer.host];
    const disc = ctx.ev.discovery.find((d) => d.issuer.replace(/\/+$/, '') === iss.issuer.url.replace(/\/+$/, ''));
    if (disc) {
      try {
        const jh = new URL(disc.jwksUri).hostname;
        if (jh && jh.toLowerCase() !== iss.issuer.host.toLowerCase()) hosts.push(jh);
      } catch {
        /* an unparsable jwks_uri is reported by nothing else; keep the issuer host */
      }
    }
    // Certificate parsing is the costly part and depends on the evidence only: once per diagnosis.
    const chains = hosts.map((h) => ({ host: h, chain: shared(ctx.ev, `IRSA004:chainFor:${h}`, () => chainFor(ctx.ev.chains, h)) }));
    const eksHosted = iss.issuer.form !== 'self-hosted';
    if (chains.every((c) => !c.chain) && eksHosted) {
      return report.pass('awsManaged', { host: iss.issuer.host }, { because: [{ field: 'issuer host', actual: iss.issuer.host }] });
    }
    if (!m.provider.thumbprints) {
      const gone = ctx.ev.unavailable.get(`provider:${arn}`);
      if (gone) return report.unknown('evidenceMissing', { reason: `the thumbprints of ${arn} could not be read: ${gone.reason}` }, gone.permission ? { settle: `the permission ${gone.permission}` } : {});
      return report.unknown('evidenceMissing', { reason: `the thumbprints of ${arn} were not given` }, { settle: `aws iam get-open-id-connect-provider --open-id-connect-provider-arn ${arn} --output json` });
    }
    const thumbprints = m.provider.thumbprints.map((t) => t.toLowerCase());
    const because: Because[] = [];
    const needed: string[] = [];
    let worst: (() => void) | undefined;
    let passData: { thumbprint: string; certificate: string; host: string } | undefined;
    for (const { host, chain } of chains) {
      if (!chain) {
        if (eksHosted) continue;
        const gone = ctx.ev.unavailable.get(`chain:${host}`);
        if (gone) return report.unknown('evidenceMissing', { reason: `the TLS chain of ${host} could not be read: ${gone.reason}` });
        return report.unknown(
          'evidenceMissing',
          { reason: `the TLS chain of ${host} was not given` },
          { settle: `openssl s_client -servername ${host} -showcerts -connect ${host}:443 </dev/null` },
        );
      }
      const index = ctx.ev.chains.indexOf(chain);
      const cand = shared(ctx.ev, `IRSA004:candidates:${index}`, () => thumbprintCandidates(chain.certs));
      const trust = shared(ctx.ev, `IRSA004:trust:${index}`, () => trustOfChain(chain.certs, ctx.ev.now));
      const src = chain.source.path;
      if (chain.certs.length === 1 && !cand.certificate.selfSigned) {
        if (!worst) worst = () => report.unknown('incompleteChain', { host }, { because, settle: `openssl s_client -servername ${host} -showcerts -connect ${host}:443 </dev/null` });
        continue;
      }
      const all = [cand.expected, ...cand.alternatives.map((a) => a.sha1)];
      const hit = all.find((t) => thumbprints.includes(t));
      because.push({ field: `ThumbprintList vs ${host}`, expected: cand.expected, actual: JSON.stringify(thumbprints), source: src });
      needed.push(cand.expected);
      const leafHit = cand.alternatives.find((a) => a.relation === 'leaf' && a.sha1 === hit);
      if (leafHit) {
        needed.push(cand.expected);
        worst ??= () => report.warn('leafThumbprint', { host, thumbprint: leafHit.sha1, expected: cand.expected, certificate: cand.certificate.subject }, { because, fix: thumbprintFix(arn, needed) });
        continue;
      }
      if (hit) {
        passData ??= { thumbprint: hit, certificate: hit === cand.expected ? cand.certificate.subject : (cand.alternatives.find((a) => a.sha1 === hit)?.certificate.subject ?? ''), host };
        continue;
      }
      const data = { thumbprints: JSON.stringify(thumbprints), thumbprint: cand.expected, certificate: cand.certificate.subject, host };
      if (trust.publiclyTrusted) {
        worst ??= () => report.warn('publicMismatch', data, { because, fix: thumbprintFix(arn, needed) });
      } else {
        worst = () => report.fail('mismatch', data, { because, fix: thumbprintFix(arn, needed) });
        because.push({ field: `trust of ${host}'s chain`, expected: 'publicly trusted CA', actual: trust.problems.join('; ') || 'not issued by a root in the store', source: src });
      }
    }
    if (worst) return worst();
    if (passData) return report.pass('matches', passData, { because });
    report.pass('awsManaged', { host: iss.issuer.host });
  },
});

function thumbprintFix(arn: string, thumbprints: string[]) {
  const list = [...new Set(thumbprints)];
  return {
    summary: `set the provider's thumbprints to ${list.join(', ')}`,
    commands: [`aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn ${arn} --thumbprint-list ${list.join(' ')}`],
  };
}
