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

import { useApi } from '@backstage/core-plugin-api';
import type {
  AutoPromotionState,
  EnvironmentStatus,
} from '@image-promotion/plugin-image-promotion-common';
import Box from '@material-ui/core/Box';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { useEffect, useState } from 'react';
import { imagePromotionApiRef } from '../../api';
import {
  errorMessage,
  formatDateTime,
  humanizeUserRef,
  listNames,
} from '../shared/format';

/**
 * The auto-promotion switch of a component: shown only when an environment
 * of its pipeline promotes by itself. Turning it off pauses auto-promotion
 * for this service (and cancels what waits); the backend checks that the
 * user may promote the component.
 */
export const AutoPromotionToggle = (props: {
  entityRef: string;
  environments: EnvironmentStatus[];
  /** Called after a change, so the page reloads what a pause cancelled. */
  onChanged?: () => void;
}) => {
  const { entityRef, environments, onChanged } = props;
  const api = useApi(imagePromotionApiRef);
  const [state, setState] = useState<AutoPromotionState>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    let current = true;
    api
      .getAutoPromotion(entityRef)
      .then(s => current && setState(s))
      .catch(() => current && setState(undefined));
    return () => {
      current = false;
    };
  }, [api, entityRef]);

  if (!state || state.environments.length === 0) return null;

  const titles = state.environments.map(
    id => environments.find(e => e.id === id)?.title ?? id,
  );
  const toggle = async (enabled: boolean) => {
    setSaving(true);
    setError(undefined);
    try {
      setState(await api.setAutoPromotion(entityRef, { paused: !enabled }));
      onChanged?.();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Box data-testid="auto-promotion" mb={2}>
      <FormControlLabel
        control={
          <Switch
            color="primary"
            checked={!state.paused}
            disabled={saving}
            onChange={(_, checked) => toggle(checked)}
            inputProps={{ 'aria-label': 'Auto-promotion' }}
          />
        }
        label={state.paused ? 'Auto-promotion paused' : 'Auto-promotion on'}
      />
      <Typography variant="body2" color="textPrimary" component="span">
        {state.paused
          ? `Paused by ${humanizeUserRef(state.pausedBy)}${
              state.pausedAt ? ` on ${formatDateTime(state.pausedAt)}` : ''
            }${
              state.reason ? ` (${state.reason})` : ''
            }: new versions wait for a person.`
          : `New versions move into ${listNames(
              titles,
            )} by themselves once soak time and freeze windows allow; approvals still need a person.`}
      </Typography>
      {error !== undefined && (
        <Box mt={1}>
          <Alert severity="error">
            Could not {state.paused ? 'resume' : 'pause'} auto-promotion:{' '}
            {errorMessage(error)}
          </Alert>
        </Box>
      )}
    </Box>
  );
};
