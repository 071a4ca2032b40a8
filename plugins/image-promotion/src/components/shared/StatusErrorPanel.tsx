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

import {
  EmptyState,
  ResponseErrorPanel,
  WarningPanel,
} from '@backstage/core-components';
import { ResponseError } from '@backstage/errors';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { errorMessage, isUnreachable } from './format';

/**
 * Explains a failed load and what to do about it: an unreachable backend, a component the backend
 * does not track (yet), missing permission, or the backend's own error.
 */
export const StatusErrorPanel = (props: {
  error: Error;
  what: string;
  onRetry?: () => void;
}) => {
  const { error, what, onRetry } = props;
  const retry = onRetry && (
    <Button variant="outlined" color="primary" onClick={onRetry}>
      Try again
    </Button>
  );

  if (isUnreachable(error)) {
    return (
      <WarningPanel
        severity="error"
        defaultExpanded
        title="The image promotion backend is unreachable"
        message={
          <>
            <Typography paragraph>
              Could not load {what}: {errorMessage(error)}.
            </Typography>
            <Typography paragraph>
              Check that the Backstage backend is running and has the plugin
              installed (
              <code>
                backend.add(import(&apos;@image-promotion/plugin-image-promotion-backend&apos;))
              </code>{' '}
              in <code>packages/backend/src/index.ts</code>), then try again.
            </Typography>
            {retry}
          </>
        }
      />
    );
  }
  if (ResponseError.is(error) && error.statusCode === 403) {
    return (
      <EmptyState
        missing="info"
        title="You may not see image promotions here"
        description={`${errorMessage(
          error,
        )} Ask the component's owners or a platform admin for the image-promotion.read permission.`}
      />
    );
  }
  if (ResponseError.is(error) && error.statusCode === 404) {
    return (
      <EmptyState
        missing="data"
        title="Not tracked yet"
        description={`${errorMessage(
          error,
        )} Tracking reads annotated components from the catalog on a schedule; try again after the next run.`}
        action={retry}
      />
    );
  }
  return <ResponseErrorPanel error={error} title={`Could not load ${what}`} />;
};
