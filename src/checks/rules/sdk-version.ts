import { defineCheck, type Because } from '../define.js';
import { judgeSdkFact } from '../../sdk/minimums.js';

export default defineCheck({
  id: 'IRSA306',
  requires: ['lockfile, manifest or SBOM of the application'],
  messages: {
    supported: 'The AWS SDK supports web identity: {{sdks}}.',
    tooOld: '{{package}} {{version}} is older than {{minimum}}, the first version of that SDK that reads AWS_WEB_IDENTITY_TOKEN_FILE: the pod silently falls back to the node role.',
    betweenTables: '{{package}} {{version}} supports web identity since {{articleMinimum}} (the article\'s minimum) but is below AWS\'s current minimum {{minimum}}.',
    companionMissing: '{{reason}}',
    undecidable: 'The version of {{package}} cannot be compared: {{reason}}.',
    noSdk: 'Not applicable: no AWS SDK in {{files}}.',
    noEvidence: 'Not known: no lockfile, manifest or SBOM of the application was given.',
  },
  remediation: "Upgrade the application's AWS SDK to at least the minimum for web identity (see docs/checks/IRSA306.md), and for Java 2.x add the software.amazon.awssdk:sts module.",
  run(ctx, report) {
    const pod = ctx.pod;
    const facts = pod ? pod.sdk : ctx.ev.sdk;
    if (!facts.length) {
      return report.unknown('noEvidence', {}, { settle: "the application's package-lock.json / requirements.txt / go.mod / pom.xml / SBOM (e.g. `syft IMAGE -o cyclonedx-json`)" });
    }
    const because: Because[] = [];
    const found: string[] = [];
    let worst: { rank: number; emit: () => void } | undefined;
    const consider = (rank: number, emit: () => void) => {
      if (!worst || rank > worst.rank) worst = { rank, emit };
    };
    for (const f of facts) {
      const j = judgeSdkFact(f);
      for (const v of j.verdicts) {
        const d = v.deciding;
        const jd = v.judgement;
        because.push({ field: `${f.format}: ${d.package}`, expected: `>= ${jd.minimum}${jd.articleMinimum ? ` (article: ${jd.articleMinimum})` : ''}`, actual: d.version, source: f.source.path });
        found.push(`${d.package} ${d.version}`);
        const data = { package: d.package, version: d.version, minimum: jd.minimum, articleMinimum: jd.articleMinimum, reason: jd.reason, sdk: v.sdk };
        if (jd.status === 'fail') consider(4, () => report.fail('tooOld', data, { because }));
        else if (jd.status === 'warn') consider(2, () => report.warn('betweenTables', data, { because }));
        else if (jd.status === 'unknown') consider(1, () => report.unknown('undecidable', data, { because, settle: `pin ${d.package} to an exact version, or give the lockfile` }));
      }
      for (const c of j.companions) {
        // No Java 2.x artifact depends on the sts module except the all-services bundle, so a
        // manifest without it (and without the bundle) will not have it at run time either.
        const bundle = f.deps.some((d) => /:aws-sdk-java$|^software\.amazon\.awssdk:bundle$/.test(d.package));
        if (c.id === 'javaV2StsModuleMissing' && bundle) continue;
        const status = c.id === 'javaV2StsModuleMissing' ? 'fail' : c.status;
        const reason =
          c.id === 'javaV2StsModuleMissing'
            ? `The Java 2.x web identity provider needs software.amazon.awssdk:sts on the class path, and ${f.format} declares neither it nor the all-services bundle: the SDK fails with "${c.symptom ?? 'To use web identity tokens, the sts service module must be on the class path.'}"`
            : c.reason;
        because.push({ field: `${f.format}: ${c.module}`, expected: 'present', actual: '(absent)', source: f.source.path });
        if (status === 'fail') consider(3, () => report.fail('companionMissing', { reason, module: c.module }, { because }));
        else consider(2, () => report.warn('companionMissing', { reason, module: c.module }, { because }));
      }
    }
    if (worst) return worst.emit();
    if (!found.length) return report.skip('noSdk', { files: facts.map((f) => f.source.path).join(', ') });
    report.pass('supported', { sdks: found.join(', ') }, { because });
  },
});
