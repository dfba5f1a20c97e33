// The trust policy IRSA needs for one service account (aws-behavior.md section 3): the shape the
// doctor's fixes write and the lab's worlds seed. Low-level, so both may use it.

export interface IrsaTrustInput {
  providerArn: string;
  /** The issuer without https://: what condition keys start with. */
  issuerHostPath: string;
  namespace: string;
  serviceAccount: string;
  audience?: string;
  /** StringLike for a wildcard subject (system:serviceaccount:ns:*). */
  operator?: 'StringEquals' | 'StringLike';
}

export function irsaTrustPolicy(t: IrsaTrustInput): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: t.providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          [t.operator ?? 'StringEquals']: {
            [`${t.issuerHostPath}:sub`]: `system:serviceaccount:${t.namespace}:${t.serviceAccount}`,
            [`${t.issuerHostPath}:aud`]: t.audience ?? 'sts.amazonaws.com',
          },
        },
      },
    ],
  };
}
