// `irsa-doctor lab up` and `irsa-doctor lab worlds`.

import { writeFileSync } from 'node:fs';
import type { Command } from '@commander-js/extra-typings';
import { Option } from '@commander-js/extra-typings';
import { findWorld, shippedWorlds, type World } from '../lab/world.js';
import { startLab, type Lab } from '../lab/lab.js';
import type { FaultConfig } from '../lab/http.js';
import type { Io } from './main.js';

export class LabUsageError extends Error {
  override name = 'UsageError';
}

export function guide(lab: Lab, world: World, envFile: string): string {
  const lines: string[] = [];
  lines.push(`irsa-doctor lab: world ${world.name}${world.description ? ` — ${world.description}` : ''}`);
  if (world.symptom) lines.push(`  the app sees: ${world.symptom}`);
  if (world.reproduces.length) lines.push(`  reproduces: ${world.reproduces.join(', ')}`);
  lines.push('');
  for (const c of lab.clusters.values()) {
    lines.push(`  cluster ${c.cluster.name} (${c.cluster.region}, account ${c.cluster.account})`);
    lines.push(`    Kubernetes API  ${c.kube.url}`);
    lines.push(`    OIDC issuer     ${c.cluster.issuer || '(none)'}`);
  }
  lines.push(`  IAM ${lab.iam.url}   STS ${lab.sts.url}   EKS ${lab.eks.url}`);
  lines.push('');
  lines.push(`In another shell:  source ${envFile}`);
  lines.push('  kubectl get pods -A');
  const first = [...lab.clusters.values()][0];
  if (first) lines.push(`  aws eks describe-cluster --name ${first.cluster.name} --query cluster.identity.oidc.issuer --output text`);
  lines.push('  aws iam list-open-id-connect-providers');
  lines.push('Stop with Ctrl-C.');
  return `${lines.join('\n')}\n`;
}

function parseFaults(s: string | undefined): FaultConfig | undefined {
  if (!s) return undefined;
  try {
    return JSON.parse(s) as FaultConfig;
  } catch (e) {
    throw new LabUsageError(`--faults: not JSON: ${(e as Error).message}`);
  }
}

export function addLabCommands(program: Command, io: Io, setExit: (c: number) => void): void {
  const lab = program.command('lab').description('a local EKS, IAM, STS and OIDC issuer over real HTTPS, to reproduce each failure of the article');

  lab
    .command('up')
    .description('start the lab, write the environment to a file, and run until interrupted')
    .addOption(new Option('--world <name|file>', 'a shipped world (see `lab worlds`) or a world file').conflicts('empty'))
    .option('--empty', 'one cluster with its issuer, a default namespace and no IAM state')
    .requiredOption('--env-file <file>', 'write `export` lines here (source it to point kubectl, aws and SDKs at the lab)')
    .option('--faults <json>', 'fault knobs, e.g. \'{"seed":1,"services":{"iam":{"latencyMs":20,"throttleRps":20}}}\'')
    .addHelpText(
      'after',
      `
Examples:
  $ irsa-doctor lab up --world irsa105-wrong-namespace --env-file lab.env
  $ source lab.env && kubectl get sa -A && aws iam get-role --role-name analytics-etl`,
    )
    .action(async (opts) => {
      if (!opts.world && !opts.empty) throw new LabUsageError('lab up: give --world NAME|FILE or --empty');
      const world = opts.world ? findWorld(opts.world) : undefined;
      const faults = parseFaults(opts.faults);
      const running = await startLab({ ...(world ? { world } : {}), ...(faults ? { faults } : {}) });
      writeFileSync(opts.envFile, running.envFile(), { mode: 0o600 });
      io.stdout.write(guide(running, world ?? (await import('../lab/lab.js')).EMPTY_WORLD, opts.envFile));
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await running.stop();
      io.stdout.write('lab stopped\n');
      setExit(0);
    });

  lab
    .command('worlds')
    .description('list the shipped worlds and what each reproduces')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json'] as const).default('text' as const))
    .action((opts) => {
      const worlds = shippedWorlds();
      if (opts.output === 'json') {
        io.stdout.write(`${JSON.stringify(worlds.map((w) => ({ name: w.name, description: w.description, reproduces: w.reproduces, symptom: w.symptom ?? null })), null, 2)}\n`);
      } else {
        const width = Math.max(...worlds.map((w) => w.name.length));
        for (const w of worlds) {
          io.stdout.write(`${w.name.padEnd(width)}  ${w.reproduces.length ? w.reproduces.join(' ') : 'healthy'}\n${' '.repeat(width + 2)}${w.description}\n`);
        }
      }
      setExit(0);
    });
}
