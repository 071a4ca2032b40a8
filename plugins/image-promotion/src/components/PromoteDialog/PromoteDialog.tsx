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
import { useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  EnvironmentStatus,
  EnvironmentVersion,
  GateResult,
  imagePromotionPromotePermission,
  Promotion,
} from '@image-promotion/plugin-image-promotion-common';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Radio from '@material-ui/core/Radio';
import RadioGroup from '@material-ui/core/RadioGroup';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { useEffect, useRef, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useDebounce from 'react-use/esm/useDebounce';
import { imagePromotionApiRef, refusedGates } from '../../api';
import { ChangeSummaryView } from '../shared/ChangeSummaryView';
import { GateSummary, gateLabel, gateVerdict } from '../shared/GateList';
import { formatAge, plainErrorMessage, shortDigest } from '../shared/format';

const useStyles = makeStyles(theme => ({
  section: { marginTop: theme.spacing(2) },
  candidate: {
    display: 'flex',
    alignItems: 'center',
    flexWrap: 'wrap',
    gap: theme.spacing(1),
  },
  digest: { fontFamily: 'monospace' },
  blocked: { marginTop: theme.spacing(1) },
}));

/** The highest version-like tag of a version (`1.10.0` above `1.9.2`), or '' without one. */
function versionTag(version: EnvironmentVersion): string {
  return version.tags
    .filter(tag => /^v?\d/.test(tag))
    .reduce(
      (best, tag) =>
        tag.localeCompare(best, 'en', { numeric: true }) > 0 ? tag : best,
      '',
    );
}

/**
 * The versions offered for promotion: the source's, newest first (versions
 * found in the same tracking run, e.g. on a first run, by their version
 * tags, highest first), plus one asked for explicitly.
 */
export function candidateVersions(
  source: EnvironmentStatus,
  initialDigest?: string,
): EnvironmentVersion[] {
  const versions = [...source.versions].sort(
    (a, b) =>
      Date.parse(b.firstSeen) - Date.parse(a.firstSeen) ||
      versionTag(b).localeCompare(versionTag(a), 'en', { numeric: true }),
  );
  if (initialDigest && !versions.some(v => v.digest === initialDigest)) {
    // No longer listed in the source (e.g. a rollback to an old digest): its age is unknown.
    versions.unshift({
      digest: initialDigest,
      tags: [],
      firstSeen: '',
      lastSeen: '',
      origin: 'promotion',
      promotionId: null,
    });
  }
  return versions;
}

function defaultDigest(
  candidates: EnvironmentVersion[],
  source: EnvironmentStatus,
  target: EnvironmentStatus,
  initialDigest?: string,
): string | undefined {
  if (initialDigest) {
    return initialDigest;
  }
  const targetCurrent = target.current?.digest;
  const sourceCurrent = source.current?.digest;
  if (sourceCurrent && sourceCurrent !== targetCurrent) {
    return sourceCurrent;
  }
  return candidates.find(v => v.digest !== targetCurrent)?.digest;
}

/** Why confirm is disabled, or undefined when it is not. */
function blockedReason(options: {
  permissionLoading: boolean;
  permissionAllowed: boolean;
  targetTitle: string;
  digest: string | undefined;
  previewLoading: boolean;
  previewError: Error | undefined;
  failedGates: GateResult[];
  allowed: boolean;
  needsApproval: boolean;
  canRequest: boolean;
}): string | undefined {
  if (options.permissionLoading) {
    return 'Checking your permissions…';
  }
  if (!options.permissionAllowed) {
    return `You are not allowed to promote this component to ${options.targetTitle}. Ask its owners or a platform admin for the image-promotion.promote permission.`;
  }
  if (!options.digest) {
    return 'Choose a version to promote.';
  }
  if (options.previewLoading) {
    return 'Checking the policy…';
  }
  if (options.previewError) {
    return `The policy check failed: ${plainErrorMessage(
      options.previewError,
    )}`;
  }
  if (!options.allowed && !options.needsApproval && !options.canRequest) {
    // Names the gates only: each one's sentence, which says what to fix, is in the policy check.
    const refusing = refusingGates(options.failedGates);
    return `Policy refuses this promotion: the ${joinWords(
      refusing.map(g => gateLabel(g.gate)),
    )} ${
      refusing.length === 1 ? 'check fails' : 'checks fail'
    }. The policy check below says what to fix.`;
  }
  return undefined;
}

/** The failed gates that refuse a request, rather than hold it back (approvals, timed waits). */
function refusingGates(failed: GateResult[]): GateResult[] {
  const refusing = failed.filter(g => gateVerdict(g) === 'failed');
  return refusing.length > 0 ? refusing : failed;
}

/** `a`, `a and b`, `a, b and c`. */
function joinWords(words: string[]): string {
  return words.length <= 1
    ? words.join('')
    : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** An instant to the second in the reader's locale, e.g. `1 Dec 2026, 21:46:22`. */
export function formatExactTime(iso: string): string {
  // Rounded up to the whole second: never shows a moment before the gates actually pass.
  const at = new Date(Math.ceil(Date.parse(iso) / 1000) * 1000);
  return Number.isNaN(at.getTime())
    ? iso
    : at.toLocaleString(undefined, {
        dateStyle: 'medium',
        timeStyle: 'medium',
      });
}

/** "the soak time ends" / "the freeze window ends", for the time gates that hold a request back. */
function describeTimeGates(failed: GateResult[]): string {
  const parts = [];
  if (failed.some(g => g.gate === 'soak')) parts.push('the soak time ends');
  if (failed.some(g => g.gate === 'freeze')) {
    parts.push('the freeze window ends');
  }
  return parts.length ? parts.join(' and ') : 'its time gates pass';
}

function confirmLabel(needsApproval: boolean | undefined, later: boolean) {
  if (needsApproval) {
    return 'Request approval';
  }
  return later ? 'Request' : 'Promote';
}

/** Props of {@link PromoteDialog}. */
export interface PromoteDialogProps {
  open: boolean;
  entityRef: string;
  source: EnvironmentStatus;
  target: EnvironmentStatus;
  /** Preselects this digest, e.g. for a rollback from the history. */
  initialDigest?: string;
  onClose: () => void;
  onPromoted: (promotion: Promotion) => void;
}

/**
 * Chooses a version of the source environment, dry-runs the policy for it as the choice
 * changes, and requests the promotion.
 */
export const PromoteDialog = (props: PromoteDialogProps) => {
  const {
    open,
    entityRef,
    source,
    target,
    initialDigest,
    onClose,
    onPromoted,
  } = props;
  const classes = useStyles();
  const api = useApi(imagePromotionApiRef);
  const permission = usePermission({
    permission: imagePromotionPromotePermission,
    resourceRef: entityRef,
  });

  const candidates = candidateVersions(source, initialDigest);
  const [digest, setDigest] = useState<string | undefined>(() =>
    defaultDigest(candidates, source, target, initialDigest),
  );
  const [targetTag, setTargetTag] = useState('');
  const [debouncedTag, setDebouncedTag] = useState('');
  useDebounce(() => setDebouncedTag(targetTag.trim()), 300, [targetTag]);
  const [reason, setReason] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [submitError, setSubmitError] = useState<
    { message: string } | undefined
  >();

  const preview = useAsyncRetry(async () => {
    if (!open || !digest) {
      return undefined;
    }
    return api.previewPromotion({
      entityRef,
      sourceEnvironment: source.id,
      targetEnvironment: target.id,
      digest,
      targetTag: debouncedTag || undefined,
    });
  }, [api, open, entityRef, source.id, target.id, digest, debouncedTag]);

  const gates = preview.value?.gates ?? [];
  const failed = gates.filter(g => !g.passed);
  const blocked = blockedReason({
    permissionLoading: permission.loading,
    permissionAllowed: permission.allowed,
    targetTitle: target.title,
    digest,
    previewLoading: preview.loading,
    previewError: preview.error,
    failedGates: failed,
    allowed: preview.value?.allowed ?? false,
    needsApproval: preview.value?.needsApproval ?? false,
    canRequest: preview.value?.canRequest ?? false,
  });
  // Accepted now but started later, when the soak time or freeze window ends.
  const waitsUntil =
    preview.value && !preview.value.allowed && preview.value.canRequest
      ? preview.value.eligibleAt
      : null;
  const needsApproval = preview.value?.needsApproval && !preview.value.allowed;
  // Waiting states (loading, choosing) are not errors; refusals and failures are.
  const blockedIsError = Boolean(
    blocked &&
      !permission.loading &&
      digest &&
      !preview.loading &&
      (preview.error || !permission.allowed || preview.value),
  );

  const contentRef = useRef<HTMLDivElement>(null);
  const errorRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // The error is at the top; bring it into view even when the user scrolled down to submit.
    if (submitError) {
      contentRef.current?.scrollTo?.({ top: 0 });
      errorRef.current?.focus?.();
    }
  }, [submitError]);

  const submit = async () => {
    if (!digest) {
      return;
    }
    setSubmitting(true);
    setSubmitError(undefined);
    try {
      const promotion = await api.createPromotion({
        entityRef,
        sourceEnvironment: source.id,
        targetEnvironment: target.id,
        digest,
        targetTag: targetTag.trim() || undefined,
        reason: reason.trim() || undefined,
      });
      onPromoted(promotion);
    } catch (e) {
      if (refusedGates(e)) {
        // Something changed since the policy check ran (a freeze began, a
        // newer version arrived): run it again, so the check below says
        // what holds the promotion now, each gate once.
        setSubmitError({
          message:
            'Policy refused this promotion when you requested it: something changed since the policy check below ran. It has run again.',
        });
        preview.retry();
      } else {
        setSubmitError({ message: plainErrorMessage(e) });
      }
    } finally {
      setSubmitting(false);
    }
  };

  const titleId = `promote-${source.id}-${target.id}-title`;
  const blockedId = `promote-${source.id}-${target.id}-blocked`;
  const gateIdPrefix = `promote-${source.id}-${target.id}-gate`;
  // A refusal names its gates on top; the gates' own sentences (what to fix) describe confirm too.
  const describedBy = blocked
    ? [
        blockedId,
        ...(blockedIsError && preview.value
          ? gates.flatMap((g, i) =>
              failed.includes(g) ? [`${gateIdPrefix}-${i}`] : [],
            )
          : []),
      ].join(' ')
    : undefined;

  return (
    <Dialog
      open={open}
      onClose={onClose}
      aria-labelledby={titleId}
      fullWidth
      maxWidth="md"
    >
      <DialogTitle id={titleId}>
        Promote from {source.title} to {target.title}
      </DialogTitle>
      <DialogContent ref={contentRef}>
        {/* A refusal reads as an error; red body text on the dialog's paper is too faint (axe). */}
        {blocked && blockedIsError && (
          <Alert
            id={blockedId}
            role="note"
            severity="error"
            className={classes.blocked}
          >
            {blocked}
          </Alert>
        )}
        {blocked && !blockedIsError && (
          <Typography
            id={blockedId}
            role="note"
            color="textSecondary"
            variant="body2"
            className={classes.blocked}
          >
            {blocked}
          </Typography>
        )}
        {submitError && (
          <Alert
            severity="error"
            className={classes.blocked}
            ref={errorRef}
            tabIndex={-1}
          >
            {submitError.message}
          </Alert>
        )}
        <Typography variant="subtitle2" component="h3">
          Candidate versions in {source.title}
        </Typography>
        {candidates.length === 0 ? (
          <Typography color="textSecondary">
            {source.title} has no versions yet.
          </Typography>
        ) : (
          <RadioGroup
            aria-label="Candidate versions"
            value={digest ?? ''}
            onChange={e => setDigest(e.target.value)}
          >
            {candidates.map(version => {
              const isCurrentInTarget =
                target.current?.digest === version.digest;
              const wasInTarget =
                !isCurrentInTarget &&
                target.versions.some(v => v.digest === version.digest);
              const tags = version.tags.length
                ? version.tags.join(', ')
                : 'untagged';
              return (
                <FormControlLabel
                  key={version.digest}
                  value={version.digest}
                  control={
                    <Radio
                      inputProps={{
                        'aria-label': `${tags} ${shortDigest(version.digest)}`,
                      }}
                    />
                  }
                  disabled={isCurrentInTarget}
                  label={
                    <span className={classes.candidate}>
                      <strong>{tags}</strong>
                      <span className={classes.digest} title={version.digest}>
                        {shortDigest(version.digest)}
                      </span>
                      <Typography
                        component="span"
                        variant="body2"
                        color="textSecondary"
                      >
                        {formatAge(version.firstSeen)}
                      </Typography>
                      {isCurrentInTarget && (
                        <Chip
                          size="small"
                          label={`current in ${target.title}`}
                        />
                      )}
                      {wasInTarget && (
                        <Chip
                          size="small"
                          color="secondary"
                          label={`was in ${target.title} before: rollback`}
                        />
                      )}
                    </span>
                  }
                />
              );
            })}
          </RadioGroup>
        )}

        <div className={classes.section}>
          <Typography variant="subtitle2" component="h3">
            Policy check
          </Typography>
          {preview.loading && <Progress />}

          {preview.value && (
            <>
              {preview.value.isRollback && (
                <Typography variant="body2">
                  This is a rollback: {target.title} ran this digest before.
                </Typography>
              )}
              <GateSummary gates={gates} itemIdPrefix={gateIdPrefix} />
              {waitsUntil && (
                <Alert severity="info" aria-label="When it starts">
                  You can request it now: it starts by itself at{' '}
                  <strong>{formatExactTime(waitsUntil)}</strong>, when{' '}
                  {describeTimeGates(failed)}
                  {needsApproval
                    ? ', once someone other than you has approved it. Approvers can review it meanwhile.'
                    : '.'}
                </Alert>
              )}
              {needsApproval && !waitsUntil && (
                <Alert severity="info">
                  {target.title} needs approval: the promotion will wait until
                  someone other than you approves it.
                </Alert>
              )}
            </>
          )}
        </div>

        {preview.value && (
          <div className={classes.section}>
            <Typography variant="subtitle2" component="h3">
              What changes in {target.title}
            </Typography>
            {preview.value.changes ? (
              <ChangeSummaryView
                summary={preview.value.changes}
                targetTitle={target.title}
              />
            ) : (
              <Typography variant="body2" color="textSecondary">
                Not known: {preview.value.changesProblem ?? 'no comparison'}
              </Typography>
            )}
          </div>
        )}

        <div className={classes.section}>
          <TextField
            id={`promote-${target.id}-target-tag`}
            label="Target tag"
            value={targetTag}
            onChange={e => setTargetTag(e.target.value)}
            placeholder={preview.value?.targetTag}
            helperText={
              preview.value
                ? `Leave empty to use ${preview.value.targetTag}`
                : 'Leave empty to keep the source tag'
            }
            fullWidth
            margin="dense"
          />
          <TextField
            id={`promote-${target.id}-reason`}
            label="Reason"
            value={reason}
            onChange={e => setReason(e.target.value)}
            helperText="Shown in the history and to approvers"
            fullWidth
            multiline
            minRows={2}
            margin="dense"
          />
        </div>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          onClick={submit}
          disabled={Boolean(blocked) || submitting}
          aria-describedby={describedBy}
        >
          {confirmLabel(needsApproval, Boolean(waitsUntil))}
        </Button>
      </DialogActions>
    </Dialog>
  );
};
