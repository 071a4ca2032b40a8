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
import {
  ContentHeader,
  EmptyState,
  Progress,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import {
  MissingAnnotationEmptyState,
  useEntity,
} from '@backstage/plugin-catalog-react';
import {
  ANNOTATION_IMAGE,
  PROMOTION_QUERY_PARAMETER,
  EnvironmentStatus,
  EnvironmentVersion,
  Promotion,
} from '@image-promotion/plugin-image-promotion-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import RefreshIcon from '@material-ui/icons/Refresh';
import Alert from '@material-ui/lab/Alert';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { imagePromotionApiRef } from '../../api';
import { useNow, useUserEntityRef } from '../../hooks/useClock';
import { usePromotionStatus } from '../../hooks/usePromotionStatus';
import { isImagePromotionAvailable } from '../../isImagePromotionAvailable';
import { PendingApprovals } from '../Approvals/PendingApprovals';
import { AutoPromotionToggle } from '../AutoPromotion/AutoPromotionToggle';
import { DriftEvents } from '../Drift/DriftEvents';
import { DriftHistory } from '../Drift/DriftHistory';
import { PromotionHistory } from '../History/PromotionHistory';
import { LaneBoard } from '../Lanes/LaneBoard';
import { PromoteDialog } from '../PromoteDialog/PromoteDialog';
import { PromotionDetailsDialog } from '../PromotionDetails/PromotionDetailsDialog';
import { StatusErrorPanel } from '../shared/StatusErrorPanel';
import { errorMessage } from '../shared/format';

/** How many promotions the history table shows. */
const HISTORY_LIMIT = 100;

/** The environment to copy a rollback from: the nearest earlier one that still holds the digest. */
export function rollbackSource(
  environments: EnvironmentStatus[],
  target: EnvironmentStatus,
  digest: string,
): EnvironmentStatus | undefined {
  const index = environments.findIndex(e => e.id === target.id);
  return environments
    .slice(0, Math.max(0, index))
    .reverse()
    .find(e => e.versions.some(v => v.digest === digest));
}

interface DialogTarget {
  source: EnvironmentStatus;
  target: EnvironmentStatus;
  digest?: string;
}

const PromotionView = (props: { entityRef: string }) => {
  const { entityRef } = props;
  const api = useApi(imagePromotionApiRef);
  const alertApi = useApi(alertApiRef);
  const now = useNow();
  const userEntityRef = useUserEntityRef();
  const { status, loading, error, retry, open, signal, expectChange } =
    usePromotionStatus(entityRef);
  const [dialog, setDialog] = useState<DialogTarget | undefined>();
  const [refreshing, setRefreshing] = useState(false);
  // The open detail view lives in the URL, so notifications and the inbox can link to it.
  const [searchParams, setSearchParams] = useSearchParams();
  const shownPromotion = searchParams.get(PROMOTION_QUERY_PARAMETER);
  const showPromotion = (id: string | undefined) =>
    setSearchParams(
      params => {
        const next = new URLSearchParams(params);
        if (id) {
          next.set(PROMOTION_QUERY_PARAMETER, id);
        } else {
          next.delete(PROMOTION_QUERY_PARAMETER);
        }
        return next;
      },
      { replace: !id },
    );

  // Reload the history whenever an open promotion appears, moves on or finishes.
  const historyKey = open.map(p => `${p.id}:${p.status}`).join(',');
  const currentKey = (status?.environments ?? [])
    .map(e => e.current?.digest ?? '')
    .join(',');
  const history = useAsyncRetry(
    () => api.listPromotions({ entityRef, limit: HISTORY_LIMIT }),
    [api, entityRef, historyKey, currentKey, signal],
  );

  const driftHistory = useAsyncRetry(
    () => api.getDriftHistory(entityRef),
    [api, entityRef, signal],
  );

  const reload = () => {
    retry();
    history.retry();
    driftHistory.retry();
  };

  const refresh = async () => {
    setRefreshing(true);
    try {
      await api.refresh(entityRef);
      reload();
    } catch (e) {
      alertApi.post({
        message: `Could not refresh from the registries: ${errorMessage(e)}`,
        severity: 'error',
      });
    } finally {
      setRefreshing(false);
    }
  };

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

  const environments = status.environments;
  // A registry that cannot be read is shown on its lane, not as "no versions yet".
  const hasVersions = environments.some(
    e => e.versions.length > 0 || e.current || e.trackingError,
  );
  const pending = open.filter(p => p.status === 'pending_approval');

  const openDialog = (
    source: EnvironmentStatus,
    target: EnvironmentStatus,
    digest?: string,
  ) => setDialog({ source, target, digest });

  const rollBack = (promotion: Promotion) => {
    const target = environments.find(e => e.id === promotion.targetEnvironment);
    const source =
      (target && rollbackSource(environments, target, promotion.digest)) ??
      environments.find(e => e.id === promotion.sourceEnvironment);
    if (source && target) {
      openDialog(source, target, promotion.digest);
    }
  };

  const rollBackLane = (
    target: EnvironmentStatus,
    version: EnvironmentVersion,
  ) => {
    const source =
      rollbackSource(environments, target, version.digest) ??
      environments[environments.findIndex(e => e.id === target.id) - 1];
    if (source) {
      openDialog(source, target, version.digest);
    }
  };

  const refreshButton = (
    <Button
      variant="outlined"
      startIcon={<RefreshIcon />}
      onClick={refresh}
      disabled={refreshing}
      aria-label="Refresh from registries"
    >
      Refresh
    </Button>
  );

  return (
    // The plugin's root on the entity page: accessibility checks scope to it.
    <div data-image-promotion="tab">
      <ContentHeader title="Promotion">{refreshButton}</ContentHeader>
      <Typography variant="body2" paragraph>
        Image <code>{status.image}</code> on pipeline{' '}
        <code>{status.pipeline}</code>: the same digest moves from left to
        right.
      </Typography>
      <AutoPromotionToggle
        entityRef={entityRef}
        environments={environments}
        onChanged={reload}
      />
      {error && (
        <Box mb={2}>
          <Alert severity="warning">
            Showing the last known state; the latest update failed:{' '}
            {errorMessage(error)}
          </Alert>
        </Box>
      )}
      {!hasVersions ? (
        <EmptyState
          missing="data"
          title="No versions yet"
          description={`Nothing of ${
            status.image
          } has been seen in any environment. Push an image to ${
            environments[0]?.registry.location ?? 'the first environment'
          } (${
            environments[0]?.title ?? 'first environment'
          }); tracking picks it up on its next run, or press Refresh now.`}
        />
      ) : (
        <Grid container spacing={3}>
          <Grid item xs={12}>
            <LaneBoard
              environments={environments}
              now={now}
              onPromote={(source, target) => openDialog(source, target)}
              onRollBack={rollBackLane}
              onShowPromotion={showPromotion}
            />
          </Grid>
          {pending.length > 0 && (
            <Grid item xs={12}>
              <PendingApprovals
                entityRef={entityRef}
                pending={pending}
                environments={environments}
                userEntityRef={userEntityRef}
                onChanged={reload}
              />
            </Grid>
          )}
          {environments.some(e => e.drift.length > 0) && (
            <Grid item xs={12}>
              <DriftEvents environments={environments} onChanged={reload} />
            </Grid>
          )}
          <Grid item xs={12}>
            {history.error ? (
              <StatusErrorPanel
                error={history.error}
                what="the promotion history"
                onRetry={history.retry}
              />
            ) : (
              <PromotionHistory
                promotions={history.value?.items ?? []}
                changes={history.value?.changes}
                environments={environments}
                loading={history.loading && !history.value}
                onRollBack={rollBack}
                onShowPromotion={showPromotion}
              />
            )}
          </Grid>
          {driftHistory.value && (
            <Grid item xs={12}>
              <DriftHistory
                events={driftHistory.value.items}
                environments={environments}
              />
            </Grid>
          )}
        </Grid>
      )}
      {shownPromotion && (
        <PromotionDetailsDialog
          promotionId={shownPromotion}
          onClose={() => showPromotion(undefined)}
          onChanged={reload}
          onShowPromotion={showPromotion}
          refreshKey={`${historyKey}-${signal}`}
        />
      )}
      {dialog && (
        <PromoteDialog
          open
          key={`${dialog.source.id}-${dialog.target.id}-${dialog.digest ?? ''}`}
          entityRef={entityRef}
          source={
            environments.find(e => e.id === dialog.source.id) ?? dialog.source
          }
          target={
            environments.find(e => e.id === dialog.target.id) ?? dialog.target
          }
          initialDigest={dialog.digest}
          onClose={() => setDialog(undefined)}
          onPromoted={promotion => {
            setDialog(undefined);
            // Success is the lane showing the version; a failure shows on the lane with its
            // reason. Only a request that now waits for people deserves a word here.
            if (promotion.status === 'pending_approval') {
              alertApi.post({
                message: `Promotion to ${dialog.target.title} requested; it waits for approval`,
                severity: 'info',
                display: 'transient',
              });
            }
            expectChange();
            history.retry();
          }}
        />
      )}
    </div>
  );
};

/**
 * The entity "Promotion" tab: one lane per environment, Promote between lanes, approvals, live
 * progress, drift and history.
 *
 * @public
 */
export const EntityImagePromotionContent = () => {
  const { entity } = useEntity();
  if (!isImagePromotionAvailable(entity)) {
    return <MissingAnnotationEmptyState annotation={ANNOTATION_IMAGE} />;
  }
  return <PromotionView entityRef={stringifyEntityRef(entity)} />;
};
