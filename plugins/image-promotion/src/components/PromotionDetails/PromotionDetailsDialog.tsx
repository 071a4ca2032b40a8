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

import { Progress } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import type {
  PromotionApproval,
  PromotionDetails,
} from '@image-promotion/plugin-image-promotion-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { ReactNode, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { imagePromotionApiRef } from '../../api';
import { RejectDialog } from '../Approvals/RejectDialog';
import { ChangeSummaryView } from '../shared/ChangeSummaryView';
import { CopyableDigest } from '../shared/CopyableDigest';
import { GateSummary } from '../shared/GateList';
import { PromotionStatusLabel } from '../shared/PromotionStatusLabel';
import {
  formatAge,
  formatBytes,
  formatDateTime,
  formatDuration,
  humanizeEventActor,
  humanizeEventMessage,
  humanizeUserRef,
  plainErrorMessage,
  plainFailureReason,
  statusLabel,
} from '../shared/format';

const useStyles = makeStyles(theme => ({
  section: { marginTop: theme.spacing(2) },
  // Long references (a registry path, a digest) break instead of running past the dialog's edge.
  events: { overflowWrap: 'anywhere' },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: 0,
    '& dt': { color: theme.palette.text.secondary },
    '& dd': { margin: 0 },
  },
}));

/** "Approved by jane 2h ago" / "Rejected by …", for a decision. */
export function describeDecision(approval: PromotionApproval): string {
  const verb = approval.decision === 'approved' ? 'Approved' : 'Rejected';
  return `${verb} by ${humanizeUserRef(approval.approver)} ${formatAge(
    approval.at,
  )}`;
}

const Facts = (props: { rows: Array<[string, ReactNode]> }) => {
  const classes = useStyles();
  return (
    <dl className={classes.facts}>
      {props.rows.map(([term, value]) => (
        <Box key={term} display="contents">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </Box>
      ))}
    </dl>
  );
};

const DetailsBody = (props: {
  details: PromotionDetails;
  onChanged: () => void;
  onRetried: (id: string) => void;
}) => {
  const { details, onChanged, onRetried } = props;
  const classes = useStyles();
  const api = useApi(imagePromotionApiRef);
  const alertApi = useApi(alertApiRef);
  const [busy, setBusy] = useState(false);
  const [rejecting, setRejecting] = useState(false);
  const what = `the promotion of ${details.targetTag} to ${details.target.title}`;

  const act = async (action: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await action();
      alertApi.post({
        message: done,
        severity: 'success',
        display: 'transient',
      });
      setRejecting(false);
      onChanged();
    } catch (e) {
      alertApi.post({ message: plainErrorMessage(e), severity: 'error' });
    } finally {
      setBusy(false);
    }
  };

  const retry = async () => {
    setBusy(true);
    try {
      const again = await api.retryPromotion(details.id);
      onRetried(again.id);
    } catch (e) {
      alertApi.post({
        message: `Could not retry: ${plainErrorMessage(e)}`,
        severity: 'error',
      });
    } finally {
      setBusy(false);
    }
  };

  const failure =
    details.failure?.message ??
    (details.status === 'failed'
      ? plainFailureReason(details.failureReason, {
          environment: details.target.title,
          registry: details.target.registry?.name,
        })
      : undefined);
  const waitsUntil =
    details.eligibleAt &&
    (details.status === 'pending_approval' || details.status === 'queued') &&
    Date.parse(details.eligibleAt) > Date.now()
      ? details.eligibleAt
      : undefined;

  return (
    <>
      {failure && (
        <Alert severity="error" aria-label="Why it failed">
          {failure}
        </Alert>
      )}
      {waitsUntil && (
        <Alert severity="info">
          Starts by itself at {formatDateTime(waitsUntil)}, when the time gates
          pass
          {details.status === 'pending_approval' ? ' and once approved' : ''}.
        </Alert>
      )}
      <Facts
        rows={[
          ['Status', <PromotionStatusLabel status={details.status} />],
          [
            'Requested',
            `by ${humanizeUserRef(details.requestedBy)}, ${formatDateTime(
              details.createdAt,
            )}`,
          ],
          ['Reason', details.reason ?? 'none given'],
          ['Digest', <CopyableDigest digest={details.digest} />],
          [
            'From → to',
            `${details.source.title} → ${details.target.title} as ${details.targetTag}`,
          ],
          ...(details.isRollback
            ? ([['Rollback', 'yes']] as Array<[string, string]>)
            : []),
        ]}
      />

      <div className={classes.section}>
        <Typography variant="subtitle2" component="h3">
          Approvals
        </Typography>
        {details.approvals.length === 0 ? (
          <Typography variant="body2" color="textSecondary">
            {details.approvalsRequired > 0
              ? `None yet; ${details.approvalsRequired} needed${
                  details.approverGroups.length
                    ? ` from ${details.approverGroups.join(', ')}`
                    : ''
                }.`
              : 'None needed.'}
          </Typography>
        ) : (
          <ul aria-label="Decisions">
            {details.approvals.map(a => (
              <li key={`${a.approver}-${a.at}`}>
                <Typography variant="body2">
                  {describeDecision(a)}
                  {a.comment ? `: “${a.comment}”` : ' (no comment)'}
                </Typography>
              </li>
            ))}
          </ul>
        )}
      </div>

      <div className={classes.section}>
        <Typography variant="subtitle2" component="h3">
          Checks at request time
        </Typography>
        <GateSummary gates={details.gates} label="Checks at request time" />
      </div>

      {details.changes && (
        <div className={classes.section}>
          <Typography variant="subtitle2" component="h3">
            What changed in {details.target.title}
          </Typography>
          <ChangeSummaryView
            summary={details.changes}
            targetTitle={details.target.title}
          />
        </div>
      )}

      {details.copy && (
        <div className={classes.section}>
          <Typography variant="subtitle2" component="h3">
            Copy
          </Typography>
          {details.copy.upToDate ? (
            <Typography variant="body2">
              {details.target.title} already had this digest under the tag;
              nothing was copied.
            </Typography>
          ) : (
            <Facts
              rows={[
                [
                  'Blobs',
                  `${details.copy.blobs.total}: ${details.copy.blobs.uploaded} uploaded, ${details.copy.blobs.mounted} mounted, ${details.copy.blobs.existing} already there`,
                ],
                [
                  'Bytes',
                  `${formatBytes(
                    details.copy.bytes.transferred,
                  )} transferred of ${formatBytes(details.copy.bytes.total)}`,
                ],
                ['Manifests', String(details.copy.manifests)],
                ['Duration', formatDuration(details.copy.durationMs)],
              ]}
            />
          )}
        </div>
      )}

      {details.events.length > 0 && (
        <div className={classes.section}>
          <Typography variant="subtitle2" component="h3">
            What happened
          </Typography>
          <ol aria-label="Status changes" className={classes.events}>
            {details.events.map(e => {
              const note = humanizeEventMessage(e.message, e.actor);
              return (
                <li key={e.id}>
                  <Typography variant="body2">
                    {formatDateTime(e.at)}: {statusLabel(e.toStatus)} (
                    <span title={e.actor ?? undefined}>
                      {humanizeEventActor(e.actor)}
                    </span>
                    ){note ? ` — ${note}` : ''}
                  </Typography>
                </li>
              );
            })}
          </ol>
        </div>
      )}

      <Box display="flex" gridGap={8} className={classes.section}>
        {details.actions.approve && (
          <Button
            variant="contained"
            color="primary"
            disabled={busy}
            onClick={() =>
              act(() => api.approvePromotion(details.id), `Approved ${what}`)
            }
          >
            Approve
          </Button>
        )}
        {details.actions.reject && (
          <Button
            variant="outlined"
            disabled={busy}
            onClick={() => setRejecting(true)}
          >
            Reject
          </Button>
        )}
        {details.actions.cancel && (
          <Button
            disabled={busy}
            onClick={() =>
              act(() => api.cancelPromotion(details.id), `Cancelled ${what}`)
            }
          >
            Cancel promotion
          </Button>
        )}
        {details.actions.retry && (
          <Button
            variant="contained"
            color="primary"
            disabled={busy}
            onClick={retry}
          >
            Retry
          </Button>
        )}
      </Box>
      {rejecting && (
        <RejectDialog
          open
          what={what}
          busy={busy}
          onCancel={() => setRejecting(false)}
          onConfirm={comment =>
            act(
              () => api.rejectPromotion(details.id, { comment }),
              `Rejected ${what}`,
            )
          }
        />
      )}
    </>
  );
};

/**
 * One promotion in full: who asked and why, who decided and what they wrote, the checks at
 * request time, the copy's figures, the failure in words, and what the reader may do now.
 */
export const PromotionDetailsDialog = (props: {
  promotionId: string;
  onClose: () => void;
  /** After an approval, rejection or cancel: the caller reloads what shows the promotion. */
  onChanged?: () => void;
  /** Shown instead after a Retry: the new promotion's id. */
  onShowPromotion?: (promotionId: string) => void;
  /** Changes whenever the promotion may have changed (e.g. a signal), to load it again. */
  refreshKey?: unknown;
}) => {
  const { promotionId, onClose, onChanged, onShowPromotion, refreshKey } =
    props;
  const api = useApi(imagePromotionApiRef);
  const details = useAsyncRetry(
    () => api.getPromotion(promotionId),
    [api, promotionId, refreshKey],
  );
  const title = details.value
    ? `Promotion of ${details.value.targetTag} to ${details.value.target.title}`
    : 'Promotion';
  return (
    <Dialog
      open
      onClose={onClose}
      aria-labelledby="promotion-details-title"
      fullWidth
      maxWidth="md"
    >
      <DialogTitle id="promotion-details-title">{title}</DialogTitle>
      <DialogContent>
        {details.loading && !details.value && <Progress />}
        {details.error && (
          <Alert severity="error">
            Could not load the promotion: {plainErrorMessage(details.error)}
          </Alert>
        )}
        {details.value && (
          <DetailsBody
            details={details.value}
            onChanged={() => {
              details.retry();
              onChanged?.();
            }}
            onRetried={id => {
              onChanged?.();
              onShowPromotion?.(id);
            }}
          />
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
};
