// `npm run bench`: how fast `irsa-doctor scan -A` is, and how economical, on lab clusters of
// 100, 1,000 and 10,000 IRSA pods (src/lab/generate.ts: Deployments of 10 replicas, one annotated
// service account each, two accounts per role, in an IAM account that also holds 2,000 roles the
// cluster does not use). Every lab call costs 20 ms and IAM answers 20 requests/s (a token bucket
// of 20), throttling the rest with IAM's own error. For each size it prints the API calls by
// operation (from the lab's call log), the minimum those calls could be, the wall time of the
// scan, the floor (the cheaper plan's IAM calls at 20/s plus one 20 ms round trip per list page),
// the peak RSS of the scanning process, and the pure evaluation speed; on the 100-pod world it
// also runs the article's manual procedure (its aws CLI and kubectl commands, pod by pod) and
// prints the ratio. A table, then one JSON line per size. A benchmark: it asserts nothing.
//
//   npm run bench                         # 100, 1,000 and 10,000 pods, manual procedure on 100
//   npm run bench -- --sizes 100,1000     # some sizes only
//   npm run bench -- --manual-pods 20     # the manual procedure on 20 pods, extrapolated to 100
//   npm run bench -- --no-manual

import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { startLab, type Lab } from '../src/lab/lab.js';
import { generatedWorld, GENERATED_CLUSTER, type GeneratedWorld } from '../src/lab/generate.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const LATENCY_MS = 20;
const IAM_RPS = 20;
const PAGE = 500;
const BULK_PAGE = 1000;

interface Args {
  sizes: number[];
  manual: boolean;
  manualPods: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { sizes: [100, 1000, 10000], manual: true, manualPods: undefined };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--sizes') a.sizes = (argv[++i] ?? '').split(',').map(Number).filter((n) => n > 0);
    else if (v === '--no-manual') a.manual = false;
    else if (v === '--manual-pods') a.manualPods = Number(argv[++i]);
    else throw new Error(`bench: unknown argument ${v}`);
  }
  return a;
}

interface ChildResult {
  wallSeconds: number;
  peakRssMB: number;
  evalSeconds: number;
  evalPodsPerSecond: number;
  pods: number;
  workloads: number;
  verdicts: Record<string, number>;
  roles: number;
  complete: boolean;
  listPages: number;
  verbose: string[];
}

async function runChild(lab: Lab): Promise<{ child: ChildResult; processSeconds: number }> {
  const c = lab.clusters.get(GENERATED_CLUSTER)!;
  const keys = lab.adminKeys.get(lab.homeAccount)!;
  const opts = {
    kubeconfig: lab.kubeconfigPath,
    context: c.cluster.arn,
    region: c.cluster.region,
    ca: lab.pki.caPem,
    timeoutMs: 30_000,
    aws: { endpoints: { iam: lab.iam.url, sts: lab.sts.url, eks: lab.eks.url }, credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } },
  };
  // BENCH_CPU_PROF=DIR: a CPU profile of the scanning process, for whoever tunes it.
  const prof = process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']] : [];
  // BENCH_NODE_FLAGS="--max-semi-space-size=8": V8 flags for the scanning process, to try tunings.
  prof.push(...(process.env['BENCH_NODE_FLAGS'] ?? '').split(' ').filter(Boolean));
  const { out, seconds } = await runScript<ChildResult>('./bench-scan-child.mjs', opts, prof);
  return { child: out, processSeconds: seconds };
}

/** The calls a scan cannot do without, from the lab's own state (not from what the scan did). */
function minimum(lab: Lab, g: GeneratedWorld): { total: number; listPages: number; iamCalls: number; plan: string; detail: Record<string, number> } {
  const api = lab.clusters.get(GENERATED_CLUSTER)!.kube.api;
  const kinds = ['pods', 'serviceaccounts', 'replicasets', 'deployments', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs'];
  let listPages = 0;
  for (const k of kinds) listPages += Math.max(1, Math.ceil(api.list(k).length / PAGE));
  const account = lab.state.account(lab.homeAccount);
  const providers = account.providers.size;
  // The roles the scan must read: those the pods' annotated service accounts name.
  const named = new Set<string>();
  for (const sa of api.list('serviceaccounts')) {
    const a = ((sa['metadata'] as Record<string, unknown>)['annotations'] as Record<string, string> | undefined)?.['eks.amazonaws.com/role-arn'];
    if (a) named.add(a.split('/').pop()!);
  }
  let perRole = 0;
  const attached = new Set<string>();
  const awsManaged = new Set<string>();
  for (const name of named) {
    const role = account.roles.get(name) ?? [...account.roles.values()].find((r) => r.name.toLowerCase() === name.toLowerCase());
    if (!role) {
      perRole += 1; // GetRole: NoSuchEntity
      continue;
    }
    perRole += 3 + role.inlinePolicies.size;
    for (const arn of role.attachedPolicies) {
      attached.add(arn);
      if (arn.includes(':iam::aws:policy/')) awsManaged.add(arn);
    }
  }
  perRole += 2 * attached.size;
  const bulk = Math.max(1, Math.ceil((account.roles.size + account.policies.size) / BULK_PAGE)) + 2 * awsManaged.size;
  const planCalls = Math.min(perRole, bulk);
  const iamCalls = 1 + providers + planCalls;
  const detail = { listPages, 'eks:DescribeCluster': 1, 'iam:ListOpenIDConnectProviders': 1, 'iam:GetOpenIDConnectProvider': providers, rolePlan: planCalls, 'issuer:documents': 2 };
  void g;
  return { total: listPages + 1 + iamCalls + 2, listPages, iamCalls, plan: bulk <= perRole ? `bulk (${bulk} vs ${perRole} per-role)` : `per-role (${perRole} vs ${bulk} bulk)`, detail };
}

/** Runs one of the bench's child scripts with a JSON argument; its last stdout line, parsed. */
function runScript<T>(script: string, arg: unknown, extraArgs: string[] = []): Promise<{ out: T; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...extraArgs, new URL(script, import.meta.url).pathname, JSON.stringify(arg)], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', AWS_EC2_METADATA_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited ${code}: ${err.slice(-2000)}`));
      if (process.env['BENCH_DEBUG'] && err) process.stderr.write(err);
      resolve({ out: JSON.parse(out.trim().split('\n').pop()!) as T, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/** The transport floor (scripts/bench-transport-child.mjs), in its own process like the scan. */
async function transportFloor(lab: Lab): Promise<number> {
  const c = lab.clusters.get(GENERATED_CLUSTER)!;
  const keys = lab.adminKeys.get(lab.homeAccount)!;
  const { out } = await runScript<{ seconds: number }>('./bench-transport-child.mjs', {
    ca: lab.pki.caPem,
    token: c.kube.adminToken,
    kube: c.kube.url,
    iam: lab.iam.url,
    eks: lab.eks.url,
    region: c.cluster.region,
    cluster: c.cluster.name,
    page: PAGE,
    credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
    awsPolicy: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
  });
  return out.seconds;
}

/** The article's procedure, pod by pod, as its commands (kubectl exec replaced, see below). */
async function manualProcedure(lab: Lab, g: GeneratedWorld, pods: number): Promise<{ seconds: number; podsRun: number; commands: number }> {
  const c = lab.clusters.get(GENERATED_CLUSTER)!;
  const env = { ...process.env, ...lab.env(), AWS_PAGER: '' };
  const api = c.kube.api;
  const all = api.list('pods').filter((p) => (p['metadata'] as Record<string, string>)['namespace']?.startsWith('team-'));
  const chosen = all.slice(0, pods);
  let commands = 0;
  // One command after the other, as a person pastes them; asynchronously, because the lab's
  // servers live in this process and must keep answering.
  const exec = promisify(execFile);
  const run = async (cmd: string, args: string[]) => {
    commands++;
    await exec(cmd, args, { env, maxBuffer: 64 * 1024 * 1024 });
  };
  const t = performance.now();
  for (const p of chosen) {
    const m = p['metadata'] as Record<string, string>;
    const ns = m['namespace']!;
    const pod = m['name']!;
    const sa = String((p['spec'] as Record<string, unknown>)['serviceAccountName'] ?? 'default');
    const saObj = api.get('serviceaccounts', ns, sa);
    const roleArn = ((saObj?.['metadata'] as Record<string, unknown> | undefined)?.['annotations'] as Record<string, string> | undefined)?.['eks.amazonaws.com/role-arn'] ?? '';
    const role = roleArn.split('/').pop() ?? '';
    const issuerHost = c.cluster.issuer.replace(/^https:\/\//, '');
    // Step 1-2: the cluster's issuer, and a provider for it.
    await run('aws', ['eks', 'describe-cluster', '--name', c.cluster.name, '--query', 'cluster.identity.oidc.issuer', '--output', 'text']);
    await run('aws', ['iam', 'list-open-id-connect-providers']);
    await run('aws', ['iam', 'get-open-id-connect-provider', '--open-id-connect-provider-arn', `arn:aws:iam::${lab.homeAccount}:oidc-provider/${issuerHost}`]);
    // Step 3: the role's trust policy.
    await run('aws', ['iam', 'get-role', '--role-name', role]);
    // Steps 4-6: the service account, its annotation, the pod's service account.
    await run('kubectl', ['get', 'sa', '-n', ns]);
    await run('kubectl', ['describe', 'sa', sa, '-n', ns]);
    await run('kubectl', ['get', 'pod', pod, '-o', 'yaml', '-n', ns]);
    // Steps 7-8: `kubectl exec POD -- env | grep AWS` and `kubectl exec POD -- id`. The lab runs
    // no containers, so the same facts are read from the pod's spec instead (one call each).
    await run('kubectl', ['get', 'pod', pod, '-n', ns, '-o', 'jsonpath={.spec.containers[*].env}']);
    await run('kubectl', ['get', 'pod', pod, '-n', ns, '-o', 'jsonpath={.spec.securityContext}']);
  }
  void g;
  return { seconds: (performance.now() - t) / 1000, podsRun: chosen.length, commands };
}

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rows: Array<Record<string, unknown>> = [];
  for (const size of args.sizes) {
    const g = generatedWorld({ pods: size });
    const t = performance.now();
    const lab = await startLab({ world: g.world });
    const seedSeconds = (performance.now() - t) / 1000;
    try {
      lab.faults.configure({ seed: 1, all: { latencyMs: LATENCY_MS }, services: { iam: { throttleRps: IAM_RPS } } });
      lab.faults.log.length = 0;
      const min = minimum(lab, g);
      const { child, processSeconds } = await runChild(lab);
      const calls = lab.faults.counts();
      const logged = lab.faults.log.length;
      const transport = await transportFloor(lab);
      lab.faults.log.length = logged;
      if (process.env['BENCH_DEBUG']) {
        const t0 = Date.parse(lab.faults.log[0]?.at ?? '');
        for (const e of lab.faults.log) process.stderr.write(`${String(Date.parse(e.at) - t0).padStart(6)} +${String(e.ms).padStart(4)} ${e.service}:${e.operation} ${e.status}${e.fault ? ` ${e.fault}` : ''}\n`);
      }
      const callTotal = Object.values(calls).reduce((n, v) => n + v, 0);
      const throttled = lab.faults.log.filter((e) => e.fault === 'throttle').length;
      const floorSeconds = min.iamCalls / IAM_RPS + (min.listPages * LATENCY_MS) / 1000;
      const row: Record<string, unknown> = {
        pods: size,
        serviceAccounts: g.serviceAccounts,
        roles: g.roles,
        calls,
        callsTotal: callTotal,
        minimumCalls: min.total,
        throttledCalls: throttled,
        plan: min.plan,
        wallSeconds: Number(fmt(child.wallSeconds, 3)),
        processSeconds: Number(fmt(processSeconds, 3)),
        floorSeconds: Number(fmt(floorSeconds, 3)),
        wallOverFloor: Number(fmt(child.wallSeconds / floorSeconds, 2)),
        transportFloorSeconds: Number(fmt(transport, 3)),
        wallOverTransportFloor: Number(fmt(child.wallSeconds / transport, 2)),
        peakRssMB: child.peakRssMB,
        evalPodsPerSecond: child.evalPodsPerSecond,
        workloads: child.workloads,
        verdicts: child.verdicts,
        complete: child.complete,
        labSeedSeconds: Number(fmt(seedSeconds, 1)),
      };
      if (size === 100 && args.manual) {
        lab.faults.configure({ seed: 1, all: { latencyMs: LATENCY_MS }, services: { iam: { throttleRps: IAM_RPS } } });
        const n = Math.min(args.manualPods ?? size, size);
        const m = await manualProcedure(lab, g, n);
        const manualSeconds = (m.seconds * size) / m.podsRun;
        row['manualSeconds'] = Number(fmt(manualSeconds, 1));
        row['manualPodsRun'] = m.podsRun;
        row['manualCommands'] = m.commands;
        row['speedupOverManual'] = Math.round(manualSeconds / child.wallSeconds);
      }
      rows.push(row);
      process.stderr.write(`${size} pods: done (${child.verbose.filter((l) => l.startsWith('roles')).join('; ')})\n`);
    } finally {
      await lab.stop();
    }
  }
  const head = ['pods', 'SAs', 'roles', 'calls', 'minimum', 'throttled', 'wall s', 'floor s', 'wall/floor', 'transport s', 'wall/transport', 'RSS MB', 'eval pods/s', 'manual s', 'speedup'];
  const table = rows.map((r) => [r['pods'], r['serviceAccounts'], r['roles'], r['callsTotal'], r['minimumCalls'], r['throttledCalls'], r['wallSeconds'], r['floorSeconds'], r['wallOverFloor'], r['transportFloorSeconds'], r['wallOverTransportFloor'], r['peakRssMB'], r['evalPodsPerSecond'], r['manualSeconds'] ?? '-', r['speedupOverManual'] ?? '-'].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(line(head));
  for (const row of table) console.log(line(row));
  for (const r of rows) console.log(JSON.stringify(r));
}

await main();
