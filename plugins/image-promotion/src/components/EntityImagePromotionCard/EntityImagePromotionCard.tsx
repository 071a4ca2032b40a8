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

import { stringifyEntityRef } from '@backstage/catalog-model';
import { InfoCard, Progress } from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import {
  entityRouteParams,
  entityRouteRef,
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import { ANNOTATION_IMAGE } from '@image-promotion/plugin-image-promotion-common';
import Typography from '@material-ui/core/Typography';
import { useNow } from '../../hooks/useClock';
import { usePromotionStatus } from '../../hooks/usePromotionStatus';
import { isImagePromotionAvailable } from '../../isImagePromotionAvailable';
import { LaneBoard } from '../Lanes/LaneBoard';
import { StatusErrorPanel } from '../shared/StatusErrorPanel';

/** Path of the Promotion tab below the entity page, as the README and /alpha mount it. */
export const PROMOTION_TAB_PATH = 'promotion';

const CompactLanes = (props: { entityRef: string }) => {
  const { status, loading, error, retry } = usePromotionStatus(props.entityRef);
  const now = useNow();
  if (loading) {
    return <Progress />;
  }
  if (!status) {
    return (
      <StatusErrorPanel
        error={error ?? new Error('No status')}
        what="the promotion status"
        onRetry={retry}
      />
    );
  }
  if (!status.environments.some(e => e.current || e.versions.length > 0)) {
    return (
      <Typography color="textSecondary">
        No versions of {status.image} seen yet.
      </Typography>
    );
  }
  return <LaneBoard environments={status.environments} now={now} compact />;
};

/**
 * The entity overview card: the environments' lanes, compact, linking to the Promotion tab.
 *
 * @public
 */
export const EntityImagePromotionCard = () => {
  const { entity } = useEntity();
  const entityRoute = useRouteRef(entityRouteRef);
  if (!isImagePromotionAvailable(entity)) {
    return <MissingAnnotationEmptyState annotation={ANNOTATION_IMAGE} />;
  }
  const link = `${entityRoute(
    entityRouteParams(entity),
  )}/${PROMOTION_TAB_PATH}`;
  return (
    <InfoCard
      title="Image promotion"
      deepLink={{ title: 'Open the Promotion tab', link }}
      variant="gridItem"
    >
      <CompactLanes entityRef={stringifyEntityRef(entity)} />
    </InfoCard>
  );
};
