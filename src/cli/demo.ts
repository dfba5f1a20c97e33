// `irsa-doctor demo` (what `npm start` runs): starts the lab in-process with the demo world,
// diagnoses each of its workloads through the same live code path a user's cluster gets (the
// Kubernetes API, the AWS SDK, the issuer, the STS probe), prints the report and exits 0.

import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import { startLab } from '../lab/lab.js';
import { findWorld } from '../lab/world.js';
import { diagnoseLive, SCHEMA_VERSION, type Report } from '../core/diagnose.js';
import { renderJson } from '../report/json.js';
import { renderText } from '../report/text.js';
import { colorsFor } from '../report/colors.js';
import { VERDICT_RANK } from '../checks/runner.js';
import type { Io } from './main.js';

const SHORT: Record<string, string> = { Deployment: 'deploy', StatefulSet: 'sts', DaemonSet: 'ds', CronJob: 'cronjob', Job: 'job' };

export async function runDemo(world = 'demo', probe = true): Promise<Report> {
  const lab = await startLab({ world: findWorld(world) });
  try {
    const keys = lab.adminKeys.get(lab.homeAccount)!;
    const aws = { endpoints: { iam: lab.iam.url, sts: lab.sts.url, eks: lab.eks.url }, credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } };
    const subjects: Report['subjects'] = [];
    const notes: string[] = [];
    for (const c of lab.clusters.values()) {
      const api = c.kube.api;
      const workloads = ['deployments', 'statefulsets', 'daemonsets', 'cronjobs']
        .flatMap((plural) => api.list(plural))
        .map((o) => o as { kind: string; metadata: { name: string; namespace: string; ownerReferences?: unknown[] } })
        .filter((o) => !o.metadata.namespace.startsWith('kube-') && !o.metadata.ownerReferences?.length)
        .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
      for (const w of workloads) {
        const r = await diagnoseLive({
          selector: `${SHORT[w.kind] ?? w.kind.toLowerCase()}/${w.metadata.name}`,
          namespace: w.metadata.namespace,
          kubeconfig: lab.kubeconfigPath,
          context: c.cluster.arn,
          region: c.cluster.region,
          ca: lab.pki.caPem,
          aws,
          probe,
          timeoutMs: 10_000,
        });
        // One subject per workload: its worst subject stands for the rest (as in `scan`).
        let shown: Report['subjects'][number] | undefined;
        for (const s of r.report.subjects) if (!shown || VERDICT_RANK[s.verdict] > VERDICT_RANK[shown.verdict]) shown = s;
        if (shown) subjects.push(shown);
        notes.push(...r.report.notes);
      }
    }
    return { schemaVersion: SCHEMA_VERSION, subjects, notes: [...new Set(notes)], generatedAt: new Date().toISOString() };
  } finally {
    await lab.stop();
  }
}

export function addDemoCommand(program: Command, io: Io, setExit: (c: number) => void): void {
  program
    .command('demo')
    .description('start the lab with the demo world (healthy and broken workloads), diagnose every workload live, print the report')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json'] as const).default('text' as const))
    .option('--world <name>', 'another shipped world', 'demo')
    .option('--no-probe', 'skip the STS probe')
    .option('-v, --verbose', 'show passing checks with their evidence')
    .action(async (opts) => {
      io.stderr.write(`starting the lab with the ${opts.world} world and diagnosing its workloads live...\n`);
      const report = await runDemo(opts.world, opts.probe);
      if (opts.output === 'json') io.stdout.write(renderJson(report));
      else io.stdout.write(renderText(report, { colors: colorsFor(io.stdout, io.env), verbose: Boolean(opts.verbose) }));
      setExit(0);
    });
}
