/*
 * Copyright 2026 The image-promotion authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

// Promotion states and gate verdicts are part of the REST API, so they are
// defined once, in the common package.
import {
  TERMINAL_PROMOTION_STATUSES,
  type GateResult as ApiGateResult,
  type PromotionStatus,
} from '@image-promotion/plugin-image-promotion-common';

/** A recurring or one-off window in which promotions into an environment are refused. */
export type FreezeWindow =
  | {
      kind: 'once';
      /** ISO-8601 instants */
      start: string;
      end: string;
      reason?: string;
    }
  | {
      kind: 'weekly';
      /** 0 = Sunday … 6 = Saturday, in `timezone` (default UTC) */
      days: number[];
      /** 'HH:MM' 24h, inclusive start, exclusive end; end < start spans midnight */
      startTime: string;
      endTime: string;
      timezone?: string;
      reason?: string;
    };

/** Policy for promotions INTO one environment. */
export interface EnvironmentPolicy {
  /** 'current': the digest must be the current one of the previous environment; 'present': any version seen there. Default 'present'. */
  requirePreviousEnvironment: 'current' | 'present';
  /** Allow promoting from an environment earlier than the previous one. Default false. */
  allowSkip: boolean;
  /** Distinct approvers needed (never the requester). Default 0. */
  approvals: number;
  /** Entity refs of groups (`group:default/release-managers`) approvers must belong to; empty = anyone allowed by permissions. */
  approverGroups: string[];
  /** Minimum time the digest must have been in the previous environment, in milliseconds. Default 0. */
  soakTimeMs: number;
  /** Whether a rollback (a digest previously current in the target) may skip the soak time. Default true. */
  rollbackSkipsSoak: boolean;
  freezeWindows: FreezeWindow[];
  /** Never move an existing tag in the target to another digest. Default false. */
  immutableTags: boolean;
  /** Public keys whose signature (cosign `.sig` or Sigstore bundle) the promoted digest must carry; empty = no signature gate. */
  signatureKeys: SignatureKey[];
  /** When set, a signature counts only with transparency-log entries verified against this trusted root (`policy.signatures.transparencyLog`). */
  signatureTransparencyLog?: TransparencyLogRequirement;
}

/** `policy.signatures.transparencyLog`: the logs a signature's entries must be verified against, offline. */
export interface TransparencyLogRequirement {
  /** Where the trusted root came from (a path), for messages. */
  trustedRootPath: string;
  /** The Sigstore trusted root as read (`trusted_root.json`, protobuf-specs JSON). */
  trustedRoot: unknown;
  /** Distinct verified entries required per signature; default 1. */
  threshold: number;
}

/** A public key of the signature gate, as configured (`policy.signatures.keys`). */
export interface SignatureKey {
  /** How messages name the key: its `name`, else its path, else `key 1`, `key 2`, … */
  name: string;
  /** The PEM text of the public key. */
  pem: string;
}

/** One stage of a pipeline. */
export interface Environment {
  id: string;
  title: string;
  /** Name of a configured registry. */
  registry: string;
  /** Repository template, e.g. `team-a/{{ image }}`. */
  repository: string;
  /** Tag that marks what runs in this environment and is moved on promotion, e.g. `qa`. */
  currentTag?: string;
  policy: EnvironmentPolicy;
  /** Promote when ready: a new version in the environment before this one is promoted into it by the plugin. */
  autoPromote?: boolean;
}

/** An ordered list of environments. */
export interface Pipeline {
  name: string;
  environments: Environment[];
}

/** A configured registry endpoint (credentials are kept inside the engine's credential provider, never here). */
export type RegistryEndpoint =
  | {
      name: string;
      type: 'registry';
      /** `host[:port]` */
      host: string;
      /** Path the registry API lives under (`/artifactory/api/docker/<repo>`); absent for `/v2/` at the root. */
      pathPrefix?: string;
      insecure: boolean;
    }
  | { name: string; type: 'oci-layout'; directory: string };

export type { PromotionStatus };

/** States a promotion never leaves. */
export const TERMINAL_STATUSES: readonly PromotionStatus[] =
  TERMINAL_PROMOTION_STATUSES;

/** One policy gate's verdict, with a sentence a person can act on. */
export type GateResult = Omit<ApiGateResult, 'eligibleAt'>;
