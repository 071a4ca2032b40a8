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

import type { ChangeSummary } from '@image-promotion/plugin-image-promotion-common';
import {
  ImageInspector,
  type InspectedImage,
} from '@image-promotion/plugin-image-promotion-node';
import type { Environment } from '../domain/types';
import type { RegistryAccess } from '../registry/RegistryAccess';
import { registryFailure } from '../registry/registryFailure';
import { describeChanges } from './describeChanges';

/** What is compared: a candidate digest from its source environment against the target's current image. */
export interface ChangeSubject {
  entityRef: string;
  image: string;
  source: Environment;
  target: Environment;
  digest: string;
}

/** Where the target environment's current digest comes from (the tracking store). */
export interface CurrentDigestLookup {
  getCurrent(
    entityRef: string,
    environment: string,
    options?: { currentTag?: string },
  ): Promise<{ digest: string } | undefined>;
}

/** The comparison, or why there is none. */
export type ChangeComparison =
  | { summary: ChangeSummary; problem: null }
  | { summary: null; problem: string };

/**
 * Compares a promotion's candidate with what its target environment runs
 * now, reading manifests and configs through the copy engine's repositories
 * (cached by digest, so a preview, the request after it and the next preview
 * read each image once).
 */
export class ChangePreviewer {
  private readonly inspector: ImageInspector;

  constructor(
    private readonly deps: {
      access: RegistryAccess;
      store: CurrentDigestLookup;
      inspector?: ImageInspector;
      now?: () => Date;
    },
  ) {
    this.inspector = deps.inspector ?? new ImageInspector();
  }

  /** Compares; never throws for registry trouble, which comes back as `problem`. */
  async compare(
    subject: ChangeSubject,
    call: { signal?: AbortSignal; deadlineMs?: number } = {},
  ): Promise<ChangeComparison> {
    const { access } = this.deps;
    let candidate: InspectedImage;
    try {
      candidate = await this.inspector.inspect(
        access.repository(subject.source, subject.image, subject.entityRef),
        subject.digest,
        call.signal,
      );
    } catch (error) {
      return {
        summary: null,
        problem: registryFailure(error, {
          ...access.place(subject.source),
          action: `reading image ${subject.digest} to show what changes`,
          ...call,
        }).message,
      };
    }
    const current = await this.deps.store.getCurrent(
      subject.entityRef,
      subject.target.id,
      { currentTag: subject.target.currentTag },
    );
    let before: InspectedImage | undefined;
    let problem: string | undefined;
    if (current) {
      try {
        before = await this.inspector.inspect(
          access.repository(subject.target, subject.image, subject.entityRef),
          current.digest,
          call.signal,
        );
      } catch (error) {
        problem = `the image ${subject.target.id} runs now (${
          current.digest
        }) could not be read, so only the candidate is shown: ${
          registryFailure(error, {
            ...access.place(subject.target),
            action: `reading image ${current.digest}`,
            ...call,
          }).message
        }`;
      }
    }
    return {
      summary: describeChanges(before, candidate, {
        problem,
        now: this.deps.now?.(),
      }),
      problem: null,
    };
  }
}
