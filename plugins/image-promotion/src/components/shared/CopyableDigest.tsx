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

import { CopyTextButton } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { shortDigest } from './format';

const useStyles = makeStyles(theme => ({
  root: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    // Backstage UI sizes a small ButtonIcon's icon at 1rem, but its rule sits in a CSS layer
    // that Material UI's unlayered 1.5rem SvgIcon wins over: a copy icon larger than the digest.
    '& button svg': { fontSize: '1rem' },
  },
  digest: {
    fontFamily: 'monospace',
  },
}));

/** A short digest (full one in its title) with a button that copies the full digest. */
export const CopyableDigest = (props: { digest: string }) => {
  const { digest } = props;
  const classes = useStyles();
  const short = shortDigest(digest);
  return (
    <span className={classes.root}>
      <Typography
        component="code"
        variant="body2"
        className={classes.digest}
        title={digest}
      >
        {short}
      </Typography>
      {/* Since core-components moved it to Backstage UI, its default is the solid "primary"
          variant: a filled square beside the digest. "tertiary" is an icon on the paper. */}
      <CopyTextButton
        text={digest}
        aria-label={`Copy digest ${short}`}
        tooltipText="Digest copied to clipboard"
        variant="tertiary"
      />
    </span>
  );
};
