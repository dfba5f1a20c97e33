// AWS-managed policies the lab knows, with their real documents and metadata, so that a world can
// attach `arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess` and the doctor (or the aws CLI) reads
// back what AWS would return.
//
// Sources: the AWS Managed Policy Reference pages cited per entry (description, creation time,
// default version and the JSON document), cross-checked with moto 5.2.1's
// `moto/iam/aws_managed_policies.py` (imported from the IAM API: seconds of CreateDate and of the
// default version's date, and AmazonEKS_CNI_Policy v6, newer than the reference page's v5).
// PolicyIds seen in real `aws iam get-policy` / `list-policies` output (public repositories quoting
// it); the two EKS policies' ids were not found in any source, so the lab derives a stable
// ANPA-style id from the ARN instead (policyId undefined here).
// AmazonS3FullAccess v1 is the document LocalStack recorded from real IAM
// (test_iam_account_authorization_details.snapshot.json, filter AWSManagedPolicy). Older versions
// of the other policies are not published; the lab lists only the versions given here.

import { createHash } from 'node:crypto';
import type { LabManagedPolicy, LabState, Partition } from './state.js';

export interface AwsManagedPolicyVersionData {
  readonly versionId: string;
  readonly createDate: string;
  readonly document: Readonly<Record<string, unknown>>;
}

export interface AwsManagedPolicyData {
  readonly name: string;
  readonly path: string;
  readonly policyId: string | undefined;
  readonly description: string;
  readonly createDate: string;
  readonly defaultVersionId: string;
  /** Newest first, as ListPolicyVersions returns them. */
  readonly versions: readonly AwsManagedPolicyVersionData[];
}

export const AWS_MANAGED_POLICIES: readonly AwsManagedPolicyData[] = [
  {
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html
    name: 'AdministratorAccess',
    path: '/',
    policyId: 'ANPAIWMBCKSKIEE64ZLYK',
    description: 'Provides full access to AWS services and resources.',
    createDate: '2015-02-06T18:39:46Z',
    defaultVersionId: 'v1',
    versions: [
      {
        versionId: 'v1',
        createDate: '2015-02-06T18:39:46Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: '*',
              Resource: '*',
            },
          ],
        },
      },
    ],
  },
  {
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonDynamoDBReadOnlyAccess.html
    name: 'AmazonDynamoDBReadOnlyAccess',
    path: '/',
    policyId: 'ANPAIY2XFNA232XJ6J7X2',
    description: 'Provides read only access to Amazon DynamoDB via the AWS Management Console.',
    createDate: '2015-02-06T18:40:12Z',
    defaultVersionId: 'v15',
    versions: [
      {
        versionId: 'v15',
        createDate: '2024-11-18T17:38:15Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'GeneralReadOnlyAccess',
              Effect: 'Allow',
              Action: [
                'application-autoscaling:DescribeScalableTargets',
                'application-autoscaling:DescribeScalingActivities',
                'application-autoscaling:DescribeScalingPolicies',
                'cloudwatch:DescribeAlarmHistory',
                'cloudwatch:DescribeAlarms',
                'cloudwatch:DescribeAlarmsForMetric',
                'cloudwatch:GetMetricStatistics',
                'cloudwatch:ListMetrics',
                'cloudwatch:GetMetricData',
                'datapipeline:DescribeObjects',
                'datapipeline:DescribePipelines',
                'datapipeline:GetPipelineDefinition',
                'datapipeline:ListPipelines',
                'datapipeline:QueryObjects',
                'dynamodb:BatchGetItem',
                'dynamodb:Describe*',
                'dynamodb:List*',
                'dynamodb:GetAbacStatus',
                'dynamodb:GetItem',
                'dynamodb:GetResourcePolicy',
                'dynamodb:Query',
                'dynamodb:Scan',
                'dynamodb:PartiQLSelect',
                'dax:Describe*',
                'dax:List*',
                'dax:GetItem',
                'dax:BatchGetItem',
                'dax:Query',
                'dax:Scan',
                'ec2:DescribeVpcs',
                'ec2:DescribeSubnets',
                'ec2:DescribeSecurityGroups',
                'iam:GetRole',
                'iam:ListRoles',
                'kms:DescribeKey',
                'kms:ListAliases',
                'sns:ListSubscriptionsByTopic',
                'sns:ListTopics',
                'lambda:ListFunctions',
                'lambda:ListEventSourceMappings',
                'lambda:GetFunctionConfiguration',
                'resource-groups:ListGroups',
                'resource-groups:ListGroupResources',
                'resource-groups:GetGroup',
                'resource-groups:GetGroupQuery',
                'tag:GetResources',
                'kinesis:ListStreams',
                'kinesis:DescribeStream',
                'kinesis:DescribeStreamSummary',
              ],
              Resource: '*',
            },
            {
              Sid: 'CCIAccess',
              Effect: 'Allow',
              Action: 'cloudwatch:GetInsightRuleReport',
              Resource: 'arn:aws:cloudwatch:*:*:insight-rule/DynamoDBContributorInsights*',
            },
          ],
        },
      },
    ],
  },
  {
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEC2ContainerRegistryReadOnly.html
    name: 'AmazonEC2ContainerRegistryReadOnly',
    path: '/',
    policyId: 'ANPAIFYZPA37OOHVIH7KQ',
    description: 'Provides read-only access to Amazon EC2 Container Registry repositories.',
    createDate: '2015-12-21T17:04:15Z',
    defaultVersionId: 'v3',
    versions: [
      {
        versionId: 'v3',
        createDate: '2019-12-10T20:56:32Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'ecr:GetAuthorizationToken',
                'ecr:BatchCheckLayerAvailability',
                'ecr:GetDownloadUrlForLayer',
                'ecr:GetRepositoryPolicy',
                'ecr:DescribeRepositories',
                'ecr:ListImages',
                'ecr:DescribeImages',
                'ecr:BatchGetImage',
                'ecr:GetLifecyclePolicy',
                'ecr:GetLifecyclePolicyPreview',
                'ecr:ListTagsForResource',
                'ecr:DescribeImageScanFindings',
              ],
              Resource: '*',
            },
          ],
        },
      },
    ],
  },
  {
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEKSWorkerNodePolicy.html
    name: 'AmazonEKSWorkerNodePolicy',
    path: '/',
    policyId: undefined,
    description: 'This policy allows Amazon EKS worker nodes to connect to Amazon EKS Clusters.',
    createDate: '2018-05-27T21:09:01Z',
    defaultVersionId: 'v3',
    versions: [
      {
        versionId: 'v3',
        createDate: '2023-11-27T00:06:13Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'WorkerNodePermissions',
              Effect: 'Allow',
              Action: [
                'ec2:DescribeInstances',
                'ec2:DescribeInstanceTypes',
                'ec2:DescribeRouteTables',
                'ec2:DescribeSecurityGroups',
                'ec2:DescribeSubnets',
                'ec2:DescribeVolumes',
                'ec2:DescribeVolumesModifications',
                'ec2:DescribeVpcs',
                'eks:DescribeCluster',
                'eks-auth:AssumeRoleForPodIdentity',
              ],
              Resource: '*',
            },
          ],
        },
      },
    ],
  },
  {
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonEKS_CNI_Policy.html
    name: 'AmazonEKS_CNI_Policy',
    path: '/',
    policyId: undefined,
    description: 'This policy provides the Amazon VPC CNI Plugin (amazon-vpc-cni-k8s) the permissions it requires to modify the IP address configuration on your EKS worker nodes. This permission set allows the CNI to list, describe, and modify Elastic Network Interfaces on your behalf. More information on the AWS VPC CNI Plugin is available here: https://github.com/aws/amazon-vpc-cni-k8s',
    createDate: '2018-05-27T21:07:42Z',
    defaultVersionId: 'v6',
    versions: [
      {
        versionId: 'v6',
        createDate: '2026-03-04T19:12:14Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AmazonEKSCNIPolicy',
              Effect: 'Allow',
              Action: [
                'ec2:AssignPrivateIpAddresses',
                'ec2:AttachNetworkInterface',
                'ec2:CreateNetworkInterface',
                'ec2:DeleteNetworkInterface',
                'ec2:DescribeInstances',
                'ec2:DescribeTags',
                'ec2:DescribeNetworkInterfaces',
                'ec2:DescribeInstanceTypes',
                'ec2:DescribeSubnets',
                'ec2:DescribeSecurityGroups',
                'ec2:DetachNetworkInterface',
                'ec2:ModifyNetworkInterfaceAttribute',
                'ec2:UnassignPrivateIpAddresses',
              ],
              Resource: '*',
            },
            {
              Sid: 'AmazonEKSCNIPolicyENITag',
              Effect: 'Allow',
              Action: [
                'ec2:CreateTags',
              ],
              Resource: [
                'arn:aws:ec2:*:*:network-interface/*',
              ],
            },
          ],
        },
      },
    ],
  },
  {
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonS3FullAccess.html
    name: 'AmazonS3FullAccess',
    path: '/',
    policyId: 'ANPAIFIR6V6BVTRAHWINE',
    description: 'Provides full access to all buckets via the AWS Management Console.',
    createDate: '2015-02-06T18:40:58Z',
    defaultVersionId: 'v2',
    versions: [
      {
        versionId: 'v2',
        createDate: '2021-09-27T20:16:37Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                's3:*',
                's3-object-lambda:*',
              ],
              Resource: '*',
            },
          ],
        },
      },
      {
        versionId: 'v1',
        createDate: '2015-02-06T18:40:58Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 's3:*',
              Resource: '*',
            },
          ],
        },
      },
    ],
  },
  {
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonS3ReadOnlyAccess.html
    name: 'AmazonS3ReadOnlyAccess',
    path: '/',
    policyId: 'ANPAIZTJ4DXE7G6AGAE6M',
    description: 'Provides read only access to all buckets via the AWS Management Console.',
    createDate: '2015-02-06T18:40:59Z',
    defaultVersionId: 'v3',
    versions: [
      {
        versionId: 'v3',
        createDate: '2023-08-10T21:31:39Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                's3:Get*',
                's3:List*',
                's3:Describe*',
                's3-object-lambda:Get*',
                's3-object-lambda:List*',
              ],
              Resource: '*',
            },
          ],
        },
      },
    ],
  },
  {
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/IAMReadOnlyAccess.html
    // (document, v4 default); PolicyId and the seconds of CreateDate/UpdateDate as `aws iam
    // list-policies` prints them (quoted in public notes: ANPAJKSO7NDY4T57MWDSQ,
    // 2015-02-06T18:40:39Z, 2018-01-25T19:11:27Z).
    name: 'IAMReadOnlyAccess',
    path: '/',
    policyId: 'ANPAJKSO7NDY4T57MWDSQ',
    description: 'Provides read only access to IAM via the AWS Management Console.',
    createDate: '2015-02-06T18:40:39Z',
    defaultVersionId: 'v4',
    versions: [
      {
        versionId: 'v4',
        createDate: '2018-01-25T19:11:27Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'iam:GenerateCredentialReport',
                'iam:GenerateServiceLastAccessedDetails',
                'iam:Get*',
                'iam:List*',
                'iam:SimulateCustomPolicy',
                'iam:SimulatePrincipalPolicy',
              ],
              Resource: '*',
            },
          ],
        },
      },
    ],
  },
];

const byName = new Map(AWS_MANAGED_POLICIES.map((p) => [p.name, p]));

/** `arn:<partition>:iam::aws:policy<path><name>`. */
export function awsManagedPolicyArn(partition: Partition, name: string, path = '/'): string {
  return `arn:${partition}:iam::aws:policy${path}${name}`;
}

/** A stable `ANPA` + 17 base32 characters id for policies whose real id is not known. */
function derivedPolicyId(name: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const h = createHash('sha256').update(`aws-managed:${name}`).digest();
  let id = 'ANPA';
  for (let i = 0; i < 17; i++) id += alphabet[h[i]! % 32];
  return id;
}

/**
 * The AWS-managed policy with this ARN, installed in `state.awsPolicies` on first use (one entry
 * per partition), or undefined when the lab does not know it.
 */
export function awsManagedPolicy(state: LabState, arn: string): LabManagedPolicy | undefined {
  const existing = state.awsPolicies.get(arn);
  if (existing) return existing;
  const m = /^arn:([a-z-]+):iam::aws:policy(\/(?:[^/]+\/)*)([^/]+)$/.exec(arn);
  if (!m) return undefined;
  const data = byName.get(m[3] ?? '');
  if (!data || data.path !== m[2]) return undefined;
  const defaultVersion = data.versions.find((v) => v.versionId === data.defaultVersionId);
  const policy: LabManagedPolicy = {
    arn,
    name: data.name,
    path: data.path,
    policyId: data.policyId ?? derivedPolicyId(data.name),
    defaultVersionId: data.defaultVersionId,
    versions: data.versions.map((v) => ({
      versionId: v.versionId,
      document: JSON.stringify(v.document, null, 4),
      isDefault: v.versionId === data.defaultVersionId,
      createDate: new Date(v.createDate),
    })),
    attachmentCount: 0,
    createDate: new Date(data.createDate),
    updateDate: new Date(defaultVersion?.createDate ?? data.createDate),
    description: data.description,
    awsManaged: true,
  };
  state.awsPolicies.set(arn, policy);
  return policy;
}

/** Every known AWS-managed policy of a partition (installing them as needed). */
export function allAwsManagedPolicies(state: LabState, partition: Partition): LabManagedPolicy[] {
  return AWS_MANAGED_POLICIES.map((d) => awsManagedPolicy(state, awsManagedPolicyArn(partition, d.name, d.path))).filter((p): p is LabManagedPolicy => p !== undefined);
}
