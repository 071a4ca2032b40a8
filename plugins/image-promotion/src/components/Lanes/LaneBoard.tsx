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
import { makeStyles } from '@material-ui/core/styles';
import ArrowForwardIcon from '@material-ui/icons/ArrowForward';
import { Fragment } from 'react';
import { EnvironmentLane, versionName } from './EnvironmentLane';

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
    // Room for "1.12.0 ready" without widening the board.
    minWidth: 0,
    padding: theme.spacing(0.25, 1),
    lineHeight: 1.3,
  },
}));

/**
 * What the Promote button between two lanes says: whether the left lane runs something the
 * right one does not (`1.2.0 ready`), the same (`in sync`), or nothing at all.
 */
export function promoteReadiness(
  source: EnvironmentStatus,
  target: EnvironmentStatus,
): { label: string; state: 'ready' | 'in-sync' | 'empty' | 'choose' } {
  if (source.versions.length === 0) {
    return { label: `Nothing in ${source.title}`, state: 'empty' };
  }
  const digest = source.current?.digest;
  if (!digest) {
    return { label: 'Choose a version', state: 'choose' };
  }
  if (digest === target.current?.digest) {
    return { label: 'in sync', state: 'in-sync' };
  }
  const version = source.versions.find(v => v.digest === digest) ?? {
    digest,
    tags: source.current?.tag ? [source.current.tag] : [],
  };
  // Shortest name first: one tag reads best on a small button.
  const name = versionName(version, source.currentTag).split(', ')[0];
  return { label: `${name} ready`, state: 'ready' };
}

const PromoteButton = (props: {
  source: EnvironmentStatus;
  target: EnvironmentStatus;
  className: string;
  onClick: () => void;
}) => {
  const { source, target, className, onClick } = props;
  const readiness = promoteReadiness(source, target);
  const detail = readiness.state === 'choose' ? '' : readiness.label;
  const label = detail ? `Promote ${detail}` : 'Promote';
  return (
    <Button
      size="small"
      variant={readiness.state === 'ready' ? 'contained' : 'outlined'}
      color="primary"
      className={className}
      onClick={onClick}
      disabled={readiness.state === 'empty'}
      // The visible words lead the accessible name, so voice control finds the button by them.
      aria-label={`${label}: from ${source.title} to ${target.title}`}
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
