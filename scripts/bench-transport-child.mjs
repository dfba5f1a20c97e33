// The scan benchmark's transport floor, in its own process like the scan: the critical path with
// nothing but fetching the bytes. The pod list's pages one after the other, each asked for as
// soon as the previous one's head (with its continue token) has arrived, as the scan does, beside
// the IAM chain a scan cannot shorten (DescribeCluster,
// then every GetAccountAuthorizationDetails page, then GetPolicy and GetPolicyVersion); no
// parsing beyond the continue token and the Marker, no evaluation. Connections and the SDK's code
// are warmed first. Prints one JSON line. Started by scripts/bench.ts; not for users.
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { IAMClient, GetAccountAuthorizationDetailsCommand, GetPolicyCommand, GetPolicyVersionCommand } from '@aws-sdk/client-iam';
import { EKSClient, DescribeClusterCommand } from '@aws-sdk/client-eks';

const o = JSON.parse(process.argv[2] ?? '{}');
const agent = new https.Agent({ keepAlive: true, ca: o.ca });
/** GET `url`; `onHead` gets the first 4 KiB of the body as soon as they are in. Resolves at the end. */
const get = (url, onHead) =>
  new Promise((resolve, reject) => {
    https
      .get(url, { agent, headers: { authorization: `Bearer ${o.token}` } }, (res) => {
        const chunks = [];
        let size = 0;
        let told = !onHead;
        res.on('data', (d) => {
          chunks.push(d);
          size += d.length;
          if (!told && size >= 4096) {
            told = true;
            onHead(Buffer.concat(chunks).subarray(0, 4096).toString('utf8'));
          }
        });
        res.on('end', () => {
          if (!told) onHead(Buffer.concat(chunks).toString('utf8'));
          resolve(Buffer.concat(chunks).toString('utf8'));
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
const requestHandler = { httpsAgent: agent };
const iam = new IAMClient({ region: 'us-east-1', endpoint: o.iam, credentials: o.credentials, requestHandler });
const eks = new EKSClient({ region: o.region, endpoint: o.eks, credentials: o.credentials, requestHandler });
const pods = () =>
  new Promise((resolve, reject) => {
    let open = 0;
    const page = (cont) => {
      open++;
      const onHead = (head) => {
        const next = /"continue"\s*:\s*"([^"]*)"/.exec(head)?.[1];
        if (next) page(next);
      };
      get(`${o.kube}/api/v1/pods?limit=${o.page}${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`, onHead).then(() => {
        if (--open === 0) resolve();
      }, reject);
    };
    page('');
  });
const iamChain = async () => {
  await eks.send(new DescribeClusterCommand({ name: o.cluster }));
  let marker;
  do {
    const out = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role', 'LocalManagedPolicy'], MaxItems: 1000, ...(marker ? { Marker: marker } : {}) }));
    marker = out.IsTruncated ? out.Marker : undefined;
  } while (marker);
  const p = await iam.send(new GetPolicyCommand({ PolicyArn: o.awsPolicy }));
  await iam.send(new GetPolicyVersionCommand({ PolicyArn: o.awsPolicy, VersionId: p.Policy?.DefaultVersionId ?? 'v1' }));
};
await get(`${o.kube}/version`);
await eks.send(new DescribeClusterCommand({ name: o.cluster }));
const t = performance.now();
await Promise.all([pods(), iamChain()]);
process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - t) / 1000 })}\n`);
agent.destroy();
