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
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemSecondaryAction from '@material-ui/core/ListItemSecondaryAction';
import ListItemText from '@material-ui/core/ListItemText';
import { useState } from 'react';
import { imagePromotionApiRef } from '../../api';
import { formatAge, plainErrorMessage, shortDigest } from '../shared/format';

/** Asks what the person found before the drift leaves the lane: the comment stays in the history. */
const AcknowledgeDialog = (props: {
  what: string;
  busy: boolean;
  onCancel: () => void;
  onConfirm: (comment: string) => void;
}) => {
  const [comment, setComment] = useState('');
  return (
    <Dialog open onClose={props.onCancel} aria-labelledby="ack-drift-title">
      <DialogTitle id="ack-drift-title">Acknowledge {props.what}</DialogTitle>
      <DialogContent>
        <DialogContentText>
          Say why the move is fine, or what you did about it. The comment is
          kept in the drift history.
        </DialogContentText>
        <TextField
          id="ack-drift-comment"
          label="Comment (required)"
          value={comment}
          onChange={e => setComment(e.target.value)}
          required
          fullWidth
          multiline
          minRows={2}
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onCancel}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={!comment.trim() || props.busy}
          onClick={() => props.onConfirm(comment.trim())}
        >
          Acknowledge
        </Button>
      </DialogActions>
    </Dialog>
  );
};

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
  const [asking, setAsking] = useState<
    { id: string; what: string } | undefined
  >();
  const events = environments.flatMap(env =>
    env.drift.map(event => ({ env, event })),
  );
  if (events.length === 0) {
    return null;
  }

  const acknowledge = async (id: string, comment: string) => {
    setBusy(id);
    try {
      await api.acknowledgeDrift(id, { comment });
      setAsking(undefined);
      onChanged();
    } catch (e) {
      alertApi.post({
        message: `Could not acknowledge the drift: ${plainErrorMessage(e)}`,
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
                onClick={() =>
                  setAsking({
                    id: event.id,
                    what: `the drift of tag ${event.tag} in ${env.title}`,
                  })
                }
                aria-label={`Acknowledge drift of tag ${event.tag} in ${env.title}`}
              >
                Acknowledge
              </Button>
            </ListItemSecondaryAction>
          </ListItem>
        ))}
      </List>
      {asking && (
        <AcknowledgeDialog
          what={asking.what}
          busy={busy === asking.id}
          onCancel={() => setAsking(undefined)}
          onConfirm={comment => acknowledge(asking.id, comment)}
        />
      )}
    </InfoCard>
  );
};
