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

import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseEntityRef } from '@backstage/catalog-model';
import { z } from 'zod';
import type {
  EnvironmentPolicy,
  TransparencyLogRequirement,
} from '../domain/types';
import { checkTrustedRoot } from '../signatures/trustedRoot';
import { parseDuration } from './duration';
import { freezeWindowSchema } from './freezeWindowSchema';
import { repositoryTemplateProblem } from './repositoryTemplate';
import { ValueProblem } from './ValueProblem';
import {
  booleanish,
  integer,
  nonEmptyString,
  parsedBy,
  strictObject,
} from './zodHelpers';

const ENVIRONMENT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
// Grammar: tag in https://github.com/distribution/reference/blob/main/reference.go
const TAG = /^[\w][\w.-]{0,127}$/;

/** A duration in milliseconds, from an object, a short string or ISO-8601. */
export const durationSchema = parsedBy(parseDuration);

/** A duration longer than zero, in milliseconds. */
export const positiveDurationSchema = parsedBy(value => {
  const ms = parseDuration(value);
  if (ms <= 0) {
    throw new ValueProblem('must be longer than zero');
  }
  return ms;
});

const groupRefSchema = parsedBy(value => {
  const hint =
    'must be a group entity ref such as "group:default/release-managers" or "release-managers"';
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ValueProblem(hint);
  }
  let ref: { kind: string; namespace: string; name: string };
  try {
    ref = parseEntityRef(value.trim(), {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
  } catch {
    throw new ValueProblem(hint);
  }
  if (ref.kind.toLocaleLowerCase('en-US') !== 'group') {
    throw new ValueProblem(`refers to a ${ref.kind}; ${hint}`);
  }
  // Entity refs compare case-insensitively; the policy compares the lower-case form.
  return `group:${ref.namespace}/${ref.name}`.toLocaleLowerCase('en-US');
});

/** The policy of an environment that configures none: promotions in order, nothing else. */
export function defaultPolicy(): EnvironmentPolicy {
  return {
    requirePreviousEnvironment: 'present',
    allowSkip: false,
    approvals: 0,
    approverGroups: [],
    soakTimeMs: 0,
    rollbackSkipsSoak: true,
    freezeWindows: [],
    immutableTags: false,
    signatureKeys: [],
  };
}

/** One key of `policy.signatures.keys`: `publicKey` (PEM) or `path` to a PEM file, and an optional `name`. */
const signatureKeySchema = strictObject({
  name: nonEmptyString.optional(),
  publicKey: nonEmptyString.optional(),
  path: nonEmptyString.optional(),
}).transform((key, ctx) => {
  if (Boolean(key.publicKey) === Boolean(key.path)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message:
        'give either publicKey (the PEM text of a cosign public key, as in cosign.pub) or path (a PEM file)',
    });
    return z.NEVER;
  }
  let pem = key.publicKey ?? '';
  if (key.path) {
    try {
      pem = readFileSync(key.path, 'utf8');
    } catch (error) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `cannot read the public key file ${key.path}: ${
          (error as NodeJS.ErrnoException).code ?? String(error)
        }`,
      });
      return z.NEVER;
    }
  }
  try {
    createPublicKey(pem);
  } catch {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `${
        key.path ?? 'publicKey'
      } is not a PEM public key (expected "-----BEGIN PUBLIC KEY-----", as cosign generate-key-pair writes to cosign.pub)`,
    });
    return z.NEVER;
  }
  return { name: key.name ?? key.path ?? '', pem: pem.trim() };
});

/** `policy.signatures.transparencyLog`: a Sigstore trusted root file, read and checked at start-up. */
const transparencyLogSchema = strictObject({
  trustedRoot: nonEmptyString,
  threshold: integer(1, 10).default(1),
}).transform((log, ctx): TransparencyLogRequirement => {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(log.trustedRoot, 'utf8'));
  } catch (error) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['trustedRoot'],
      message: `cannot read the trusted root ${log.trustedRoot}: ${
        (error as NodeJS.ErrnoException).code ??
        (error instanceof Error ? error.message : String(error))
      }`,
    });
    return z.NEVER;
  }
  try {
    checkTrustedRoot(json);
  } catch (error) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['trustedRoot'],
      message: `${
        log.trustedRoot
      } is not a usable Sigstore trusted root (as written by cosign trusted-root create): it ${
        error instanceof Error ? error.message : String(error)
      }`,
    });
    return z.NEVER;
  }
  return {
    trustedRootPath: log.trustedRoot,
    trustedRoot: json,
    threshold: log.threshold,
  };
});

const signaturesSchema = strictObject({
  keys: z.array(signatureKeySchema).min(1, {
    message:
      'list at least one public key; remove signatures to turn the gate off',
  }),
  transparencyLog: transparencyLogSchema.optional(),
});

const DEFAULT_POLICY = defaultPolicy();

const policySchema = strictObject({
  approvals: integer(0, 100).default(DEFAULT_POLICY.approvals),
  approverGroups: z.array(groupRefSchema).default([]),
  soakTime: durationSchema.optional(),
  freezeWindows: z.array(freezeWindowSchema).default([]),
  immutableTags: booleanish.default(DEFAULT_POLICY.immutableTags),
  requirePreviousEnvironment: z
    .enum(['current', 'present'])
    .default(DEFAULT_POLICY.requirePreviousEnvironment),
  allowSkip: booleanish.default(DEFAULT_POLICY.allowSkip),
  rollbackSkipsSoak: booleanish.default(DEFAULT_POLICY.rollbackSkipsSoak),
  signatures: signaturesSchema.optional(),
}).transform(
  (policy): EnvironmentPolicy => ({
    requirePreviousEnvironment: policy.requirePreviousEnvironment,
    allowSkip: policy.allowSkip,
    approvals: policy.approvals,
    approverGroups: [...new Set(policy.approverGroups)],
    soakTimeMs: policy.soakTime ?? 0,
    rollbackSkipsSoak: policy.rollbackSkipsSoak,
    freezeWindows: policy.freezeWindows,
    immutableTags: policy.immutableTags,
    signatureKeys: (policy.signatures?.keys ?? []).map((key, i) => ({
      name: key.name || `key ${i + 1}`,
      pem: key.pem,
    })),
    ...(policy.signatures?.transparencyLog
      ? { signatureTransparencyLog: policy.signatures.transparencyLog }
      : {}),
  }),
);

const environmentSchema = strictObject({
  id: z.string().regex(ENVIRONMENT_ID, {
    message:
      'must be 1–63 lowercase letters, digits, "-" or "_", starting with a letter or digit (it appears in URLs)',
  }),
  title: nonEmptyString.optional(),
  registry: nonEmptyString,
  repository: parsedBy(value => {
    if (typeof value !== 'string') {
      throw new ValueProblem(
        "must be a repository template such as 'team-a/{{ image }}'",
      );
    }
    const problem = repositoryTemplateProblem(value);
    if (problem) {
      throw new ValueProblem(problem);
    }
    return value.trim();
  }),
  currentTag: z
    .string()
    .regex(TAG, {
      message:
        'must be a valid tag: up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"',
    })
    .optional(),
  policy: policySchema.optional(),
  autoPromote: booleanish.optional(),
});

/** One entry of `imagePromotion.pipelines`. */
export const pipelineSchema = strictObject({
  default: booleanish.optional(),
  environments: z
    .array(environmentSchema)
    .min(1)
    .superRefine((environments, ctx) => {
      if (environments[0]?.autoPromote) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [0, 'autoPromote'],
          message:
            'the first environment has no environment before it to promote from; images enter it from CI. Set autoPromote on a later environment',
        });
      }
    }),
}).transform(pipeline => ({
  default: pipeline.default,
  environments: pipeline.environments.map(environment => ({
    id: environment.id,
    title: environment.title ?? environment.id,
    registry: environment.registry,
    repository: environment.repository,
    ...(environment.currentTag ? { currentTag: environment.currentTag } : {}),
    policy: environment.policy ?? defaultPolicy(),
    ...(environment.autoPromote ? { autoPromote: true } : {}),
  })),
}));
