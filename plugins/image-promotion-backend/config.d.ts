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

/**
 * A duration: an object such as `{ hours: 1, minutes: 30 }`, a short string
 * such as `'1h30m'`, or an ISO-8601 duration such as `'PT1H30M'`. Years and
 * months are refused: they have no fixed length.
 */
type ImagePromotionDuration =
  | {
      weeks?: number;
      days?: number;
      hours?: number;
      minutes?: number;
      seconds?: number;
      milliseconds?: number;
    }
  | string;

export interface Config {
  /**
   * Image promotion: the registries that hold each environment's images, the
   * pipelines that order the environments, and the policies that gate
   * promotions into them. Read and validated at start-up; a bad value stops
   * the backend with a message naming its key.
   */
  imagePromotion?: {
    /**
     * Registries by name; environments refer to them by that name.
     * Credentials given here are only ever sent to the registry they belong to.
     */
    registries: {
      [name: string]:
        | {
            /** An OCI distribution API endpoint (Harbor, Artifactory, Nexus, ECR, GAR, ACR, Docker Hub, distribution, …). */
            type: 'registry';
            /**
             * Base URL of the registry's API, e.g. `https://registry.example.com`
             * or `https://registry.example.com:8443`; no credentials, query or
             * fragment. A registry whose `/v2/` lives under a path gets that
             * path: `https://art.example.com/artifactory/api/docker/docker-prod`
             * (Artifactory), `https://nexus.example.com/repository/docker-hosted`
             * (Nexus); repository paths go in the environment's `repository`
             * template, not here. Docker Hub is `https://docker.io`.
             * `http://` is only accepted together with `insecure: true`.
             */
            url: string;
            /**
             * Allow plain http:// for this registry. Only for registries on a
             * network you trust (a local test registry). Default false.
             */
            insecure?: boolean;
            /** How to authenticate; anonymous when absent. */
            credentials?:
              | {
                  /**
                   * User name for Basic auth or the registry's token service;
                   * write Harbor robot accounts as they are (`robot$ci+promoter`):
                   * only `${...}` is substituted in app-config.
                   */
                  username: string;
                  /**
                   * Password or access token for that user.
                   * @visibility secret
                   */
                  password: string;
                }
              | {
                  /**
                   * Path to a docker `config.json`; relative to the backend's
                   * working directory. For this registry's host, its
                   * `credHelpers` entry, else its `auths` entry, else its
                   * `credsStore` is used; helpers (`docker-credential-NAME`)
                   * run from the backend's PATH.
                   */
                  dockerConfig: string;
                }
              | {
                  /** Amazon ECR: tokens from GetAuthorizationToken. */
                  provider: 'ecr';
                  /** AWS region; derived from the registry host when absent. */
                  region?: string;
                  /**
                   * Access key id; the default AWS credential chain is used when absent.
                   * @visibility secret
                   */
                  accessKeyId?: string;
                  /**
                   * Secret access key, required with accessKeyId.
                   * @visibility secret
                   */
                  secretAccessKey?: string;
                  /**
                   * Session token for temporary credentials.
                   * @visibility secret
                   */
                  sessionToken?: string;
                  /** Role to assume (sts:AssumeRole) before asking for a registry token. */
                  roleArn?: string;
                  /**
                   * ECR API endpoint, e.g. a VPC interface endpoint
                   * `https://api.ecr.eu-west-1.vpce.amazonaws.com`; default the
                   * region's public endpoint (or `AWS_ENDPOINT_URL_ECR`).
                   */
                  endpoint?: string;
                }
              | {
                  /** Google Artifact Registry / Container Registry: OAuth2 access tokens. */
                  provider: 'gar';
                  /**
                   * Path to a Google credentials file (service account key, or
                   * workload identity federation config); application default
                   * credentials when neither key is given.
                   */
                  keyFile?: string;
                  /**
                   * The service account key as JSON text (instead of keyFile).
                   * @visibility secret
                   */
                  keyJson?: string;
                }
              | {
                  /** Azure Container Registry: AAD tokens exchanged for a registry refresh token. */
                  provider: 'acr';
                  /** Tenant of the service principal; required with clientSecret. */
                  tenantId?: string;
                  /** Client (application) id of the service principal or managed identity. */
                  clientId?: string;
                  /**
                   * Client secret of the service principal; the default Azure credential is used when absent.
                   * @visibility secret
                   */
                  clientSecret?: string;
                  /**
                   * Microsoft Entra authority of a sovereign cloud, e.g.
                   * `https://login.chinacloudapi.cn` or `https://login.microsoftonline.us`;
                   * default AZURE_AUTHORITY_HOST, else the public cloud.
                   */
                  authorityHost?: string;
                };
          }
        | {
            /**
             * A directory in the OCI image-layout format, one sub-directory
             * per repository (what skopeo's `oci:` and regctl's `ocidir://`
             * read). The embedded default for demos and air-gapped hand-over.
             */
            type: 'oci-layout';
            /** The directory; relative to the backend's working directory. */
            directory: string;
          };
    };

    /**
     * Pipelines by name. A component picks one with the
     * `image-promotion.io/pipeline` annotation; otherwise the default one is
     * used: the only pipeline, the one marked `default: true`, or the one
     * named `default`.
     */
    pipelines: {
      [name: string]: {
        /** Make this the default pipeline. At most one pipeline may say so. */
        default?: boolean;
        /** The environments, in promotion order (e.g. dev, qa, staging, prod). */
        environments: Array<{
          /** Identifier used in URLs and annotations: lowercase letters, digits, `-`, `_`. Unique in the pipeline. */
          id: string;
          /** Display name; defaults to the id. */
          title?: string;
          /** Name of an entry in `imagePromotion.registries`. */
          registry: string;
          /**
           * Repository of a component's image in this environment's
           * registry, with `{{ image }}` (the `image-promotion.io/image`
           * annotation), `{{ namespace }}` and `{{ name }}` (the entity's)
           * replaced, e.g. `team-a/{{ image }}`.
           */
          repository: string;
          /**
           * Tag that marks what runs in this environment (e.g. `qa`). When
           * set, it decides the current digest and is moved by every
           * promotion into the environment.
           */
          currentTag?: string;
          /**
           * Promote when ready: when the environment before this one gets a
           * new version (tracking finds it, or a promotion into it succeeds),
           * the plugin queues its promotion into this environment; it runs
           * once the policy's time gates pass (soak, freeze windows), and
           * still waits for approvals. Owners can pause it per service.
           * Not allowed on the first environment. Default false.
           */
          autoPromote?: boolean;
          /** Rules for promotions INTO this environment. */
          policy?: {
            /** Distinct approvals needed, never by the requester. Default 0. */
            approvals?: number;
            /**
             * Groups approvers must belong to, as entity refs
             * (`group:default/release-managers`, or just `release-managers`).
             * Empty: anyone the permission policy allows to approve.
             */
            approverGroups?: string[];
            /** Minimum time the digest must have been in the source environment. Default none. */
            soakTime?: ImagePromotionDuration;
            /** Windows in which promotions into this environment are refused. */
            freezeWindows?: Array<
              | {
                  /** Recurring every week on the wall clock of `timezone`. */
                  kind: 'weekly';
                  /**
                   * Days the window starts on: names (`fri`, `friday`),
                   * numbers (0 or 7 = Sunday … 6 = Saturday) or ranges
                   * (`mon-fri`). Default every day.
                   */
                  days?: Array<string | number>;
                  /** Start, `'HH:MM'` (quote it in YAML), inclusive. */
                  start: string;
                  /** End, `'HH:MM'` or `'24:00'`, exclusive; before start means the window spans midnight. */
                  end: string;
                  /** IANA time zone, e.g. `Europe/Berlin`. Default UTC. */
                  timezone?: string;
                  /** Shown when a promotion is refused, e.g. `Weekend freeze`. */
                  reason?: string;
                }
              | {
                  /** A single period. */
                  kind: 'once';
                  /** ISO-8601 instant with a UTC offset, e.g. `2026-12-19T00:00:00+01:00`. */
                  start: string;
                  /** ISO-8601 instant after start, exclusive. */
                  end: string;
                  /** Shown when a promotion is refused, e.g. `Year-end freeze`. */
                  reason?: string;
                }
            >;
            /** Never move an existing tag in this environment to another digest (its currentTag excepted). Default false. */
            immutableTags?: boolean;
            /**
             * Signature gate: the promoted digest must carry a signature by
             * every key listed, naming that digest, in either form cosign
             * writes with `cosign sign --key`: a Sigstore bundle attached as
             * an OCI referrer (verified with @sigstore/verify: a DSSE in-toto
             * statement with the digest as a subject, or a message signature
             * over the manifest), or a simple-signing signature in the
             * `sha256-<hex>.sig` tag of the source repository. By default the
             * key is the root of trust: transparency-log entries are neither
             * required nor checked (as `cosign verify --insecure-ignore-tlog`);
             * set `transparencyLog` to require them. Keyless (certificate)
             * bundles do not count. Gated environments are promoted with
             * referrers on, so the signatures travel too.
             */
            signatures?: {
              keys: Array<{
                /** How messages name the key (default: the path, else `key 1`, ...). */
                name?: string;
                /** The PEM public key, as in cosign.pub. Give this or `path`. */
                publicKey?: string;
                /** A PEM public key file readable by the backend. Give this or `publicKey`. */
                path?: string;
              }>;
              /**
               * Require transparency-log (Rekor) entries, verified offline:
               * a signature then counts only with `threshold` entries whose
               * inclusion proof or signed entry timestamp verifies with a log
               * key from the trusted root and whose body is that signature
               * (a bundle's `tlogEntries`; for a `.sig` signature, cosign's
               * `dev.sigstore.cosign/bundle` annotation, one entry). Default:
               * not required.
               */
              transparencyLog?: {
                /** Path to a Sigstore trusted root (`trusted_root.json`, e.g. from `cosign trusted-root create` or Sigstore's TUF repository); read at start-up. */
                trustedRoot: string;
                /** Distinct verified entries required per signature, 1–10; default 1. */
                threshold?: number;
              };
            };
            /**
             * `present` (default): the digest must have been seen in the
             * source environment; `current`: it must be what the source
             * environment runs now.
             */
            requirePreviousEnvironment?: 'current' | 'present';
            /** Allow promoting from an environment before the previous one. Default false. */
            allowSkip?: boolean;
            /** Let a rollback (a digest current here before) skip the soak time. Default true. */
            rollbackSkipsSoak?: boolean;
          };
        }>;
      };
    };

    /** The scheduled task that lists tags and resolves digests in every environment. */
    tracking?: {
      /** How often; default 5 minutes. Runs once per interval across all backend replicas. */
      frequency?: ImagePromotionDuration;
      /** How long one run may take before it is abandoned; default 10 minutes. */
      timeout?: ImagePromotionDuration;
      /**
       * Requests in flight at once to each registry (tag lists and tag
       * lookups), 1–256; default 8. Every registry has its own bound, shared
       * by all runs of a backend replica (schedule, webhook, refresh button;
       * the last two go first), so a slow or stalled registry fills only its
       * own and the others are tracked at full speed.
       */
      concurrency?: number;
      /**
       * `concurrency` of particular registries, by their name in
       * `imagePromotion.registries`: lower for a registry that rate-limits
       * (Docker Hub, a small self-hosted one), higher for one that takes more.
       */
      registryConcurrency?: { [registry: string]: number };
      /** Delay before the first run after start-up; default 15 seconds. */
      initialDelay?: ImagePromotionDuration;
      /**
       * Bound on one registry operation of a run (listing a repository's
       * tags, looking up one tag); default 60 seconds. A registry that misses
       * it, or refuses connections, is left alone for the rest of the run
       * (its environments keep their last known state) and holds up no other
       * registry.
       */
      registryTimeout?: ImagePromotionDuration;
      /**
       * How long a scheduled run trusts a tag it looked up, while the
       * repository's tag list does not change, before it looks the tag up
       * again (a HEAD request per tag); default 1 hour, `0` looks up every tag
       * on every run. A run always lists each repository's tags, and looks up
       * new tags, the first environment's current tag (CI moves it) and
       * tags a promotion moved. The registry webhook and the refresh button
       * look up every tag, so a moved tag shows at once where the webhook is
       * configured; without it, a tag moved in place (drift) shows within
       * this interval.
       */
      recheckInterval?: ImagePromotionDuration;
    };

    /**
     * Deadlines of every registry call. None bounds a whole transfer: a slow
     * but moving copy is never cut off, only silence is.
     */
    timeouts?: {
      /** TCP connect and TLS handshake of a new connection; default 10 seconds. */
      connect?: ImagePromotionDuration;
      /** From a request sent to the registry's response headers; default 20 seconds. */
      response?: ImagePromotionDuration;
      /** No body byte received or accepted for this long; default 20 seconds. */
      idle?: ImagePromotionDuration;
      /**
       * How long a preview, a promotion request, an approval or a refresh
       * waits on registries before the API answers 504 naming the
       * environment and registry; default 10 seconds.
       */
      apiRequest?: ImagePromotionDuration;
    };

    /** The registry-notification webhook (distribution's notification envelope); disabled when absent. */
    webhook?: {
      /**
       * Shared secret the registry sends with each notification, compared in
       * constant time; at least 16 characters.
       * @visibility secret
       */
      secret: string;
    };
  };
}
