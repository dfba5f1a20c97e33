import { defineCheck } from '../define.js';
import { DEFAULT_AUDIENCE } from '../../k8s/webhook.js';
import { editDistance } from '../../iam/issuer.js';
import { audienceOf, providerFor, where } from '../lib/subject.js';

const CHINA_TYPO = 'sts.amazonaws.com.cn';

export default defineCheck({
  id: 'IRSA003',
  requires: ['iam.GetOpenIDConnectProvider.ClientIDList', 'serviceAccount/pod audience'],
  messages: {
    listed: 'The provider lists the token audience {{audience}} (from {{from}}).',
    notListed: 'The provider\'s client IDs {{clientIds}} do not include the token audience {{audience}} (from {{from}}): STS answers "Incorrect token audience".',
    chinaAudience: 'The token audience is {{audience}}; China regions also use {{expected}}: STS answers "Incorrect token audience".',
    noProvider: 'Not applicable: there is no OIDC provider to compare with (IRSA002).',
  },
  remediation:
    "Add the audience the pods' tokens carry (sts.amazonaws.com unless the service account sets eks.amazonaws.com/audience) to the provider: `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ARN --client-id sts.amazonaws.com`.",
  run(ctx, report) {
    const m = providerFor(ctx);
    if (m.state === 'unknown') return report.unknown('evidenceMissing', { reason: `the provider is not known: ${m.reason}` }, { settle: m.settle });
    if (m.state === 'missing') return report.skip('noProvider');
    const aud = audienceOf(ctx);
    const arn = m.provider.arn ?? m.expectedArn;
    if (!m.provider.clientIds) {
      const gone = ctx.ev.unavailable.get(`provider:${arn}`);
      if (gone) return report.unknown('evidenceMissing', { reason: `the client IDs of ${arn} could not be read: ${gone.reason}` }, gone.permission ? { settle: `the permission ${gone.permission}` } : {});
      return report.unknown(
        'evidenceMissing',
        { reason: `the client IDs of ${arn} were not given` },
        { settle: `aws iam get-open-id-connect-provider --open-id-connect-provider-arn ${arn} --output json` },
      );
    }
    const because = [
      { field: 'OpenIDConnectProvider.ClientIDList', expected: aud.value, actual: JSON.stringify(m.provider.clientIds), source: where(m.provider.sources) },
    ];
    if (aud.value === CHINA_TYPO) {
      const ns = ctx.serviceAccountRef?.namespace;
      const sa = ctx.serviceAccountRef?.name;
      return report.fail(
        'chinaAudience',
        { audience: aud.value, expected: DEFAULT_AUDIENCE },
        {
          because,
          ...(ns && sa
            ? { fix: { summary: `remove the audience annotation (the default is ${DEFAULT_AUDIENCE}) and recreate the pods`, commands: [`kubectl annotate serviceaccount ${sa} -n ${ns} eks.amazonaws.com/audience-`] } }
            : {}),
        },
      );
    }
    if (m.provider.clientIds.includes(aud.value)) return report.pass('listed', { audience: aud.value, from: aud.from }, { because });
    const typos = m.provider.clientIds.filter((c) => editDistance(c, aud.value, 4) <= 4);
    report.fail(
      'notListed',
      { audience: aud.value, from: aud.from, clientIds: JSON.stringify(m.provider.clientIds) },
      {
        because,
        fix: {
          summary: `add ${aud.value} to the provider's client IDs${typos.length ? ` and remove the near-miss ${typos.join(', ')}` : ''}`,
          commands: [
            `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${arn} --client-id ${aud.value}`,
            ...typos.map((t) => `aws iam remove-client-id-from-open-id-connect-provider --open-id-connect-provider-arn ${arn} --client-id ${t}`),
          ],
        },
      },
    );
  },
});
