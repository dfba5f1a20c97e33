import { defineCheck } from '../define.js';
import { parseIssuer } from '../../iam/issuer.js';
import { where } from '../lib/subject.js';

export default defineCheck({
  id: 'IRSA001',
  requires: ['cluster'],
  messages: {
    hasIssuer: 'The cluster has the OIDC issuer {{issuer}} (from {{from}}).',
    noIssuer: 'The cluster {{cluster}} has no OIDC issuer: IRSA cannot work until it has one.',
    badIssuer: 'The cluster issuer {{issuer}} is not a usable OIDC issuer URL: {{problem}}.',
  },
  remediation:
    'EKS clusters always have an issuer (describe-cluster shows cluster.identity.oidc.issuer); a self-managed cluster needs --service-account-issuer and a public discovery endpoint. Then create the IAM OIDC provider for it.',
  run(ctx, report) {
    const c = ctx.ev.cluster;
    if (c.state === 'unknown') return report.missing(c, "the cluster's OIDC issuer");
    if (c.state === 'notFound') return report.fail('noIssuer', { cluster: 'the cluster' });
    const cluster = c.value;
    if (cluster.issuer === null) {
      return report.fail(
        'noIssuer',
        { cluster: cluster.name ?? 'the cluster' },
        {
          because: [{ field: 'cluster.identity.oidc.issuer', expected: 'https://oidc.eks.<region>.amazonaws.com/id/<ID>', actual: '(absent)', source: where(c.sources) }],
        },
      );
    }
    const p = parseIssuer(cluster.issuer);
    if (!p.ok) {
      return report.fail(
        'badIssuer',
        { issuer: cluster.issuer, problem: p.detail },
        { because: [{ field: 'cluster.identity.oidc.issuer', expected: 'https://host[/path], no port, query or fragment', actual: cluster.issuer, source: where(c.sources) }] },
      );
    }
    const port = p.issuer.iamProblems.find((x) => x.problem === 'hasPort');
    if (port) {
      return report.fail(
        'badIssuer',
        { issuer: cluster.issuer, problem: port.detail },
        { because: [{ field: 'cluster.identity.oidc.issuer', expected: 'no port (IAM refuses provider URLs with a port)', actual: cluster.issuer, source: where(c.sources) }] },
      );
    }
    const from = { 'describe-cluster': 'aws eks describe-cluster', 'issuer-url': 'the issuer URL given', discovery: 'the discovery document', token: "a token's iss claim", none: '' }[cluster.issuerFrom];
    report.pass('hasIssuer', { issuer: cluster.issuer, from }, { because: [{ field: 'cluster.identity.oidc.issuer', actual: cluster.issuer, source: where(c.sources) }] });
  },
});
