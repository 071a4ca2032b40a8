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
  ChangeHeadline,
  ChangeSummary,
  LayerChange,
} from '@image-promotion/plugin-image-promotion-common';
import Link from '@material-ui/core/Link';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import Alert from '@material-ui/lab/Alert';
import { formatBytes, formatDateTime, shortDigest } from './format';

const useStyles = makeStyles(theme => ({
  table: { marginTop: theme.spacing(1) },
  changed: { fontWeight: theme.typography.fontWeightBold as number },
  value: { wordBreak: 'break-all' },
  line: { marginTop: theme.spacing(1) },
}));

/** `+58.2 KiB` / `−10.0 KiB` / `±0 B`. */
export function formatSizeDelta(delta: number): string {
  if (delta === 0) return '±0 B';
  return `${delta > 0 ? '+' : '−'}${formatBytes(Math.abs(delta))}`;
}

const CREATED_LABEL = 'org.opencontainers.image.created';

/**
 * A label's value as a reader wants it: the creation instant in the reader's
 * locale and time zone (the raw RFC 3339 value stays in the title), every
 * other label as the image states it.
 */
export function displayLabelValue(key: string, value: string | null): string {
  if (value === null) return '—';
  return key === CREATED_LABEL ? formatDateTime(value) : value;
}

/** "2 layers added (58.2 KiB), 1 removed (9.8 KiB), 1 shared". */
export function describeLayers(layers: LayerChange): string {
  const plural = (n: number) => (n === 1 ? 'layer' : 'layers');
  const parts = [
    `${layers.added} ${plural(layers.added)} added${
      layers.added ? ` (${formatBytes(layers.bytesAdded)})` : ''
    }`,
    `${layers.removed} removed${
      layers.removed ? ` (${formatBytes(layers.bytesRemoved)})` : ''
    }`,
    `${layers.shared} shared`,
  ];
  return parts.join(', ');
}

/**
 * What History shows in two short lines: the version change
 * (`1.0.0 → 1.1.0`, empty without version labels) and the content change
 * (`+2 −1 layers · +58.2 KiB`).
 */
export function describeHeadline(headline: ChangeHeadline): {
  version: string;
  content: string;
} {
  let version = '';
  if (headline.fromVersion || headline.toVersion) {
    version =
      headline.fromVersion && headline.fromVersion !== headline.toVersion
        ? `${headline.fromVersion} → ${headline.toVersion ?? '?'}`
        : headline.toVersion ?? '';
  }
  const content = [
    `+${headline.layersAdded} −${headline.layersRemoved} layers`,
  ];
  if (headline.sizeDelta !== null)
    content.push(formatSizeDelta(headline.sizeDelta));
  return { version, content: content.join(' · ') };
}

/**
 * What a promotion changes in its target environment: the labels that
 * matter (version, revision, source, created, base image), the commit range
 * with a link to the forge, layers and size, and per platform for an index.
 */
export const ChangeSummaryView = (props: {
  summary: ChangeSummary;
  /** The target environment's title, for "now in QA". */
  targetTitle: string;
}) => {
  const { summary, targetTitle } = props;
  const classes = useStyles();
  const labels = summary.labels.filter(l => l.from !== null || l.to !== null);
  // One platform that is simply new (nothing ran there before) says nothing
  // the lines above do not; a platform added to or dropped from an existing
  // image, or an index of several, gets its own table.
  const multiPlatform =
    summary.platforms.length > 1 ||
    (summary.fromDigest !== null &&
      summary.platforms.some(
        p => p.status === 'added' || p.status === 'removed',
      ));
  return (
    <div aria-label="What changes">
      {summary.problem && (
        <Alert severity="warning" className={classes.line}>
          {summary.problem}
        </Alert>
      )}
      {summary.identical && (
        <Typography variant="body2" className={classes.line}>
          {targetTitle} already runs this digest: only tags change.
        </Typography>
      )}
      {summary.fromDigest === null && !summary.problem && (
        <Typography variant="body2" className={classes.line}>
          {targetTitle} has no image yet: everything is new.
        </Typography>
      )}
      {labels.length > 0 && (
        <Table size="small" className={classes.table} aria-label="Labels">
          <TableHead>
            <TableRow>
              <TableCell component="th" scope="col">
                Label
              </TableCell>
              <TableCell component="th" scope="col">
                Now in {targetTitle}
              </TableCell>
              <TableCell component="th" scope="col">
                Candidate
              </TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {labels.map(label => (
              <TableRow key={label.key}>
                <TableCell component="th" scope="row" title={label.key}>
                  {label.title}
                </TableCell>
                <TableCell
                  className={classes.value}
                  title={label.from ?? undefined}
                >
                  {displayLabelValue(label.key, label.from)}
                </TableCell>
                <TableCell
                  className={`${classes.value} ${
                    label.changed ? classes.changed : ''
                  }`}
                  title={label.to ?? undefined}
                >
                  {displayLabelValue(label.key, label.to)}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {summary.compare && (
        <Typography variant="body2" className={classes.line}>
          Commits:{' '}
          {summary.compare.url ? (
            <Link
              href={summary.compare.url}
              target="_blank"
              rel="noopener noreferrer"
            >
              {summary.compare.from.slice(0, 12)}…
              {summary.compare.to.slice(0, 12)}
            </Link>
          ) : (
            `${summary.compare.from.slice(0, 12)}…${summary.compare.to.slice(
              0,
              12,
            )}`
          )}
        </Typography>
      )}
      <Typography variant="body2" className={classes.line}>
        Layers: {describeLayers(summary.layers)}.
      </Typography>
      <Typography variant="body2" className={classes.line}>
        Size:{' '}
        {summary.size.from === null
          ? formatBytes(summary.size.to)
          : `${formatBytes(summary.size.from)} → ${formatBytes(
              summary.size.to,
            )} (${formatSizeDelta(summary.size.to - summary.size.from)})`}
      </Typography>
      {multiPlatform && (
        <Table size="small" className={classes.table} aria-label="Platforms">
          <TableHead>
            <TableRow>
              <TableCell component="th" scope="col">
                Platform
              </TableCell>
              <TableCell component="th" scope="col">
                Change
              </TableCell>
              <TableCell component="th" scope="col">
                Layers
              </TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {summary.platforms.map(p => (
              <TableRow key={p.platform}>
                <TableCell component="th" scope="row">
                  {p.platform}
                </TableCell>
                <TableCell>
                  {p.status}
                  {p.toDigest ? ` (${shortDigest(p.toDigest)})` : ''}
                </TableCell>
                <TableCell>{describeLayers(p.layers)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
};
