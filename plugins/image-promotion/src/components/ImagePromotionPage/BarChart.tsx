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

import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { makeStyles, useTheme } from '@material-ui/core/styles';

/** One bar. */
export interface Bar {
  label: string;
  /** Shown under the bar when the label is too long for it; the table shows `label`. */
  short?: string;
  value: number;
}

const useStyles = makeStyles(theme => ({
  root: {
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(2),
    alignItems: 'flex-start',
  },
  chart: { flex: '1 1 240px', minWidth: 200 },
  numbers: { flex: '0 1 auto' },
}));

const BAR_WIDTH = 28;
const GAP = 8;
const HEIGHT = 120;
const LABEL_HEIGHT = 18;

/**
 * A plain SVG bar chart with the same numbers in a table beside it, so they can be read (and
 * read out by a screen reader) without the chart.
 */
export const BarChart = (props: {
  title: string;
  bars: Bar[];
  /** The header of the label column of the numbers table (every header cell names its column). */
  labelHeader: string;
  valueHeader: string;
  format?: (value: number) => string;
}) => {
  const { title, bars, labelHeader, valueHeader } = props;
  const format = props.format ?? ((v: number) => String(v));
  const classes = useStyles();
  const theme = useTheme();
  const max = Math.max(1, ...bars.map(b => b.value));
  const width = Math.max(1, bars.length) * (BAR_WIDTH + GAP) + GAP;
  const total = HEIGHT + LABEL_HEIGHT * 2;

  return (
    <div className={classes.root}>
      <div className={classes.chart}>
        <svg
          role="img"
          aria-label={title}
          viewBox={`0 0 ${width} ${total}`}
          width="100%"
          height={total}
          preserveAspectRatio="xMinYMid meet"
        >
          <title>{title}</title>
          <line
            x1={0}
            x2={width}
            y1={HEIGHT + LABEL_HEIGHT}
            y2={HEIGHT + LABEL_HEIGHT}
            stroke={theme.palette.divider}
          />
          {bars.map((bar, i) => {
            const h = (bar.value / max) * HEIGHT;
            const x = GAP + i * (BAR_WIDTH + GAP);
            const y = HEIGHT + LABEL_HEIGHT - h;
            return (
              <g key={`${bar.label}-${i}`}>
                <rect
                  x={x}
                  y={y}
                  width={BAR_WIDTH}
                  height={h}
                  fill={theme.palette.primary.main}
                >
                  <title>{`${bar.label}: ${format(bar.value)}`}</title>
                </rect>
                <text
                  x={x + BAR_WIDTH / 2}
                  y={y - 4}
                  textAnchor="middle"
                  fontSize={10}
                  fill={theme.palette.text.primary}
                >
                  {format(bar.value)}
                </text>
                <text
                  x={x + BAR_WIDTH / 2}
                  y={total - 4}
                  textAnchor="middle"
                  fontSize={9}
                  fill={theme.palette.text.secondary}
                >
                  {bar.short ??
                    (bar.label.length > 6
                      ? `${bar.label.slice(0, 5)}…`
                      : bar.label)}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <div className={classes.numbers}>
        <Table size="small" aria-label={`${title} (numbers)`}>
          <TableHead>
            <TableRow>
              <TableCell component="th" scope="col">
                {labelHeader}
              </TableCell>
              <TableCell component="th" scope="col" align="right">
                {valueHeader}
              </TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {bars.length === 0 && (
              <TableRow>
                <TableCell colSpan={2}>
                  <Typography variant="body2" color="textSecondary">
                    No data
                  </Typography>
                </TableCell>
              </TableRow>
            )}
            {bars.map((bar, i) => (
              <TableRow key={`${bar.label}-${i}`}>
                <TableCell component="th" scope="row">
                  {bar.label}
                </TableCell>
                <TableCell align="right">{format(bar.value)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
    </div>
  );
};
