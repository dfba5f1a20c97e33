// How fast the lab itself is on generated worlds (src/lab/generate.ts: Deployments of 10
// replicas, one annotated service account each, 20 per namespace, 2,000 unused IAM roles): the
// time startLab takes to seed the world (the Kubernetes controllers create every ReplicaSet and
// pod and run them), the process's peak RSS, and how long the lab's Kubernetes API takes to serve
// paginated lists over HTTPS, as a client such as the scan reads them: all pods, then service
// accounts, 500 per page, following `continue` to the end; then one namespace's pods. The first
// pass also sorts the keys written during seeding, so pages are timed on a second pass as well.
// A benchmark: it prints figures (a table, then one JSON line per size) and asserts nothing.
//
//   npx tsx scripts/bench-lab.ts                      # 100, 1,000 and 10,000 pods
//   npx tsx scripts/bench-lab.ts --sizes 100,1000     # some sizes only
//   npx tsx scripts/bench-lab.ts --page 250

import { performance } from 'node:perf_hooks';
import { request, Agent } from 'node:https';
import { startLab } from '../src/lab/lab.js';
import { generatedWorld, GENERATED_CLUSTER } from '../src/lab/generate.js';

interface Args {
  sizes: number[];
  page: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { sizes: [100, 1000, 10000], page: 500 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sizes') a.sizes = String(argv[++i]).split(',').map(Number);
    else if (argv[i] === '--page') a.page = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return a;
}

function get(url: string, token: string, ca: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, ca, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

interface ListTiming {
  path: string;
  items: number;
  pages: number;
  /** Round trip of each page, ms. */
  pageMs: number[];
}

async function listAll(base: string, path: string, page: number, token: string, ca: string, agent: Agent): Promise<ListTiming> {
  const out: ListTiming = { path, items: 0, pages: 0, pageMs: [] };
  let cont = '';
  do {
    const t = performance.now();
    const r = await get(`${base}${path}?limit=${page}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`, token, ca, agent);
    out.pageMs.push(performance.now() - t);
    if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status}: ${r.body.slice(0, 200)}`);
    const list = JSON.parse(r.body) as { items: unknown[]; metadata: { continue?: string } };
    out.items += list.items.length;
    out.pages++;
    cont = list.metadata.continue ?? '';
  } while (cont);
  return out;
}

function stats(ms: number[]): { mean: number; p50: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  return { mean: ms.reduce((a, b) => a + b, 0) / ms.length, p50: s[Math.floor(s.length / 2)]!, max: s[s.length - 1]! };
}

const fmt = (n: number): string => n.toFixed(1);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const rows: Array<Record<string, unknown>> = [];
  let peak = 0;
  for (const pods of args.sizes) {
    const g = generatedWorld({ pods });
    const t0 = performance.now();
    const lab = await startLab({ world: g.world });
    const startMs = performance.now() - t0;
    try {
      const kube = lab.clusters.get(GENERATED_CLUSTER)!.kube;
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const lists: ListTiming[] = [];
      for (const pass of ['first', 'second']) {
        for (const path of ['/api/v1/pods', '/api/v1/serviceaccounts', `/api/v1/namespaces/${g.namespaces[0]}/pods`]) {
          const l = await listAll(kube.url, path, args.page, kube.adminToken, lab.pki.caPem, agent);
          if (pass === 'second') lists.push(l);
        }
      }
      agent.destroy();
      peak = Math.max(peak, process.memoryUsage().rss);
      const row: Record<string, unknown> = { pods, startMs: Math.round(startMs), rssMb: Math.round(process.memoryUsage().rss / 1e6) };
      for (const l of lists) {
        const s = stats(l.pageMs);
        row[l.path] = { items: l.items, pages: l.pages, meanPageMs: +fmt(s.mean), p50PageMs: +fmt(s.p50), maxPageMs: +fmt(s.max) };
      }
      rows.push(row);
      console.log(
        `${String(pods).padStart(6)} pods: startLab ${fmt(startMs / 1000)} s, rss ${String(row['rssMb'])} MB; ` +
          lists.map((l) => `${l.path} ${l.items} items in ${l.pages} pages, page mean ${fmt(stats(l.pageMs).mean)} ms (max ${fmt(stats(l.pageMs).max)})`).join('; '),
      );
    } finally {
      await lab.stop();
    }
  }
  for (const r of rows) console.log(JSON.stringify(r));
  console.log(`peak rss ${Math.round(peak / 1e6)} MB (one process, labs started one after another)`);
}

await main();
