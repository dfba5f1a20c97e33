import { defineCheck } from '../define.js';
import { claimMessages, runClaimCheck } from '../lib/trust-claim.js';

export default defineCheck({
  id: 'IRSA106',
  requires: ['role.trustPolicy', 'token audience'],
  messages: claimMessages('aud'),
  remediation: 'The <issuer host/path>:aud condition must admit the audience the pod\'s token carries: sts.amazonaws.com unless the service account sets eks.amazonaws.com/audience (China included).',
  run(ctx, report) {
    runClaimCheck(ctx, report, 'aud');
  },
});
