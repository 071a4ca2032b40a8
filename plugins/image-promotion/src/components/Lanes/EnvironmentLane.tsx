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
  Promotion,
} from '@image-promotion/plugin-image-promotion-common';
import Box from '@material-ui/core/Box';
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
  humanizeUserRef,
  isRunning,
  shortDigest,
  statusLabel,
} from '../shared/format';

const useStyles = makeStyles(theme => ({
  lane: {
    flex: '1 1 0',
    minWidth: 220,
    padding: theme.spacing(2),
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
    wordBreak: 'break-all',
  },
  lock: { color: theme.palette.warning.main },
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
}) => {
  const { env, next, now, compact } = props;
  const classes = useStyles();
  const freeze = env.policy.activeFreeze;
  const soak = soakProgress(env, next, now);
  const open = env.openPromotion;
  const freezeText = freeze
    ? `Promotions into ${env.title} are frozen${
        freeze.reason ? `: ${freeze.reason}` : ''
      } (${freeze.description}, until ${formatDateTime(freeze.endsAt)})`
    : '';

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
        <Typography
          variant="caption"
          color="textSecondary"
          className={classes.location}
        >
          {env.registry.location}
        </Typography>
      )}

      {env.current ? (
        <div>
          <Typography
            variant="body1"
            aria-label={`Current tag in ${env.title}`}
          >
            {currentVersionTags(env)}
          </Typography>
          {!compact && env.currentTag && env.current.tag === env.currentTag && (
            <Typography variant="caption" color="textSecondary">
              tagged {env.currentTag}
            </Typography>
          )}
          <CopyableDigest digest={env.current.digest} />
          {!compact && (
            <Typography
              variant="body2"
              color="textSecondary"
              title={formatDateTime(env.current.since)}
            >
              {env.current.by
                ? `Promoted ${formatAge(
                    env.current.since,
                    now,
                  )} by ${humanizeUserRef(env.current.by)}`
                : `Discovered ${formatAge(env.current.since, now)}`}
            </Typography>
          )}
        </div>
      ) : (
        <Typography variant="body2" color="textSecondary">
          Nothing deployed yet
        </Typography>
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

      {env.drift.length > 0 && !compact && (
        <Alert severity="warning">
          {env.drift.length === 1
            ? `Tag ${env.drift[0].tag} moved to ${shortDigest(
                env.drift[0].newDigest,
              )} without a promotion.`
            : `${env.drift.length} tags moved without a promotion.`}
        </Alert>
      )}
    </Paper>
  );
};
