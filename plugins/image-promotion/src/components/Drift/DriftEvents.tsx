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
import type { EnvironmentStatus } from '@image-promotion/plugin-image-promotion-common';
import Button from '@material-ui/core/Button';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemSecondaryAction from '@material-ui/core/ListItemSecondaryAction';
import ListItemText from '@material-ui/core/ListItemText';
import { useState } from 'react';
import { imagePromotionApiRef } from '../../api';
import { errorMessage, formatAge, shortDigest } from '../shared/format';

/**
 * Tags that moved without a promotion ("image changed without intent"), each with Acknowledge;
 * they stay listed until someone acknowledges them.
 */
export const DriftEvents = (props: {
  environments: EnvironmentStatus[];
  onChanged: () => void;
}) => {
  const { environments, onChanged } = props;
  const api = useApi(imagePromotionApiRef);
  const alertApi = useApi(alertApiRef);
  const [busy, setBusy] = useState<string | undefined>();
  const events = environments.flatMap(env =>
    env.drift.map(event => ({ env, event })),
  );
  if (events.length === 0) {
    return null;
  }

  const acknowledge = async (id: string) => {
    setBusy(id);
    try {
      await api.acknowledgeDrift(id);
      onChanged();
    } catch (e) {
      alertApi.post({
        message: `Could not acknowledge the drift: ${errorMessage(e)}`,
        severity: 'error',
      });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <InfoCard title="Drift">
      <List aria-label="Drift events">
        {events.map(({ env, event }) => (
          <ListItem key={event.id}>
            <ListItemText
              primary={`Tag ${event.tag} in ${
                env.title
              } moved from ${shortDigest(
                event.previousDigest,
              )} to ${shortDigest(event.newDigest)}`}
              secondary={`Detected ${formatAge(
                event.detectedAt,
              )}; no promotion did it. Check who pushed it, then promote the intended digest again or acknowledge.`}
            />
            <ListItemSecondaryAction>
              <Button
                size="small"
                variant="outlined"
                disabled={busy === event.id}
                onClick={() => acknowledge(event.id)}
                aria-label={`Acknowledge drift of tag ${event.tag} in ${env.title}`}
              >
                Acknowledge
              </Button>
            </ListItemSecondaryAction>
          </ListItem>
        ))}
      </List>
    </InfoCard>
  );
};
