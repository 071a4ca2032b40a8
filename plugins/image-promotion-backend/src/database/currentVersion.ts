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

import type { CurrentVersion, ImageVersion, Promotion } from './types';

/** What an environment's currentTag points at, with who requested the promotion that moved it. */
export interface CurrentTagState {
  digest: string;
  tag: string;
  since: Date;
  promotionId: string | null;
  requestedBy: string | null;
}

/**
 * The one rule for which version an environment is on now, used by the
 * single-component reads (TagStore.getCurrent) and the bulk read models
 * alike: the currentTag's digest when the environment has one and the tag
 * exists, else the newest succeeded promotion into it, else the newest
 * version that still carries a tag (or the newest at all).
 * `versions` are sorted newest first.
 */
export function chooseCurrent(input: {
  tagState: CurrentTagState | undefined;
  succeeded: Promotion | undefined;
  versions: readonly ImageVersion[];
}): CurrentVersion | undefined {
  const { tagState, succeeded, versions } = input;
  if (tagState) {
    return {
      digest: tagState.digest,
      tag: tagState.tag,
      since: tagState.since,
      by: tagState.requestedBy,
      promotionId: tagState.promotionId,
    };
  }
  if (succeeded) {
    return {
      digest: succeeded.digest,
      tag: succeeded.targetTag,
      since: succeeded.finishedAt ?? succeeded.updatedAt,
      by: succeeded.requestedBy,
      promotionId: succeeded.id,
    };
  }
  const newest = versions.find(v => v.tags.length > 0) ?? versions[0];
  return newest
    ? {
        digest: newest.digest,
        tag: newest.tags[0] ?? null,
        since: newest.firstSeen,
        by: null,
        promotionId: null,
      }
    : undefined;
}
