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

import { InfoCard } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  EnvironmentStatus,
  imagePromotionApprovePermission,
  Promotion,
} from '@image-promotion/plugin-image-promotion-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Paper from '@material-ui/core/Paper';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { useState } from 'react';
import { imagePromotionApiRef } from '../../api';
import { CopyableDigest } from '../shared/CopyableDigest';
import {
  formatAge,
  humanizeUserRef,
  plainErrorMessage,
} from '../shared/format';
import { RejectDialog } from './RejectDialog';

const useStyles = makeStyles(theme => ({
  item: {
    padding: theme.spacing(2),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  },
  actions: { display: 'flex', gap: theme.spacing(1), alignItems: 'center' },
}));

function environmentTitle(environments: EnvironmentStatus[], id: string) {
  return environments.find(e => e.id === id)?.title ?? id;
}

const PendingApproval = (props: {
  promotion: Promotion;
  environments: EnvironmentStatus[];
  userEntityRef: string | undefined;
  canApprove: boolean;
  onChanged: () => void;
}) => {
  const { promotion, environments, userEntityRef, canApprove, onChanged } =
    props;
  const classes = useStyles();
  const api = useApi(imagePromotionApiRef);
  const alertApi = useApi(alertApiRef);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirmReject, setConfirmReject] = useState(false);
  const target = environmentTitle(environments, promotion.targetEnvironment);
  const source = environmentTitle(environments, promotion.sourceEnvironment);
  const isRequester =
    userEntityRef !== undefined && promotion.requestedBy === userEntityRef;
  const approvalsGate = promotion.gates.find(g => g.gate === 'approvals');

  const act = async (
    action: 'approve' | 'reject' | 'cancel',
    text: string = comment,
  ) => {
    setBusy(true);
    try {
      const decision = { comment: text.trim() || undefined };
      if (action === 'approve') {
        await api.approvePromotion(promotion.id, decision);
      } else if (action === 'reject') {
        await api.rejectPromotion(promotion.id, decision);
      } else {
        await api.cancelPromotion(promotion.id);
      }
      const done = {
        approve: 'Approved',
        reject: 'Rejected',
        cancel: 'Cancelled',
      };
      alertApi.post({
        message: `${done[action]} the promotion of ${promotion.targetTag} to ${target}`,
        severity: 'success',
        display: 'transient',
      });
      setConfirmReject(false);
      onChanged();
    } catch (e) {
      alertApi.post({
        message: `Could not ${action} the promotion: ${plainErrorMessage(e)}`,
        severity: 'error',
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper
      variant="outlined"
      className={classes.item}
      component="article"
      aria-label={`Pending promotion of ${promotion.targetTag} to ${target}`}
    >
      <Typography>
        <strong>{promotion.targetTag}</strong> from {source} to {target},
        requested by {humanizeUserRef(promotion.requestedBy)}{' '}
        {formatAge(promotion.createdAt)}
        {promotion.isRollback ? ' (rollback)' : ''}
      </Typography>
      <CopyableDigest digest={promotion.digest} />
      {promotion.reason && (
        <Typography variant="body2">Reason: {promotion.reason}</Typography>
      )}
      {approvalsGate && (
        <Typography variant="body2" color="textSecondary">
          {approvalsGate.message}
        </Typography>
      )}
      {isRequester && (
        <Box className={classes.actions}>
          <Typography variant="body2" color="textSecondary">
            You requested this promotion; someone else has to approve it.
          </Typography>
          <Button
            size="small"
            onClick={() => act('cancel')}
            disabled={busy}
            aria-label={`Cancel promotion of ${promotion.targetTag} to ${target}`}
          >
            Cancel request
          </Button>
        </Box>
      )}
      {!isRequester && canApprove && (
        <>
          <TextField
            id={`approval-comment-${promotion.id}`}
            label="Comment (optional)"
            value={comment}
            onChange={e => setComment(e.target.value)}
            size="small"
            margin="dense"
          />
          <Box className={classes.actions}>
            <Button
              variant="contained"
              color="primary"
              onClick={() => act('approve')}
              disabled={busy}
              aria-label={`Approve promotion of ${promotion.targetTag} to ${target}`}
            >
              Approve
            </Button>
            <Button
              variant="outlined"
              onClick={() => setConfirmReject(true)}
              disabled={busy}
              aria-label={`Reject promotion of ${promotion.targetTag} to ${target}`}
            >
              Reject
            </Button>
          </Box>
          {confirmReject && (
            <RejectDialog
              open
              what={`the promotion of ${promotion.targetTag} to ${target}`}
              initialComment={comment}
              busy={busy}
              onCancel={() => setConfirmReject(false)}
              onConfirm={text => act('reject', text)}
            />
          )}
        </>
      )}
      {!isRequester && !canApprove && (
        <Typography variant="body2" color="textSecondary">
          Waiting for someone allowed to approve promotions to {target} (the
          image-promotion.approve permission).
        </Typography>
      )}
    </Paper>
  );
};

/**
 * Promotions waiting for approval, with Approve and Reject for users who may approve and did
 * not request them (the backend enforces the same; the buttons only spare a refused click).
 */
export const PendingApprovals = (props: {
  entityRef: string;
  pending: Promotion[];
  environments: EnvironmentStatus[];
  userEntityRef: string | undefined;
  onChanged: () => void;
}) => {
  const { entityRef, pending, environments, userEntityRef, onChanged } = props;
  const approve = usePermission({
    permission: imagePromotionApprovePermission,
    resourceRef: entityRef,
  });
  if (pending.length === 0) {
    return null;
  }
  return (
    <InfoCard title="Waiting for approval">
      <Box display="flex" flexDirection="column" gridGap={8}>
        {pending.map(promotion => (
          <PendingApproval
            key={promotion.id}
            promotion={promotion}
            environments={environments}
            userEntityRef={userEntityRef}
            canApprove={!approve.loading && approve.allowed}
            onChanged={onChanged}
          />
        ))}
      </Box>
    </InfoCard>
  );
};
