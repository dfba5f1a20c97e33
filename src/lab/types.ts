// Interfaces shared by the lab's parts, so that each can be built and tested on its own.

/** The lab's clock. Worlds advance it while seeding, so "pod created before the annotation" is
 * expressible; servers read it for creationTimestamps, managedFields times and token times. */
export interface Clock {
  now(): Date;
}

export class LabClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  /** Moves the lab's time forward (never backward). */
  advance(ms: number): void {
    if (ms > 0) this.offsetMs += ms;
  }
  /** Sets the offset so that now() is `t` (used by worlds that pin times). */
  set(t: Date): void {
    this.offsetMs = t.getTime() - Date.now();
  }
}

/** A service-account token request, as Kubernetes' TokenRequest or a projected volume makes it. */
export interface TokenRequestSpec {
  namespace: string;
  serviceAccount: string;
  serviceAccountUid: string;
  audiences: string[];
  expirationSeconds: number;
  /** Bound object (a pod), when the token is for a pod. */
  pod?: { name: string; uid: string };
  node?: { name: string; uid: string };
}

export interface SignedToken {
  token: string;
  expiresAt: Date;
}

/** Signs Kubernetes service-account tokens with a cluster's issuer keys (issuer.ts implements it). */
export interface TokenSigner {
  readonly issuer: string;
  sign(spec: TokenRequestSpec): Promise<SignedToken>;
}
