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
  Content,
  ContentHeader,
  EmptyState,
  Link,
  Page,
  Progress,
} from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import {
  ApprovalInboxItem,
  entityPromotionPath,
} from '@image-promotion/plugin-image-promotion-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Paper from '@material-ui/core/Paper';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { imagePromotionApiRef } from '../../api';
import { usePromotionSignals } from '../../hooks/usePromotionSignals';
import { RejectDialog } from '../Approvals/RejectDialog';
import { CopyableDigest } from '../shared/CopyableDigest';
import { GateSummary } from '../shared/GateList';
import { StatusErrorPanel } from '../shared/StatusErrorPanel';
import {
  formatAge,
  formatDateTime,
  humanizeUserRef,
  plainErrorMessage,
} from '../shared/format';
import { describeDecision } from '../PromotionDetails/PromotionDetailsDialog';

const useStyles = makeStyles(theme => ({
  item: {
    padding: theme.spacing(2),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  },
  list: { display: 'flex', flexDirection: 'column', gap: theme.spacing(2) },
  actions: { display: 'flex', gap: theme.spacing(1), alignItems: 'center' },
}));

/** Without signals, how often the inbox looks again for new requests. */
export const INBOX_POLL_MS = 15_000;

const InboxItem = (props: {
  item: ApprovalInboxItem;
  onDecided: () => void;
}) => {
  const { item, onDecided } = props;
  const { promotion } = item;
  const classes = useStyles();
  const api = useApi(imagePromotionApiRef);
  const alertApi = useApi(alertApiRef);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const component = item.entityTitle ?? promotion.entityRef;
  const what = `${promotion.targetTag} of ${component} to ${item.targetEnvironmentTitle}`;
  const commentId = `inbox-comment-${promotion.id}`;

  const decide = async (decision: 'approve' | 'reject', text: string) => {
    setBusy(true);
    try {
      const body = { comment: text.trim() || undefined };
      if (decision === 'approve') {
        await api.approvePromotion(promotion.id, body);
      } else {
        await api.rejectPromotion(promotion.id, body);
      }
      alertApi.post({
        message: `${
          decision === 'approve' ? 'Approved' : 'Rejected'
        } the promotion of ${what}`,
        severity: 'success',
        display: 'transient',
      });
      setRejecting(false);
      onDecided();
    } catch (e) {
      alertApi.post({
        message: `Could not ${decision} the promotion of ${what}: ${plainErrorMessage(
          e,
        )}`,
        severity: 'error',
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper
      variant="outlined"
      component="article"
      className={classes.item}
      aria-label={`Approval request: ${what}`}
    >
      <Typography variant="h6" component="h2">
        <Link
          to={entityPromotionPath(promotion.entityRef, promotion.id)}
          underline="always"
        >
          {component}
        </Link>
        : {promotion.targetTag} from {item.sourceEnvironmentTitle} to{' '}
        {item.targetEnvironmentTitle}
        {promotion.isRollback ? ' (rollback)' : ''}
      </Typography>
      <Typography variant="body2" color="textSecondary">
        Requested by {humanizeUserRef(promotion.requestedBy)}{' '}
        <span title={formatDateTime(promotion.createdAt)}>
          {formatAge(promotion.createdAt)}
        </span>
        {item.owner ? ` · owned by ${humanizeUserRef(item.owner)}` : ''}
      </Typography>
      <CopyableDigest digest={promotion.digest} />
      <Typography variant="body2">
        <strong>Reason:</strong> {promotion.reason ?? 'none given'}
      </Typography>
      {promotion.eligibleAt &&
        Date.parse(promotion.eligibleAt) > Date.now() && (
          <Typography variant="body2">
            Once approved, it starts at {formatDateTime(promotion.eligibleAt)},
            when its soak time or freeze window ends.
          </Typography>
        )}
      {item.approvals.length > 0 && (
        <ul aria-label="Decisions so far">
          {item.approvals.map(a => (
            <li key={`${a.approver}-${a.at}`}>
              <Typography variant="body2">
                {describeDecision(a)}
                {a.comment ? `: “${a.comment}”` : ''}
              </Typography>
            </li>
          ))}
        </ul>
      )}
      <GateSummary
        gates={promotion.gates}
        label={`Checks at request time for ${what}`}
      />
      <TextField
        id={commentId}
        label="Comment for the requester"
        value={comment}
        onChange={e => setComment(e.target.value)}
        size="small"
        margin="dense"
        fullWidth
      />
      <Box className={classes.actions}>
        <Button
          variant="contained"
          color="primary"
          disabled={busy}
          onClick={() => decide('approve', comment)}
          aria-label={`Approve ${what}`}
        >
          Approve
        </Button>
        <Button
          variant="outlined"
          disabled={busy}
          onClick={() => setRejecting(true)}
          aria-label={`Reject ${what}`}
        >
          Reject
        </Button>
        <Typography variant="caption" color="textSecondary">
          {item.approvals.length} of {item.approvalsRequired} approvals
          {item.approverGroups.length
            ? `, from ${item.approverGroups
                .map(g => humanizeUserRef(g))
                .join(', ')}`
            : ''}
        </Typography>
      </Box>
      {rejecting && (
        <RejectDialog
          open
          what={`the promotion of ${what}`}
          initialComment={comment}
          busy={busy}
          onCancel={() => setRejecting(false)}
          onConfirm={text => decide('reject', text)}
        />
      )}
    </Paper>
  );
};

/**
 * Everything the signed-in user may approve, across components: each request with who asked,
 * why, the checks, and Approve / Reject in place.
 */
export const ApprovalsInbox = () => {
  const api = useApi(imagePromotionApiRef);
  const classes = useStyles();
  const { signal } = usePromotionSignals({ pollMs: INBOX_POLL_MS });
  const inbox = useAsyncRetry(() => api.getApprovalInbox(), [api, signal]);
  const items = inbox.value?.items ?? [];
  return (
    <>
      <ContentHeader
        title="Waiting for your approval"
        description="Promotions you may approve, oldest request first"
      />
      {inbox.loading && !inbox.value && <Progress />}
      {inbox.error && (
        <StatusErrorPanel
          error={inbox.error}
          what="your approvals"
          onRetry={inbox.retry}
        />
      )}
      {inbox.value && items.length === 0 && (
        <EmptyState
          missing="data"
          title="Nothing waits for you"
          description="Promotions that need your approval show up here, and you are notified when one does."
        />
      )}
      {items.length > 0 && (
        <section aria-label="Approval requests" className={classes.list}>
          {items.map(item => (
            <InboxItem
              key={item.promotion.id}
              item={item}
              onDecided={inbox.retry}
            />
          ))}
        </section>
      )}
      {inbox.value &&
        items.length > 0 &&
        inbox.value.totalCount > items.length && (
          <Alert severity="info">
            Showing {items.length} of {inbox.value.totalCount} requests.
          </Alert>
        )}
    </>
  );
};

/**
 * The approvals inbox as a page of its own, inside `Page` and `Content`.
 *
 * @public
 */
export const ApprovalsInboxPage = () => (
  <Page themeId="tool">
    <Content>
      <ApprovalsInbox />
    </Content>
  </Page>
);
