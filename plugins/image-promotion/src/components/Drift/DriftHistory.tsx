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
import type {
  DriftEvent,
  EnvironmentStatus,
} from '@image-promotion/plugin-image-promotion-common';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import {
  formatAge,
  formatDateTime,
  humanizeUserRef,
  shortDigest,
} from '../shared/format';

/** Drift that was acknowledged: which tag moved, who looked at it and what they wrote. */
export const DriftHistory = (props: {
  events: DriftEvent[];
  environments: EnvironmentStatus[];
}) => {
  const acknowledged = props.events.filter(e => e.acknowledgedAt);
  if (acknowledged.length === 0) {
    return null;
  }
  const title = (id: string) =>
    props.environments.find(e => e.id === id)?.title ?? id;
  return (
    <InfoCard title="Drift history">
      <List dense aria-label="Acknowledged drift">
        {acknowledged.map(event => (
          <ListItem key={event.id} disableGutters>
            <ListItemText
              primary={`Tag ${event.tag} in ${title(
                event.environment,
              )} moved from ${shortDigest(
                event.previousDigest,
              )} to ${shortDigest(event.newDigest)}, ${formatAge(
                event.detectedAt,
              )}`}
              secondary={
                <span title={formatDateTime(event.acknowledgedAt)}>
                  Acknowledged by {humanizeUserRef(event.acknowledgedBy)}{' '}
                  {formatAge(event.acknowledgedAt ?? '')}
                  {event.acknowledgeComment
                    ? `: “${event.acknowledgeComment}”`
                    : ' without a comment'}
                </span>
              }
            />
          </ListItem>
        ))}
      </List>
    </InfoCard>
  );
};
