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

import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import type { PromotionChanges } from '../changes';
import type { ImagePromotionConfig } from '../config';
import type {
  ImagePromotionStores,
  Promotion,
  TrackedComponent,
} from '../database';
import type { Environment, Pipeline } from '../domain/types';
import type { PromotionListener } from '../notify';
import {
  evaluatePolicy,
  failedGates,
  PolicyGateResult,
  requestVerdict,
} from '../policy';
import type { SignatureFacts } from '../policy/types';
import type { RegistryAccess } from '../registry/RegistryAccess';
import { checkSignatures } from '../signatures/checkSignatures';
import {
  CallerGoneError,
  isDeadline,
  registryFailure,
} from '../registry/registryFailure';

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/** What a client asks for. */
export interface PromotionRequest {
  entityRef: string;
  targetEnvironment: string;
  /** Defaults to the environment before the target. */
  sourceEnvironment?: string;
  digest?: string;
  sourceTag?: string;
  targetTag?: string;
  reason?: string;
}

/** A request resolved against config, store and registries, with its policy verdict. */
export interface PromotionPlan {
  component: TrackedComponent;
  pipeline: Pipeline;
  source: Environment;
  target: Environment;
  digest: string;
  sourceTag: string | null;
  targetTag: string;
  isRollback: boolean;
  gates: PolicyGateResult[];
  /** True when nothing fails. */
  allowed: boolean;
  /** True when a request is accepted but waits for approvals (and maybe for `eligibleAt`). */
  needsApproval: boolean;
  /** True when a request is accepted: only approvals and time gates (soak, freeze) hold it. */
  canRequest: boolean;
  /** When the failed soak and freeze gates pass by themselves; undefined when none failed. */
  eligibleAt?: Date;
  /** Who has approved this digest for an existing promotion, in order; empty for a new request. */
  approvers: string[];
}

/** A policy refusal: the failed gates travel to the client (HTTP 409). */
export class PolicyRefusedError extends ConflictError {
  constructor(readonly gates: PolicyGateResult[]) {
    super(
      `Promotion refused by policy: ${failedGates(gates)
        .map(g => g.message)
        .join(' ')}`,
    );
  }
}

/** How long registry calls made for one request may take, and who can stop them. */
export interface RegistryCallOptions {
  /** Fires at the deadline or when the caller goes away. */
  signal?: AbortSignal;
  /** The deadline behind `signal`, for messages. */
  deadlineMs?: number;
}

/** Who acts, as the router learned from Backstage auth. */
export interface Actor {
  /** User entity ref, or the service principal's subject for CI. */
  userEntityRef: string;
  /** Entity refs the user owns or belongs to (groups). */
  ownershipEntityRefs: string[];
}

/**
 * The promotion workflow: plan and preview, request, approve, reject and
 * cancel. Policy is evaluated here on request; the worker evaluates it again
 * right before copying.
 */
export class PromotionService {
  constructor(
    private readonly deps: {
      stores: Pick<
        ImagePromotionStores,
        'components' | 'tags' | 'promotions' | 'approvals'
      >;
      config: ImagePromotionConfig;
      access: RegistryAccess;
      /** Told when a promotion becomes queued, so a worker starts at once. */
      onQueued?: () => void;
      /** Told about every change, for notifications and live updates. */
      listener?: PromotionListener;
      /** Compares the candidate with the target's current image and keeps that with each promotion. */
      changes?: PromotionChanges;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Finds a tracked component and its pipeline, or throws NotFoundError. */
  async component(
    entityRef: string,
  ): Promise<{ component: TrackedComponent; pipeline: Pipeline }> {
    const component = await this.deps.stores.components.getComponent(entityRef);
    if (!component) {
      throw new NotFoundError(
        `${entityRef} is not tracked: add the annotation image-promotion.io/image to it, or wait for the next catalog sync`,
      );
    }
    const pipeline = this.deps.config.pipelines.get(component.pipeline);
    if (!pipeline) {
      throw new NotFoundError(
        `${entityRef} uses pipeline "${component.pipeline}", which is not configured`,
      );
    }
    return { component, pipeline };
  }

  /** Resolves a request into a plan and evaluates every gate, without side effects. */
  async plan(
    request: PromotionRequest,
    requester: string,
    approvals: Promotion | undefined = undefined,
    call: RegistryCallOptions = {},
  ): Promise<PromotionPlan> {
    const { component, pipeline } = await this.component(request.entityRef);
    const targetIndex = pipeline.environments.findIndex(
      e => e.id === request.targetEnvironment,
    );
    if (targetIndex < 0) {
      throw new NotFoundError(
        `environment "${request.targetEnvironment}" is not part of pipeline "${
          pipeline.name
        }"; it has ${pipeline.environments.map(e => e.id).join(', ')}`,
      );
    }
    if (targetIndex === 0 && !request.sourceEnvironment) {
      throw new InputError(
        `${request.targetEnvironment} is the first environment of pipeline "${pipeline.name}": images enter it from CI, not by promotion`,
      );
    }
    const target = pipeline.environments[targetIndex];
    const sourceId =
      request.sourceEnvironment ?? pipeline.environments[targetIndex - 1].id;
    const source = pipeline.environments.find(e => e.id === sourceId);
    if (!source) {
      throw new NotFoundError(
        `source environment "${sourceId}" is not part of pipeline "${pipeline.name}"`,
      );
    }
    if (source.id === target.id) {
      throw new InputError('source and target environment are the same');
    }

    const { digest, sourceTag } = await this.resolveDigest(
      request,
      component,
      source,
      call,
    );
    const targetTag = await this.chooseTargetTag(
      request,
      component,
      source,
      digest,
      sourceTag,
    );

    const stores = this.deps.stores;
    const entityRef = component.entityRef;
    const [sourceCurrent, sourceVersion, targetCurrent, wasCurrent] =
      await Promise.all([
        stores.tags.getCurrent(entityRef, source.id, {
          currentTag: source.currentTag,
        }),
        stores.tags.getVersion(entityRef, source.id, digest),
        stores.tags.getCurrent(entityRef, target.id, {
          currentTag: target.currentTag,
        }),
        stores.tags.wasCurrentBefore(entityRef, target.id, digest, {
          currentTag: target.currentTag,
        }),
      ]);
    const isRollback = wasCurrent && targetCurrent?.digest !== digest;
    const targetTagDigest = await this.targetTagDigest(
      component,
      target,
      targetTag,
      call,
    );
    const recorded = approvals
      ? await stores.approvals.listApprovals(approvals.id)
      : [];
    const signatures = await this.signatureFacts(
      component,
      source,
      target,
      digest,
      call,
    );
    const gates = evaluatePolicy({
      pipeline,
      targetEnvironmentId: target.id,
      sourceEnvironmentId: source.id,
      digest,
      targetTag,
      requester,
      now: this.now(),
      isRollback,
      facts: {
        sourceCurrentDigest: sourceCurrent?.digest,
        sourceVersion: sourceVersion
          ? { digest, firstSeen: sourceVersion.firstSeen }
          : undefined,
        targetTagDigest,
        approvals: recorded.map(a => ({
          approver: a.approver,
          digest: a.digest,
          decision: a.decision,
        })),
        // Group membership is checked when an approval is given, so every
        // recorded approver counts as a member of the approver groups.
        approverGroupMembership: Object.fromEntries(
          recorded.map(a => [a.approver, target.policy.approverGroups]),
        ),
        ...(signatures ? { signatures } : {}),
      },
    });
    const failed = failedGates(gates);
    const verdict = requestVerdict(gates);
    return {
      component,
      pipeline,
      source,
      target,
      digest,
      sourceTag,
      targetTag,
      isRollback,
      gates,
      allowed: failed.length === 0,
      needsApproval: verdict.acceptable && verdict.needsApproval,
      canRequest: verdict.acceptable,
      eligibleAt: verdict.acceptable ? verdict.eligibleAt : undefined,
      approvers: [
        ...new Set(
          recorded
            .filter(a => a.decision === 'approved' && a.digest === digest)
            .map(a => a.approver),
        ),
      ],
    };
  }

  /**
   * The signatures of the digest in the source environment (cosign `.sig`
   * tag and Sigstore bundle referrers), checked against the target's keys;
   * undefined when the target has no signature gate. A registry that cannot
   * be read fails the gate, in words.
   */
  private async signatureFacts(
    component: TrackedComponent,
    source: Environment,
    target: Environment,
    digest: string,
    call: RegistryCallOptions,
  ): Promise<SignatureFacts | undefined> {
    const keys = target.policy.signatureKeys;
    if (keys.length === 0) return undefined;
    const repository = this.deps.access.repository(
      source,
      component.image,
      component.entityRef,
    );
    try {
      return await checkSignatures(
        repository,
        digest,
        { keys, transparencyLog: target.policy.signatureTransparencyLog },
        call.signal,
      );
    } catch (error) {
      const failure = registryFailure(error, {
        ...this.deps.access.place(source),
        action: `reading the signatures of ${digest}`,
        ...call,
      });
      return { verifiedBy: [], found: [failure.message] };
    }
  }

  private async resolveDigest(
    request: PromotionRequest,
    component: TrackedComponent,
    source: Environment,
    call: RegistryCallOptions,
  ): Promise<{ digest: string; sourceTag: string | null }> {
    if (request.digest !== undefined) {
      if (!DIGEST.test(request.digest)) {
        throw new InputError(
          `digest "${request.digest}" is not a sha256 digest; expected sha256: followed by 64 lowercase hex characters`,
        );
      }
      return { digest: request.digest, sourceTag: request.sourceTag ?? null };
    }
    if (request.sourceTag === undefined) {
      throw new InputError('give either digest or sourceTag');
    }
    if (!TAG.test(request.sourceTag)) {
      throw new InputError(
        `sourceTag "${request.sourceTag}" is not a valid tag (letters, digits, _ . -, at most 128, not starting with . or -)`,
      );
    }
    const repository = this.deps.access.repository(
      source,
      component.image,
      component.entityRef,
    );
    let descriptor;
    try {
      descriptor = await repository.resolve(request.sourceTag, call.signal);
    } catch (error) {
      throw registryFailure(error, {
        ...this.deps.access.place(source),
        action: `looking up tag ${request.sourceTag} of ${component.image}`,
        ...call,
      });
    }
    if (!descriptor) {
      throw new NotFoundError(
        `tag "${request.sourceTag}" was not found in ${source.id} (${repository.location})`,
      );
    }
    return { digest: descriptor.digest, sourceTag: request.sourceTag };
  }

  private async chooseTargetTag(
    request: PromotionRequest,
    component: TrackedComponent,
    source: Environment,
    digest: string,
    sourceTag: string | null,
  ): Promise<string> {
    const explicit = request.targetTag ?? sourceTag ?? undefined;
    if (explicit !== undefined) {
      if (!TAG.test(explicit)) {
        throw new InputError(
          `targetTag "${explicit}" is not a valid tag (letters, digits, _ . -, at most 128, not starting with . or -)`,
        );
      }
      return explicit;
    }
    const version = await this.deps.stores.tags.getVersion(
      component.entityRef,
      source.id,
      digest,
    );
    const candidate = version?.tags.find(
      t => t !== source.currentTag && t !== 'latest',
    );
    if (!version) {
      throw new InputError(
        `digest ${digest} has never been seen in ${source.id}, so no tag can be taken from it; promote a version present in ${source.id}, or give targetTag to see the policy verdict`,
      );
    }
    if (!candidate) {
      throw new InputError(
        `digest ${digest} has no version tag in ${source.id}; give targetTag`,
      );
    }
    return candidate;
  }

  private async targetTagDigest(
    component: TrackedComponent,
    target: Environment,
    tag: string,
    call: RegistryCallOptions,
  ): Promise<string | undefined> {
    try {
      const repository = this.deps.access.repository(
        target,
        component.image,
        component.entityRef,
      );
      return (await repository.resolve(tag, call.signal))?.digest;
    } catch {
      // An unreachable (or stalled, past the deadline) target registry is not
      // a reason to refuse a preview; fall back to what tracking last saw,
      // and the worker checks again.
      const states = await this.deps.stores.tags.listTagStates(
        component.entityRef,
        target.id,
      );
      return states.find(s => s.tag === tag)?.digest;
    }
  }

  /**
   * Creates a promotion: queued, or waiting for approvals; during a soak or a
   * freeze window it is accepted too and the worker starts it once those end.
   * Refuses with the failed gates otherwise.
   */
  async request(
    request: PromotionRequest,
    actor: Actor,
    call: RegistryCallOptions = {},
  ): Promise<Promotion> {
    const plan = await this.plan(request, actor.userEntityRef, undefined, call);
    if (!plan.canRequest) {
      throw new PolicyRefusedError(plan.gates);
    }
    // A caller who gave up gets nothing created behind their back (a passed
    // deadline is different: that caller still waits for the answer).
    if (call.signal?.aborted && !isDeadline(call.signal)) {
      throw new CallerGoneError();
    }
    // Compared before the promotion exists, so no worker can have moved the
    // target yet; the preview has usually read both images already.
    const changes = await this.deps.changes?.compare(
      {
        entityRef: plan.component.entityRef,
        image: plan.component.image,
        source: plan.source,
        target: plan.target,
        digest: plan.digest,
      },
      call,
    );
    const promotion = await this.deps.stores.promotions.createPromotion({
      entityRef: plan.component.entityRef,
      sourceEnvironment: plan.source.id,
      targetEnvironment: plan.target.id,
      digest: plan.digest,
      sourceTag: plan.sourceTag,
      targetTag: plan.targetTag,
      reason: request.reason ?? null,
      status: plan.needsApproval ? 'pending_approval' : 'queued',
      requestedBy: actor.userEntityRef,
      isRollback: plan.isRollback,
      gateResults: plan.gates,
      eligibleAt: plan.eligibleAt ?? null,
      now: this.now(),
    });
    if (changes) await this.deps.changes?.record(promotion.id, changes);
    if (promotion.status === 'queued') this.deps.onQueued?.();
    this.deps.listener?.promotionChanged({
      promotion,
      previous: null,
      actor: actor.userEntityRef,
    });
    return promotion;
  }

  /**
   * Asks again for what a finished promotion asked for (same component,
   * environments, digest and tags), as `actor`; the policy decides anew.
   */
  async retry(id: string, actor: Actor, reason?: string): Promise<Promotion> {
    const previous = await this.mustGet(id);
    if (!['failed', 'rejected', 'cancelled'].includes(previous.status)) {
      throw new ConflictError(
        `promotion ${id} is ${previous.status}; only a failed, rejected or cancelled promotion can be retried`,
      );
    }
    return this.request(
      {
        entityRef: previous.entityRef,
        sourceEnvironment: previous.sourceEnvironment,
        targetEnvironment: previous.targetEnvironment,
        digest: previous.digest,
        sourceTag: previous.sourceTag ?? undefined,
        targetTag: previous.targetTag,
        reason: reason ?? previous.reason ?? undefined,
      },
      actor,
    );
  }

  /** Re-plans an existing promotion (approvals included), as right before copying. */
  async replan(
    promotion: Promotion,
    call: RegistryCallOptions = {},
  ): Promise<PromotionPlan> {
    return this.plan(
      {
        entityRef: promotion.entityRef,
        targetEnvironment: promotion.targetEnvironment,
        sourceEnvironment: promotion.sourceEnvironment,
        digest: promotion.digest,
        sourceTag: promotion.sourceTag ?? undefined,
        targetTag: promotion.targetTag,
      },
      promotion.requestedBy,
      promotion,
      call,
    );
  }

  private async mustGet(id: string): Promise<Promotion> {
    const promotion = await this.deps.stores.promotions.getPromotion(id);
    if (!promotion) throw new NotFoundError(`promotion ${id} does not exist`);
    return promotion;
  }

  /** Records an approval; queues the promotion once every approval gate passes. */
  async approve(
    id: string,
    actor: Actor,
    comment?: string,
    call: RegistryCallOptions = {},
  ): Promise<Promotion> {
    const promotion = await this.mustGet(id);
    if (promotion.status !== 'pending_approval') {
      throw new ConflictError(
        `promotion ${id} is ${promotion.status}, not waiting for approval`,
      );
    }
    if (promotion.requestedBy === actor.userEntityRef) {
      throw new NotAllowedError(
        'you requested this promotion, so someone else must approve it (four-eyes rule)',
      );
    }
    const { pipeline } = await this.component(promotion.entityRef);
    const target = pipeline.environments.find(
      e => e.id === promotion.targetEnvironment,
    );
    const groups = target?.policy.approverGroups ?? [];
    // Entity refs compare case-insensitively, as the catalog does.
    const owned = new Set(actor.ownershipEntityRefs.map(r => r.toLowerCase()));
    if (groups.length && !groups.some(g => owned.has(g.toLowerCase()))) {
      throw new NotAllowedError(
        `approvals into ${
          promotion.targetEnvironment
        } must come from a member of ${groups.join(', ')}`,
      );
    }
    await this.deps.stores.approvals.addApproval({
      promotionId: id,
      approver: actor.userEntityRef,
      digest: promotion.digest,
      decision: 'approved',
      comment: comment ?? null,
    });
    const plan = await this.replan(promotion, call);
    const approvals = plan.gates.find(g => g.gate === 'approvals');
    let moved = false;
    if (approvals?.passed) {
      moved = await this.deps.stores.promotions.transition(id, {
        from: ['pending_approval'],
        to: 'queued',
        actor: actor.userEntityRef,
        message: 'approved',
      });
      if (moved) this.deps.onQueued?.();
    }
    const updated = await this.mustGet(id);
    this.deps.listener?.promotionChanged({
      promotion: updated,
      previous: moved ? 'pending_approval' : updated.status,
      actor: actor.userEntityRef,
      approval: {
        approver: actor.userEntityRef,
        comment: comment ?? null,
        approvers: plan.approvers,
        required: plan.target.policy.approvals,
      },
    });
    return updated;
  }

  /** Records a rejection; the promotion ends as rejected. */
  async reject(id: string, actor: Actor, comment?: string): Promise<Promotion> {
    const promotion = await this.mustGet(id);
    if (promotion.status !== 'pending_approval') {
      throw new ConflictError(
        `promotion ${id} is ${promotion.status}, not waiting for approval`,
      );
    }
    if (promotion.requestedBy === actor.userEntityRef) {
      throw new NotAllowedError(
        'you requested this promotion; cancel it instead of rejecting it',
      );
    }
    await this.deps.stores.approvals.addApproval({
      promotionId: id,
      approver: actor.userEntityRef,
      digest: promotion.digest,
      decision: 'rejected',
      comment: comment ?? null,
    });
    const moved = await this.deps.stores.promotions.transition(id, {
      from: ['pending_approval'],
      to: 'rejected',
      actor: actor.userEntityRef,
      message: comment ?? 'rejected',
    });
    const updated = await this.mustGet(id);
    if (moved) {
      this.deps.listener?.promotionChanged({
        promotion: updated,
        previous: 'pending_approval',
        actor: actor.userEntityRef,
        comment: comment ?? null,
      });
    }
    return updated;
  }

  /** Cancels a promotion that has not finished; a running copy stops and leaves the target tag alone. */
  async cancel(id: string, actor: Actor): Promise<Promotion> {
    const promotion = await this.mustGet(id);
    const moved = await this.deps.stores.promotions.transition(id, {
      from: ['pending_approval', 'queued', 'copying'],
      to: 'cancelled',
      actor: actor.userEntityRef,
      message: 'cancelled',
    });
    if (!moved) {
      throw new ConflictError(
        `promotion ${id} is ${promotion.status} and can no longer be cancelled`,
      );
    }
    const updated = await this.mustGet(id);
    this.deps.listener?.promotionChanged({
      promotion: updated,
      previous: promotion.status,
      actor: actor.userEntityRef,
    });
    return updated;
  }
}
