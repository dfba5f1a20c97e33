import { defineCheck } from '../define.js';

export default defineCheck({
  id: 'IRSA402',
  requires: ['live mode with --probe'],
  messages: {
    offline: 'Not applicable: the STS probe runs only in live mode with --probe.',
  },
  remediation: 'Run `irsa-doctor diagnose pod/NAME -n NS --probe` against the cluster to let STS give the definitive answer.',
  run(_ctx, report) {
    report.skip('offline');
  },
});
