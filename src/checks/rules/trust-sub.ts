import { defineCheck } from '../define.js';
import { claimMessages, runClaimCheck } from '../lib/trust-claim.js';

export default defineCheck({
  id: 'IRSA105',
  requires: ['role.trustPolicy', 'pod/service account'],
  messages: claimMessages('sub'),
  remediation:
    'The trust policy must admit system:serviceaccount:<namespace>:<service account> under the key <issuer host/path>:sub (no https://): StringEquals for one account, StringLike with system:serviceaccount:<ns>:* for a namespace.',
  run(ctx, report) {
    runClaimCheck(ctx, report, 'sub');
  },
});
