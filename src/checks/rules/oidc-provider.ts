import { defineCheck } from '../define.js';
import { nearMissIssuer } from '../../iam/issuer.js';
import { audienceOf, issuerOf, providerFor, roleArnOf, where } from '../lib/subject.js';

export default defineCheck({
  id: 'IRSA002',
  requires: ['cluster.issuer', 'iam.openIdConnectProviders(role account)'],
  messages: {
    present: 'The IAM OIDC provider {{arn}} exists in account {{account}}.',
    missing: 'No IAM OIDC provider for {{issuer}} in account {{account}}: STS answers "No OpenIDConnect provider found in your account for {{issuer}}".',
    missingOldIssuer: 'No IAM OIDC provider for {{issuer}} in account {{account}}; the account has {{other}} instead ({{detail}}): it was likely left behind when the cluster was recreated.',
    missingOtherAccount: 'The IAM OIDC provider for {{issuer}} is in account {{other}}, but the role is in account {{account}}: the provider must exist in the role\'s account.',
    noIssuer: 'Not applicable: the cluster has no OIDC issuer (IRSA001).',
  },
  remediation:
    "Create an IAM OIDC provider for the cluster's issuer in the account that owns the role: `eksctl utils associate-iam-oidc-provider --cluster NAME --approve`, or `aws iam create-open-id-connect-provider --url ISSUER --client-id-list sts.amazonaws.com`.",
  run(ctx, report) {
    const c = ctx.ev.cluster;
    if (c.state === 'found' && c.value.issuer === null) return report.skip('noIssuer');
    if (!issuerOf(ctx)) {
      if (c.state === 'unknown') return report.missing(c, "the cluster's issuer");
      return report.notApplicable('the cluster issuer is not a valid URL (IRSA001)');
    }
    const m = providerFor(ctx);
    if (m.state === 'unknown') return report.unknown('evidenceMissing', { reason: m.reason }, { settle: m.settle });
    const iss = issuerOf(ctx)!;
    const account = m.list.account ?? '';
    const because = [{ field: 'iam.ListOpenIDConnectProviders', expected: m.expectedArn, actual: m.state === 'found' ? (m.provider.arn ?? m.provider.hostPath) : m.list.providers.map((p) => p.arn ?? p.hostPath).join(', ') || '(none)', source: where(m.list.sources) }];
    if (m.list.assumption) because.push({ field: 'account of the listing', expected: account, actual: m.list.assumption, source: where(m.list.sources) });
    if (m.state === 'found') return report.pass('present', { arn: m.provider.arn ?? m.expectedArn, account }, { because });

    const role = roleArnOf(ctx);
    const clusterName = c.state === 'found' ? c.value.name : undefined;
    const clusterAccount = c.state === 'found' ? c.value.account : undefined;
    const commands = [`aws iam create-open-id-connect-provider --url ${iss.issuer.url} --client-id-list ${audienceOf(ctx).value}`];
    if (clusterName && (!clusterAccount || clusterAccount === account)) {
      const region = c.state === 'found' && c.value.region ? ` --region ${c.value.region}` : '';
      commands.unshift(`eksctl utils associate-iam-oidc-provider --cluster ${clusterName}${region} --approve`, '# or, without eksctl:');
    }
    const fix = { summary: `create the OIDC provider for ${iss.issuer.url} in account ${account}${role && clusterAccount && clusterAccount !== account ? ' (run with credentials for that account)' : ''}`, commands };

    // Explain the near miss: a provider for this issuer elsewhere, or an old one here.
    const expected = { account, partition: role?.partition ?? iss.issuer.partition ?? 'aws' };
    const near = m.others
      .filter((p) => p.arn)
      .map((p) => ({ p, n: nearMissIssuer(iss.issuer.hostPath, p.arn!, expected) }))
      .filter((x) => x.n.kind !== 'unrelated');
    const otherAccount = near.find((x) => x.n.kind === 'otherAccount');
    if (otherAccount) {
      return report.fail('missingOtherAccount', { issuer: iss.issuer.url, account, other: otherAccount.p.account ?? '?' }, { because, fix });
    }
    const old = near.find((x) => x.p.account === account && ['otherIssuerId', 'idTypo', 'hostTypo', 'otherRegion', 'otherHostForm', 'schemeIncluded'].includes(x.n.kind));
    if (old) {
      return report.fail('missingOldIssuer', { issuer: iss.issuer.url, account, other: old.p.arn!, detail: old.n.detail, nearMiss: old.n.kind }, { because, fix });
    }
    report.fail('missing', { issuer: iss.issuer.url, account }, { because, fix });
  },
});
