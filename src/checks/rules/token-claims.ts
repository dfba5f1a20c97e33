import { defineCheck, type Because } from '../define.js';
import type { TokenFact } from '../../evidence/facts.js';
import { sameIssuer } from '../../iam/issuer.js';
import { summariseClaims } from '../../tls/token.js';
import { serviceAccountName } from '../../k8s/pod.js';
import { audienceOf, issuerOf, providerFor } from '../lib/subject.js';
import { trustAllowsClaims } from '../lib/trust.js';

export default defineCheck({
  id: 'IRSA401',
  requires: ['a service account token (file)', 'cluster issuer', 'provider', 'trust policy'],
  messages: {
    good: 'The token for {{sub}} has iss {{iss}}, aud {{aud}}, and is valid until {{exp}}.',
    mismatch: 'The token does not match what AWS will check: {{problems}}.',
    noToken: 'Not applicable: no service account token was given (`kubectl create token SA -n NS --audience sts.amazonaws.com` makes one; its claims are checked indirectly by IRSA003, IRSA105 and IRSA106).',
  },
  remediation:
    'A token for the pod must have iss = the cluster issuer (= the IAM provider URL), aud = a client ID of the provider (sts.amazonaws.com), sub = system:serviceaccount:NS:SA admitted by the trust policy, and must not be expired.',
  run(ctx, report) {
    const ref = ctx.serviceAccountRef;
    const expectedSub = ref ? `system:serviceaccount:${ref.namespace}:${ref.name}` : undefined;
    const tokens = ctx.ev.tokens;
    let token: TokenFact | undefined = tokens.find((t) => t.claims['sub'] === expectedSub);
    // A token whose subject is no other known service account is this subject's (a token for
    // the wrong account is exactly what this check must catch); one that names another known
    // account belongs to that account's subjects.
    if (!token && tokens.length === 1) {
      const sub = tokens[0]!.claims['sub'];
      const known = [...ctx.ev.serviceAccounts.keys()].map((k) => `system:serviceaccount:${k.replace('/', ':')}`);
      const podSubs = ctx.ev.pods.map((p) => `system:serviceaccount:${p.namespace}:${serviceAccountName(p.object).name}`);
      if (typeof sub !== 'string' || (!known.includes(sub) && !podSubs.includes(sub))) token = tokens[0];
    }
    if (!token) {
      const gone = ref ? ctx.ev.unavailable.get(`token:${ref.namespace}/${ref.name}`) : undefined;
      if (gone) return report.unknown('evidenceMissing', { reason: `no token for ${ref!.namespace}/${ref!.name}: ${gone.reason}` }, gone.permission ? { settle: `the permission ${gone.permission}` } : {});
      return report.skip('noToken');
    }
    const s = summariseClaims(token.claims, ctx.ev.now);
    const src = token.source.path;
    const because: Because[] = [];
    const problems: string[] = [...s.problems];
    const iss = issuerOf(ctx);
    if (iss && s.iss !== undefined && !sameIssuer(s.iss, iss.issuer.url)) {
      problems.push(`iss is ${s.iss}, the cluster issuer is ${iss.issuer.url}`);
      because.push({ field: 'token.iss', expected: iss.issuer.url, actual: s.iss, source: src });
    }
    const prov = providerFor(ctx);
    if (prov.state === 'found' && prov.provider.clientIds && s.aud.length && !s.aud.some((a) => prov.provider.clientIds!.includes(a))) {
      problems.push(`aud ${JSON.stringify(s.aud)} has none of the provider's client IDs ${JSON.stringify(prov.provider.clientIds)}`);
      because.push({ field: 'token.aud', expected: prov.provider.clientIds.join(' | '), actual: s.aud.join(', '), source: src });
    } else if (prov.state !== 'found' && s.aud.length && !s.aud.includes(audienceOf(ctx).value)) {
      because.push({ field: 'token.aud', expected: audienceOf(ctx).value, actual: s.aud.join(', '), source: src });
    }
    if (expectedSub && s.sub !== undefined && s.sub !== expectedSub) {
      problems.push(`sub is ${s.sub}, the pod's service account is ${expectedSub}`);
      because.push({ field: 'token.sub', expected: expectedSub, actual: s.sub, source: src });
    }
    if (s.aws.rejectedAsExpired) {
      problems.push(`the token expired at ${s.expiresAt} (${Math.abs(s.expiresIn ?? 0)} s ago; STS allows 300 s)`);
      because.push({ field: 'token.exp', expected: `after ${ctx.ev.now.toISOString()}`, actual: s.expiresAt ?? '?', source: src });
    }
    // Clocks differ by a little everywhere: only an nbf beyond AWS's 5-minute leeway is a problem.
    if (s.nbf !== undefined && s.nbf > Math.floor(ctx.ev.now.getTime() / 1000) + 300) problems.push(`the token is not valid until ${new Date(s.nbf * 1000).toISOString()} (nbf more than 5 minutes ahead: check the clocks)`);
    const trust = trustAllowsClaims(ctx, s.sub, s.aud);
    if (trust && !trust.allowed) {
      problems.push(`the trust policy does not admit these claims: ${trust.why}`);
      because.push({ field: 'trust policy with the token claims', expected: 'allow', actual: trust.why, source: src });
    }
    if (problems.length) return report.fail('mismatch', { problems: problems.join('; ') }, { because });
    report.pass('good', { sub: s.sub ?? '?', iss: s.iss ?? '?', aud: s.aud.join(', '), exp: s.expiresAt ?? '?' }, {
      because: [
        { field: 'token.iss', actual: s.iss ?? '', source: src },
        { field: 'token.aud', actual: s.aud.join(', '), source: src },
        { field: 'token.sub', actual: s.sub ?? '', source: src },
        { field: 'token.exp', actual: s.expiresAt ?? '', source: src },
      ],
    });
  },
});
