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

import type {
  EnvironmentStatus,
  EnvironmentVersion,
  Promotion,
} from '@image-promotion/plugin-image-promotion-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import LinearProgress from '@material-ui/core/LinearProgress';
import Paper from '@material-ui/core/Paper';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import LockIcon from '@material-ui/icons/Lock';
import WarningIcon from '@material-ui/icons/Warning';
import Alert from '@material-ui/lab/Alert';
import { CopyableDigest } from '../shared/CopyableDigest';
import {
  formatAge,
  formatBytes,
  formatDateTime,
  formatDuration,
  isRunning,
  promotedByText,
  shortDigest,
  statusLabel,
  trackingReason,
} from '../shared/format';

const useStyles = makeStyles(theme => ({
  lane: {
    flex: '1 1 0',
    // Four lanes and three Promote columns fit beside the sidebar at 1280 px.
    minWidth: 150,
    padding: theme.spacing(1.5),
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
  },
  compact: {
    padding: theme.spacing(1),
    minWidth: 140,
  },
  header: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
  },
  location: {
    display: 'block',
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  },
  lock: { color: theme.palette.warning.main },
  details: { padding: theme.spacing(0, 0.5), minWidth: 0 },
  drift: { color: theme.palette.warning.main },
}));

/**
 * The version tags of the digest an environment runs (`1.4.2`), without the tag that only marks
 * the environment (`qa`); that marker when it is all there is.
 */
export function currentVersionTags(env: EnvironmentStatus): string {
  if (!env.current) {
    return '';
  }
  const version = env.versions.find(v => v.digest === env.current?.digest);
  const tags = (version?.tags ?? []).filter(t => t !== env.currentTag);
  if (tags.length > 0) {
    return tags.join(', ');
  }
  return env.current.tag ?? 'untagged';
}

/** A version's tags without the environment's marker tag, or its short digest when untagged. */
export function versionName(
  version: Pick<EnvironmentVersion, 'digest' | 'tags'>,
  markerTag?: string | null,
): string {
  const tags = version.tags.filter(t => t !== markerTag);
  return tags.length > 0 ? tags.join(', ') : shortDigest(version.digest);
}

/**
 * The version a lane can roll back to: the newest one that was in the environment before its
 * current one (never a newer one: moving forward is a promotion, not a rollback).
 */
export function rollbackCandidate(
  env: EnvironmentStatus,
): EnvironmentVersion | undefined {
  if (!env.current) {
    return undefined;
  }
  const current = env.versions.find(v => v.digest === env.current?.digest);
  const currentSeen = Date.parse(current?.firstSeen ?? env.current.since);
  return env.versions
    .filter(
      v =>
        v.digest !== env.current?.digest &&
        Date.parse(v.firstSeen) < currentSeen,
    )
    .sort((a, b) => Date.parse(b.firstSeen) - Date.parse(a.firstSeen))[0];
}

/** How far the lane's current digest is through the soak time the next environment asks for. */
export function soakProgress(
  env: EnvironmentStatus,
  next: EnvironmentStatus | undefined,
  now: number,
): { elapsedMs: number; requiredMs: number; done: boolean } | undefined {
  const requiredMs = next?.policy.soakTimeMs ?? 0;
  if (!env.current || requiredMs <= 0) {
    return undefined;
  }
  const version = env.versions.find(v => v.digest === env.current?.digest);
  const since = Date.parse(version?.firstSeen ?? env.current.since);
  const elapsedMs = Math.max(0, now - since);
  return { elapsedMs, requiredMs, done: elapsedMs >= requiredMs };
}

/** The live state of a promotion into the lane: status, and bytes copied while copying. */
export const RunningPromotion = (props: {
  promotion: Promotion;
  environmentTitle: string;
}) => {
  const { promotion, environmentTitle } = props;
  const { bytesCopied, bytesTotal } = promotion.progress;
  const total = bytesTotal ?? 0;
  const percent = total > 0 ? Math.min(100, (bytesCopied / total) * 100) : 0;
  const copying = promotion.status === 'copying';
  return (
    <Box role="status" aria-label={`Promotion into ${environmentTitle}`}>
      <Typography variant="body2">
        {statusLabel(promotion.status)}{' '}
        <code title={promotion.digest}>{shortDigest(promotion.digest)}</code> as{' '}
        {promotion.targetTag}
      </Typography>
      {isRunning(promotion.status) && (
        <>
          <LinearProgress
            variant={copying && total > 0 ? 'determinate' : 'indeterminate'}
            value={percent}
            aria-label={`Copy progress into ${environmentTitle}`}
          />
          {copying && total > 0 && (
            <Typography variant="caption" color="textSecondary">
              {formatBytes(bytesCopied)} of {formatBytes(total)} (
              {Math.floor(percent)}%)
            </Typography>
          )}
        </>
      )}
    </Box>
  );
};

/** One environment: what runs there, since when and by whom, and what holds the next step back. */
export const EnvironmentLane = (props: {
  env: EnvironmentStatus;
  next?: EnvironmentStatus;
  now: number;
  compact?: boolean;
  /** Offered as "Roll back to …" when the environment ran an older version before. */
  onRollBack?: (env: EnvironmentStatus, version: EnvironmentVersion) => void;
  /** Opens a promotion's details. */
  onShowPromotion?: (promotionId: string) => void;
}) => {
  const { env, next, now, compact, onRollBack, onShowPromotion } = props;
  const lastFailure = env.lastFailure;
  const unreadable = env.trackingError;
  const classes = useStyles();
  const freeze = env.policy.activeFreeze;
  const soak = soakProgress(env, next, now);
  const open = env.openPromotion;
  const rollback = onRollBack && !compact ? rollbackCandidate(env) : undefined;
  const freezeText = freeze
    ? `Promotions into ${env.title} are frozen${
        freeze.reason ? `: ${freeze.reason}` : ''
      } (${freeze.description}, until ${formatDateTime(freeze.endsAt)})`
    : '';
  const registryLabel = `${env.registry.name}: ${env.registry.repository}`;

  return (
    <Paper
      variant="outlined"
      component="section"
      className={compact ? `${classes.lane} ${classes.compact}` : classes.lane}
      aria-label={`${env.title} environment`}
    >
      <div className={classes.header}>
        <Typography variant={compact ? 'subtitle2' : 'h6'} component="h3">
          {env.title}
        </Typography>
        {freeze && (
          <Tooltip title={freezeText}>
            <LockIcon
              className={classes.lock}
              fontSize="small"
              role="img"
              aria-label={freezeText}
              aria-hidden={false}
            />
          </Tooltip>
        )}
        {env.drift.length > 0 && compact && (
          <Tooltip title={`${env.drift.length} drift event(s)`}>
            <WarningIcon
              className={classes.drift}
              fontSize="small"
              role="img"
              aria-label={`Drift in ${env.title}`}
              aria-hidden={false}
            />
          </Tooltip>
        )}
      </div>
      {!compact && (
        <Tooltip title={env.registry.location}>
          <Typography
            variant="caption"
            color="textSecondary"
            className={classes.location}
            aria-label={`Registry ${env.registry.location}`}
            tabIndex={0}
          >
            {registryLabel}
          </Typography>
        </Tooltip>
      )}

      {env.current ? (
        <div>
          <Typography
            variant="body1"
            aria-label={`Current tag in ${env.title}`}
          >
            {currentVersionTags(env)}
          </Typography>
          <CopyableDigest digest={env.current.digest} />
          {!compact && (
            <Typography
              variant="body2"
              color="textSecondary"
              title={`${formatDateTime(env.current.since)}${
                env.currentTag && env.current.tag === env.currentTag
                  ? `, tagged ${env.currentTag}`
                  : ''
              }`}
            >
              {env.current.by
                ? `Promoted ${formatAge(
                    env.current.since,
                    now,
                  )} ${promotedByText(env.current.by, env.current.approvedBy)}`
                : `Discovered ${formatAge(env.current.since, now)}`}
              {onShowPromotion && env.current.promotionId && (
                <Button
                  size="small"
                  variant="text"
                  className={classes.details}
                  onClick={() =>
                    env.current?.promotionId &&
                    onShowPromotion(env.current.promotionId)
                  }
                  aria-label={`Details of the promotion into ${env.title}`}
                >
                  Details
                </Button>
              )}
            </Typography>
          )}
        </div>
      ) : (
        !unreadable && (
          <Typography variant="body2" color="textSecondary">
            Nothing deployed yet
          </Typography>
        )
      )}

      {unreadable && (
        <Alert
          severity="error"
          aria-label={`Cannot read the ${env.title} registry`}
          title={`${unreadable.message} (failing since ${formatDateTime(
            unreadable.failingSince,
          )})`}
        >
          Cannot read the {env.title} registry:{' '}
          {trackingReason(unreadable.message)}, last tried{' '}
          {formatAge(unreadable.lastTriedAt, now)}.
          {env.current && ' The version shown is the last one read.'}
        </Alert>
      )}

      {soak && next && !compact && (
        <div>
          <LinearProgress
            variant="determinate"
            color="secondary"
            value={Math.min(100, (soak.elapsedMs / soak.requiredMs) * 100)}
            aria-label={`Soak time before ${next.title}`}
          />
          <Typography variant="caption" color="textSecondary">
            {soak.done
              ? `Soak time for ${next.title} done (${formatDuration(
                  soak.requiredMs,
                )})`
              : `Soaked ${formatDuration(soak.elapsedMs)} of ${formatDuration(
                  soak.requiredMs,
                )} before ${next.title}`}
          </Typography>
        </div>
      )}

      {open &&
        (isRunning(open.status) || open.status === 'pending_approval') && (
          <RunningPromotion promotion={open} environmentTitle={env.title} />
        )}

      {lastFailure && !compact && (
        <Alert
          severity="error"
          aria-label={`Last promotion into ${env.title} failed`}
          action={
            onShowPromotion ? (
              <Button
                size="small"
                color="inherit"
                onClick={() => onShowPromotion(lastFailure.promotionId)}
              >
                Details
              </Button>
            ) : undefined
          }
        >
          {lastFailure.targetTag} failed {formatAge(lastFailure.failedAt, now)}:{' '}
          {lastFailure.message}
        </Alert>
      )}

      {env.drift.length > 0 && !compact && (
        <Alert severity="warning">
          {env.drift.length === 1
            ? `Tag ${env.drift[0].tag} moved to ${shortDigest(
                env.drift[0].newDigest,
              )} without a promotion.`
            : `${env.drift.length} tags moved without a promotion.`}
        </Alert>
      )}

      {rollback && onRollBack && (
        <Box mt="auto">
          <Button
            size="small"
            variant="text"
            onClick={() => onRollBack(env, rollback)}
            aria-label={`Roll back to ${versionName(
              rollback,
              env.currentTag,
            )} in ${env.title}`}
          >
            Roll back to {versionName(rollback, env.currentTag)}
          </Button>
        </Box>
      )}
    </Paper>
  );
};
