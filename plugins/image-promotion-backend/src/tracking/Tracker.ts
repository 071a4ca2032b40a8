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

import type { LoggerService } from '@backstage/backend-plugin-api';
import type { PromotionListener } from '../notify';
import {
  Entity,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ANNOTATION_IMAGE,
  ANNOTATION_PIPELINE,
  ANNOTATION_TAG_PATTERN,
} from '@image-promotion/plugin-image-promotion-common';
import type { ImagePromotionConfig } from '../config';
import {
  ImagePromotionStores,
  TagState,
  tagStatesKey,
  TrackedComponent,
  TrackedComponentInput,
  TrackingErrorStore,
} from '../database';
import type { Environment, Pipeline } from '../domain/types';
import type { RegistryAccess } from '../registry/RegistryAccess';
import { systemErrorPhrase } from '../promotion/describeFailure';
import {
  describeRegistry,
  registryFailure,
  RegistryUnavailableError,
} from '../registry/registryFailure';
import { Limiter, mapWithConcurrency } from './concurrency';
import { RegistryCircuits } from './registryCircuits';
import { SnapshotWriter } from './SnapshotWriter';

/** Where the tracker learns which components opted in. */
export interface ComponentSource {
  /** Catalog entities carrying the `image-promotion.io/image` annotation. */
  listAnnotatedEntities(): Promise<Entity[]>;
}

/** Digests an environment of a component holds for the first time. */
export interface NewVersions {
  entityRef: string;
  environment: string;
  digests: string[];
}

/** How an environment skipped because its registry failed earlier in the run says so. */
const NOT_REFRESHED = 'not refreshed in this run: ';

/** What one refresh of a component did. */
export interface RefreshResult {
  entityRef: string;
  environments: {
    id: string;
    tags: number;
    newDigests: number;
    drift: number;
    /** Registry requests made for this environment (tag list and lookups). */
    requests: number;
    error?: string;
  }[];
}

/** How a run treats tags it already knows. */
interface RunMode {
  /** Look up every tag (webhook, refresh button) instead of only those that need it. */
  full: boolean;
  /** What each tag pointed to when the run started, by component and environment. */
  known: Map<string, TagState[]>;
  /** When the known states were read: the run observes the registries as of then. */
  knownAt: Date;
}

/** What a run still writes for one registry once all its environments are read. */
interface RegistryRun {
  /** Environments found unchanged, whose tagged versions are marked seen. */
  unchanged: Array<{ entityRef: string; environment: string }>;
  /** Every environment read (or not) from this registry. */
  outcomes: Array<{ entityRef: string; id: string; error?: string }>;
}

/**
 * Environments of one registry being refreshed at once, per request it may
 * have in flight: an environment waiting for its write or its next request
 * holds no request slot, so a few more keep the registry busy.
 */
const ENVIRONMENTS_PER_REQUEST = 4;

/** A tag lookup this tracker made: the digest it found, and when. */
interface Check {
  digest: string;
  at: number;
}

/** Spreads re-checks over 75–100 % of the interval, so tags looked up together are not all due in one run. */
function recheckSpread(key: string): number {
  let hash = 0;
  for (let i = 0; i < key.length; i++) {
    hash = (hash * 31 + key.charCodeAt(i)) | 0;
  }
  return 0.75 + ((hash >>> 0) % 1000) / 4000;
}

/** Turns a catalog entity into a tracked component, or undefined when it has not opted in. */
export function toTrackedComponent(
  entity: Entity,
  config: Pick<ImagePromotionConfig, 'defaultPipeline'>,
): TrackedComponentInput | undefined {
  const annotations = entity.metadata.annotations ?? {};
  const image = annotations[ANNOTATION_IMAGE]?.trim();
  if (!image) return undefined;
  const spec = (entity.spec ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    entityRef: stringifyEntityRef(getCompoundEntityRef(entity)),
    image,
    pipeline:
      annotations[ANNOTATION_PIPELINE]?.trim() || config.defaultPipeline,
    tagPattern: annotations[ANNOTATION_TAG_PATTERN]?.trim() || null,
    title: entity.metadata.title ?? entity.metadata.name,
    owner: str(spec.owner),
    system: str(spec.system),
    lifecycle: str(spec.lifecycle),
  };
}

/** Compiles a tag pattern (a regular expression, anchored) or says what is wrong with it. */
export function compileTagPattern(pattern: string | null): RegExp | undefined {
  if (!pattern) return undefined;
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (error) {
    throw new Error(
      `annotation ${ANNOTATION_TAG_PATTERN} "${pattern}" is not a valid regular expression: ${
        (error as Error).message
      }`,
    );
  }
}

/**
 * Keeps the store in step with the registries: which digests each
 * environment holds, under which tags, and which tags moved without a
 * promotion (drift).
 */
export class Tracker {
  /**
   * The tags this replica looked up, by component, environment and tag. A
   * scheduled run trusts a known tag whose state still has the digest looked
   * up here, until its re-check is due; another replica, or a restart,
   * starts without it and looks everything up once.
   */
  private readonly checks = new Map<string, Check>();
  /**
   * Registry requests in flight, one bound per configured registry and
   * shared by every run of this replica (the schedule, the webhook, the
   * refresh button), so a slow registry fills only its own.
   */
  private readonly pools = new Map<string, Limiter>();
  /** Writes what runs found in batches, one transaction per batch. */
  private readonly writer: SnapshotWriter;

  constructor(
    private readonly deps: {
      stores: Pick<ImagePromotionStores, 'components' | 'tags'>;
      config: ImagePromotionConfig;
      access: RegistryAccess;
      components: ComponentSource;
      logger: LoggerService;
      /** Told when drift is found, so the owners hear of it. */
      listener?: PromotionListener;
      /** Told when an environment holds digests it never held before (auto-promotion). */
      onNewVersions?: (change: NewVersions) => void;
      /** Keeps why an environment could not be read, for its lane. */
      trackingErrors?: TrackingErrorStore;
    },
  ) {
    this.writer = new SnapshotWriter(deps.stores.tags);
  }

  /** The request bound of a registry (by its configured name). */
  private pool(registry: string): Limiter {
    let pool = this.pools.get(registry);
    if (!pool) {
      const { concurrency, registryConcurrency } = this.deps.config.tracking;
      pool = new Limiter(registryConcurrency?.[registry] ?? concurrency);
      this.pools.set(registry, pool);
    }
    return pool;
  }

  /** Reads the opted-in components from the catalog into the store. */
  async syncComponents(): Promise<TrackedComponent[]> {
    const entities = await this.deps.components.listAnnotatedEntities();
    const tracked = entities
      .map(e => toTrackedComponent(e, this.deps.config))
      .filter((c): c is TrackedComponentInput => c !== undefined);
    await this.deps.stores.components.upsertComponents(tracked);
    await this.deps.stores.components.removeComponentsNotIn(
      tracked.map(c => c.entityRef),
    );
    return this.deps.stores.components.listComponents();
  }

  /** Syncs components and refreshes every component × environment. */
  async refreshAll(signal?: AbortSignal): Promise<RefreshResult[]> {
    const started = Date.now();
    const components = await this.syncComponents();
    const results = await this.refreshMany(
      components,
      new RegistryCircuits(this.deps.config.tracking.registryTimeoutMs, signal),
      { full: false },
    );
    // Forget the lookups of components no longer tracked.
    const tracked = new Set(components.map(c => c.entityRef));
    for (const key of this.checks.keys()) {
      if (!tracked.has(key.slice(0, key.indexOf('\u0000')))) {
        this.checks.delete(key);
      }
    }
    const pairs = results.reduce((n, r) => n + r.environments.length, 0);
    const errors = results.reduce(
      (n, r) => n + r.environments.filter(e => e.error).length,
      0,
    );
    const requests = results.reduce(
      (n, r) => n + r.environments.reduce((m, e) => m + (e?.requests ?? 0), 0),
      0,
    );
    this.deps.logger.info(
      `Image promotion tracking refreshed ${pairs} component-environments of ${
        components.length
      } components in ${
        Date.now() - started
      } ms with ${requests} registry requests (${errors} failed)`,
    );
    return results;
  }

  /**
   * Refreshes one component in every environment of its pipeline; each
   * registry operation is bounded by `timeoutMs` (default the tracking
   * run's `registryTimeout`).
   */
  async refreshComponent(
    component: TrackedComponent | TrackedComponentInput,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<RefreshResult> {
    const [result] = await this.refreshComponents([component], options);
    return result;
  }

  /**
   * Refreshes some components as one run, looking up every tag (the webhook
   * and the refresh button: something moved): a registry given up on for one
   * is given up on for all.
   */
  async refreshComponents(
    components: ReadonlyArray<TrackedComponent | TrackedComponentInput>,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<RefreshResult[]> {
    return this.refreshMany(
      components,
      new RegistryCircuits(
        options.timeoutMs ?? this.deps.config.tracking.registryTimeoutMs,
        options.signal,
      ),
      { full: true },
    );
  }

  /**
   * Refreshes components × environments with one queue per registry, each
   * bounded by the registry's own request limit, so a registry that is slow
   * or stalls delays only its own environments: the others are read,
   * written, marked seen and cleared of errors as soon as their own
   * registry is done.
   */
  private async refreshMany(
    components: ReadonlyArray<TrackedComponent | TrackedComponentInput>,
    circuits: RegistryCircuits,
    options: { full: boolean },
  ): Promise<RefreshResult[]> {
    const knownAt = new Date();
    const mode: RunMode = {
      full: options.full,
      known: await this.deps.stores.tags.listTagStatesOf(
        components.map(c => c.entityRef),
      ),
      knownAt,
    };
    const results: RefreshResult[] = [];
    const queues = new Map<string, Array<() => Promise<void>>>();
    const runs = new Map<string, RegistryRun>();
    for (const component of components) {
      const result: RefreshResult = {
        entityRef: component.entityRef,
        environments: [],
      };
      results.push(result);
      const prepared = this.prepare(component);
      if (!prepared) continue;
      prepared.pipeline.environments.forEach((environment, index) => {
        const queue = queues.get(environment.registry) ?? [];
        queues.set(environment.registry, queue);
        const run = runs.get(environment.registry) ?? {
          unchanged: [],
          outcomes: [],
        };
        runs.set(environment.registry, run);
        queue.push(async () => {
          const outcome = await this.refreshEnvironment(
            component,
            environment,
            prepared.pattern,
            index === 0,
            circuits,
            mode,
            run,
          );
          result.environments[index] = outcome;
          run.outcomes.push({ entityRef: component.entityRef, ...outcome });
        });
      });
    }
    await Promise.all(
      [...queues].map(async ([registry, queue]) => {
        await mapWithConcurrency(
          queue,
          this.pool(registry).limit * ENVIRONMENTS_PER_REQUEST,
          job => job(),
        );
        await this.finishRegistry(registry, runs.get(registry)!, circuits);
      }),
    );
    return results;
  }

  /**
   * Writes what a registry's part of a run leaves: its unchanged
   * environments' versions are marked seen, why environments could not be
   * read is stored and forgotten for those read again (a stopped run proves
   * nothing).
   */
  private async finishRegistry(
    registry: string,
    run: RegistryRun,
    circuits: RegistryCircuits,
  ): Promise<void> {
    try {
      if (run.unchanged.length) {
        await this.deps.stores.tags.touchTaggedVersions(run.unchanged);
      }
      if (!this.deps.trackingErrors || circuits.runAborted) return;
      await this.deps.trackingErrors.record(
        run.outcomes.map(o => ({
          entityRef: o.entityRef,
          environment: o.id,
          ...(o.error !== undefined
            ? { error: o.error.replace(NOT_REFRESHED, '') }
            : {}),
        })),
      );
    } catch (error) {
      this.deps.logger.warn(
        `Could not store what tracking found in registry ${registry}: ${error}`,
      );
    }
  }

  /** A component's pipeline and tag pattern, or undefined (with a warning) when it cannot be tracked. */
  private prepare(
    component: TrackedComponent | TrackedComponentInput,
  ): { pipeline: Pipeline; pattern: RegExp | undefined } | undefined {
    const pipeline = this.deps.config.pipelines.get(component.pipeline);
    if (!pipeline) {
      this.deps.logger.warn(
        `${component.entityRef} names pipeline "${component.pipeline}", which is not configured; it is not tracked`,
      );
      return undefined;
    }
    try {
      return {
        pipeline,
        pattern: compileTagPattern(component.tagPattern ?? null),
      };
    } catch (error) {
      this.deps.logger.warn(
        `${component.entityRef}: ${(error as Error).message}`,
      );
      return undefined;
    }
  }

  /** Runs one registry operation under the run's circuits, translating its failure into the user's terms. */
  private async call<T>(
    circuits: RegistryCircuits,
    mode: RunMode,
    environment: Environment,
    action: string,
    operation: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    // Waiting for a place is bounded by the operations ahead (each has its
    // deadline), the run and the registry's circuit; the deadline of this
    // operation starts when it is sent.
    let signal = circuits.waitSignal(environment.registry);
    try {
      return await this.pool(environment.registry).run(
        () => {
          signal = circuits.signal(environment.registry);
          return operation(signal);
        },
        // A webhook or a person waits on full runs: ahead of the schedule.
        { signal, urgent: mode.full },
      );
    } catch (error) {
      const failure = registryFailure(error, {
        ...this.deps.access.place(environment),
        action,
        signal,
        deadlineMs: circuits.deadlineMs,
      });
      circuits.record(environment.registry, failure);
      // A directory registry's file system error, in words naming it.
      const phrase =
        failure instanceof RegistryUnavailableError
          ? undefined
          : systemErrorPhrase(failure.message);
      if (phrase) {
        const code = /\b(E[A-Z]+)\b/.exec(failure.message)?.[1];
        throw new Error(
          `${describeRegistry(
            this.deps.access.place(environment),
          )} cannot be read while ${action}: ${phrase} (${code})`,
          { cause: error },
        );
      }
      throw failure;
    }
  }

  /**
   * Lists an environment's tags and looks up those that need it: all of
   * them in a full run; else the new ones, the first environment's current
   * tag, those whose recorded digest is not the one this tracker last saw
   * (a promotion moved them) and those due for their periodic re-check. An
   * environment whose tags all match what is recorded is not written.
   */
  private async refreshEnvironment(
    component: TrackedComponent | TrackedComponentInput,
    environment: Environment,
    pattern: RegExp | undefined,
    isFirst: boolean,
    circuits: RegistryCircuits,
    mode: RunMode,
    run: Pick<RegistryRun, 'unchanged'>,
  ): Promise<RefreshResult['environments'][number]> {
    // The known states were read before anything was listed, so the listing
    // observes the registry as of then: a tag a promotion records meanwhile
    // is newer than the observation and left alone by applyTagSnapshot.
    const observedAt = mode.full ? new Date() : mode.knownAt;
    let requests = 0;
    const givenUp = circuits.failure(environment.registry);
    if (givenUp) {
      return {
        id: environment.id,
        tags: 0,
        newDigests: 0,
        drift: 0,
        requests,
        error: `${NOT_REFRESHED}${givenUp}`,
      };
    }
    try {
      const repository = this.deps.access.repository(
        environment,
        component.image,
        component.entityRef,
      );
      const path = this.deps.access.repositoryPath(
        environment,
        component.image,
        component.entityRef,
      );
      requests += 1;
      const allTags = await this.call(
        circuits,
        mode,
        environment,
        `listing the tags of ${path}`,
        signal => repository.listTags(signal),
      );
      const tags = allTags.filter(
        t =>
          // Signature/attestation tags are artefacts, not versions.
          !/^sha256-[0-9a-f]{64}(\.\w+)?$/.test(t) &&
          (!pattern || pattern.test(t) || t === environment.currentTag),
      );
      const environmentKey = tagStatesKey(component.entityRef, environment.id);
      const known = new Map(
        (mode.known.get(environmentKey) ?? []).map(s => [s.tag, s.digest]),
      );
      const now = Date.now();
      const recheckMs = this.deps.config.tracking.recheckIntervalMs;
      const trusted = (tag: string): string | undefined => {
        if (mode.full || recheckMs <= 0) return undefined;
        if (isFirst && tag === environment.currentTag) return undefined;
        const digest = known.get(tag);
        const check = this.checks.get(`${environmentKey}\u0000${tag}`);
        if (!digest || !check || check.digest !== digest) return undefined;
        const due =
          now - check.at >=
          recheckMs * recheckSpread(`${environmentKey}${tag}`);
        return due ? undefined : digest;
      };
      // Bounded by the registry's pool; every lookup may start at once.
      const resolved = await Promise.all(
        tags.map(async tag => {
          const digest = trusted(tag);
          if (digest) return { tag, digest };
          requests += 1;
          const descriptor = await this.call(
            circuits,
            mode,
            environment,
            `looking up tag ${tag} of ${path}`,
            signal => repository.resolve(tag, signal),
          );
          if (!descriptor) return undefined;
          this.checks.set(`${environmentKey}\u0000${tag}`, {
            digest: descriptor.digest,
            at: now,
          });
          return { tag, digest: descriptor.digest };
        }),
      );
      const observed = resolved.filter(
        (o): o is { tag: string; digest: string } => o !== undefined,
      );
      for (const tag of known.keys()) {
        if (!tags.includes(tag)) {
          this.checks.delete(`${environmentKey}\u0000${tag}`);
        }
      }
      const unchanged =
        observed.length === known.size &&
        observed.every(o => known.get(o.tag) === o.digest);
      if (unchanged) {
        run.unchanged.push({
          entityRef: component.entityRef,
          environment: environment.id,
        });
        return {
          id: environment.id,
          tags: observed.length,
          newDigests: 0,
          drift: 0,
          requests,
        };
      }
      const result = await this.writer.write({
        entityRef: component.entityRef,
        environment: environment.id,
        observed,
        observedAt,
        // CI pushes into the first environment and moves its current tag.
        movableTags:
          isFirst && environment.currentTag ? [environment.currentTag] : [],
      });
      for (const drift of result.driftEvents) {
        this.deps.logger.warn(
          `Drift: ${component.entityRef} ${environment.id} tag ${drift.tag} moved from ${drift.previousDigest} to ${drift.newDigest} without a promotion`,
        );
      }
      this.deps.listener?.driftFound(result.driftEvents);
      if (result.newDigests.length) {
        this.deps.onNewVersions?.({
          entityRef: component.entityRef,
          environment: environment.id,
          digests: result.newDigests,
        });
      }
      return {
        id: environment.id,
        tags: observed.length,
        newDigests: result.newDigests.length,
        drift: result.driftEvents.length,
        requests,
      };
    } catch (error) {
      const message = (error as Error).message;
      this.deps.logger.warn(
        `Tracking ${component.entityRef} in ${environment.id} failed: ${message}`,
      );
      return {
        id: environment.id,
        tags: 0,
        newDigests: 0,
        drift: 0,
        requests,
        error: message,
      };
    }
  }
}
