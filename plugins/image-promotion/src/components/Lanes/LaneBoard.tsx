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
} from '@image-promotion/plugin-image-promotion-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Tooltip from '@material-ui/core/Tooltip';
import { makeStyles } from '@material-ui/core/styles';
import ArrowForwardIcon from '@material-ui/icons/ArrowForward';
import { Fragment } from 'react';
import { gateLabel } from '../shared/GateList';
import {
  formatDateTime,
  formatDuration,
  isRunning,
  statusLabel,
} from '../shared/format';
import { EnvironmentLane, soakProgress, versionName } from './EnvironmentLane';

const useStyles = makeStyles(theme => ({
  board: {
    display: 'flex',
    alignItems: 'stretch',
    gap: theme.spacing(1),
    overflowX: 'auto',
    paddingBottom: theme.spacing(1),
  },
  between: {
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    gap: theme.spacing(0.5),
    flex: '0 0 auto',
    maxWidth: 112,
    textAlign: 'center',
  },
  promote: {
    // Room for "1.12.0 · soaking" without widening the board.
    minWidth: 0,
    padding: theme.spacing(0.25, 1),
    lineHeight: 1.3,
  },
}));

/** Something the status already tells that holds a promotion back, e.g. a freeze window. */
export interface PromoteHold {
  /** The gate in words (`Freeze window`), or `Open promotion`. */
  name: string;
  /** A word or two for the button (`frozen`). */
  short: string;
  /** What holds it and what a request does meanwhile. */
  sentence: string;
}

/**
 * What the Promote button between two lanes says: the version the left lane runs and the right
 * one does not (`1.2.0`), the same (`in sync`), or nothing at all; and what the status already
 * shows will hold that version back: an open promotion into the target (a second one is refused),
 * its freeze window, the soak time, approvals; and that the source had the version before the
 * target's (promoting it is a rollback there). Gates only a dry-run knows (signatures, tags,
 * permission) are checked in the dialog, so the button never says "ready".
 */
export function promoteReadiness(
  source: EnvironmentStatus,
  target: EnvironmentStatus,
  now: number = Date.now(),
): {
  label: string;
  state: 'new' | 'busy' | 'in-sync' | 'empty' | 'choose';
  holds: PromoteHold[];
} {
  if (source.versions.length === 0) {
    return { label: `Nothing in ${source.title}`, state: 'empty', holds: [] };
  }
  const open = target.openPromotion;
  if (open && (isRunning(open.status) || open.status === 'pending_approval')) {
    const status = statusLabel(open.status).toLocaleLowerCase('en');
    return {
      label: status,
      state: 'busy',
      holds: [
        {
          name: 'Open promotion',
          short: status,
          sentence: `A promotion into ${target.title} is ${status}; another one can start when it finishes or is cancelled.`,
        },
      ],
    };
  }
  const digest = source.current?.digest;
  if (!digest) {
    return { label: 'Choose a version', state: 'choose', holds: [] };
  }
  if (digest === target.current?.digest) {
    return { label: 'in sync', state: 'in-sync', holds: [] };
  }
  const version = source.versions.find(v => v.digest === digest) ?? {
    digest,
    tags: source.current?.tag ? [source.current.tag] : [],
  };
  // Shortest name first: one tag reads best on a small button.
  const name = versionName(version, source.currentTag).split(', ')[0];
  const holds: PromoteHold[] = [];
  // A version the source had before the one the target runs (the source
  // rolled back): promoting it takes the target back. Seen in the source,
  // not in the target: a target that rolled back may have run the newer one.
  const targetDigest = target.current?.digest;
  const targetVersion =
    target.versions.find(v => v.digest === targetDigest) ??
    source.versions.find(v => v.digest === targetDigest);
  const targetInSource = source.versions.find(v => v.digest === targetDigest);
  const candidate = source.versions.find(v => v.digest === digest);
  const older = Boolean(
    candidate &&
      targetInSource &&
      Date.parse(candidate.firstSeen) < Date.parse(targetInSource.firstSeen),
  );
  if (target.current && older) {
    const currentName = targetVersion
      ? versionName(targetVersion, target.currentTag).split(', ')[0]
      : target.current.tag ?? 'its current version';
    holds.push({
      name: 'Older version',
      short: 'older',
      sentence: `${name} is older than ${currentName}, which ${target.title} runs; promoting it takes ${target.title} back.`,
    });
  }
  const freeze = target.policy.activeFreeze;
  if (freeze) {
    holds.push({
      name: gateLabel('freeze'),
      short: 'frozen',
      sentence: `Promotions into ${target.title} are frozen${
        freeze.reason ? ` (${freeze.reason})` : ''
      } until ${formatDateTime(
        freeze.endsAt,
      )}; a request made now starts when the freeze ends.`,
    });
  }
  const soak = soakProgress(source, target, now);
  if (soak && !soak.done) {
    holds.push({
      name: gateLabel('soak'),
      short: 'soaking',
      sentence: `${name} has soaked ${formatDuration(
        soak.elapsedMs,
      )} of ${formatDuration(soak.requiredMs)} in ${
        source.title
      }; a request made now starts when the soak ends.`,
    });
  }
  const approvals = target.policy.approvals;
  if (approvals > 0) {
    holds.push({
      name: gateLabel('approvals'),
      short: 'needs approval',
      sentence: `${target.title} needs ${
        approvals === 1 ? 'an approval' : `${approvals} approvals`
      } from someone other than you; a request waits for ${
        approvals === 1 ? 'it' : 'them'
      }.`,
    });
  }
  return {
    label: holds.length > 0 ? `${name} · ${holds[0].short}` : name,
    state: 'new',
    holds,
  };
}

const PromoteButton = (props: {
  source: EnvironmentStatus;
  target: EnvironmentStatus;
  now: number;
  className: string;
  onClick: () => void;
}) => {
  const { source, target, now, className, onClick } = props;
  const readiness = promoteReadiness(source, target, now);
  const detail = readiness.state === 'choose' ? '' : readiness.label;
  const label = detail ? `Promote ${detail}` : 'Promote';
  const disabled = readiness.state === 'empty' || readiness.state === 'busy';
  let explanation = readiness.holds
    .map(hold => `${hold.name}: ${hold.sentence}`)
    .join(' ');
  if (readiness.state === 'new') {
    // Signatures, tags and permission are only known to the dry-run: no promise of "ready".
    explanation = `${
      explanation ? `${explanation} ` : ''
    }Opens the policy check for ${
      target.title
    }; nothing is copied until you confirm there.`;
  }
  const explanationId = `promote-${source.id}-${target.id}-holds`;
  const button = (
    <Button
      size="small"
      variant={
        readiness.state === 'new' && readiness.holds.length === 0
          ? 'contained'
          : 'outlined'
      }
      color="primary"
      className={className}
      onClick={onClick}
      disabled={disabled}
      // The visible words lead the accessible name, so voice control finds the button by them.
      aria-label={`${label}: from ${source.title} to ${target.title}`}
      aria-describedby={explanation ? explanationId : undefined}
    >
      <span>
        Promote
        {detail && (
          <>
            {' '}
            <br />
            <small>{detail}</small>
          </>
        )}
      </span>
    </Button>
  );
  if (!explanation) {
    return button;
  }
  return (
    <>
      {/* A disabled button gets no pointer events: the tooltip listens on its wrapper. */}
      <Tooltip title={explanation}>
        <span>{button}</span>
      </Tooltip>
      <span id={explanationId} hidden>
        {explanation}
      </span>
    </>
  );
};

/**
 * The environments left to right; between two lanes, the action that promotes from the left one
 * into the right one (left out when `onPromote` is not given, as on the card).
 */
export const LaneBoard = (props: {
  environments: EnvironmentStatus[];
  now: number;
  compact?: boolean;
  onPromote?: (source: EnvironmentStatus, target: EnvironmentStatus) => void;
  onRollBack?: (env: EnvironmentStatus, version: EnvironmentVersion) => void;
  onShowPromotion?: (promotionId: string) => void;
}) => {
  const { environments, now, compact, onPromote, onRollBack, onShowPromotion } =
    props;
  const classes = useStyles();
  return (
    <Box className={classes.board} role="list" aria-label="Environments">
      {environments.map((env, index) => {
        const previous = index > 0 ? environments[index - 1] : undefined;
        return (
          <Fragment key={env.id}>
            {previous && (
              <div className={classes.between} role="listitem">
                <ArrowForwardIcon color="action" aria-hidden />
                {onPromote && (
                  <PromoteButton
                    source={previous}
                    target={env}
                    now={now}
                    className={classes.promote}
                    onClick={() => onPromote(previous, env)}
                  />
                )}
              </div>
            )}
            <Box role="listitem" flex="1 1 0" display="flex">
              <EnvironmentLane
                env={env}
                next={environments[index + 1]}
                now={now}
                compact={compact}
                onRollBack={onRollBack}
                onShowPromotion={onShowPromotion}
              />
            </Box>
          </Fragment>
        );
      })}
    </Box>
  );
};
