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

import type { EnvironmentStatus } from '@image-promotion/plugin-image-promotion-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import ArrowForwardIcon from '@material-ui/icons/ArrowForward';
import { Fragment } from 'react';
import { EnvironmentLane } from './EnvironmentLane';

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
    gap: theme.spacing(1),
    flex: '0 0 auto',
  },
}));

/**
 * The environments left to right; between two lanes, the action that promotes from the left one
 * into the right one (left out when `onPromote` is not given, as on the card).
 */
export const LaneBoard = (props: {
  environments: EnvironmentStatus[];
  now: number;
  compact?: boolean;
  onPromote?: (source: EnvironmentStatus, target: EnvironmentStatus) => void;
}) => {
  const { environments, now, compact, onPromote } = props;
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
                  <Button
                    size="small"
                    variant="outlined"
                    color="primary"
                    onClick={() => onPromote(previous, env)}
                    disabled={previous.versions.length === 0}
                    aria-label={`Promote from ${previous.title} to ${env.title}`}
                    title={
                      previous.versions.length === 0
                        ? `${previous.title} has no versions to promote yet`
                        : undefined
                    }
                  >
                    Promote
                  </Button>
                )}
                {onPromote && previous.versions.length === 0 && (
                  <Typography variant="caption" color="textSecondary">
                    Nothing in {previous.title}
                  </Typography>
                )}
              </div>
            )}
            <Box role="listitem" flex="1 1 0" display="flex">
              <EnvironmentLane
                env={env}
                next={environments[index + 1]}
                now={now}
                compact={compact}
              />
            </Box>
          </Fragment>
        );
      })}
    </Box>
  );
};
