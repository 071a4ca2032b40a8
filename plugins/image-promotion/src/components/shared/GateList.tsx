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
  GateResult,
  PolicyGateName,
} from '@image-promotion/plugin-image-promotion-common';
import Button from '@material-ui/core/Button';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemIcon from '@material-ui/core/ListItemIcon';
import ListItemText from '@material-ui/core/ListItemText';
import { makeStyles } from '@material-ui/core/styles';
import CheckCircleIcon from '@material-ui/icons/CheckCircle';
import CancelIcon from '@material-ui/icons/Cancel';
import ScheduleIcon from '@material-ui/icons/Schedule';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';

const GATE_LABELS: Record<PolicyGateName, string> = {
  order: 'Order',
  approvals: 'Approvals',
  soak: 'Soak time',
  freeze: 'Freeze window',
  'immutable-tag': 'Immutable tag',
  signatures: 'Signatures',
  permission: 'Permission',
};

/** The name of a policy gate in words. */
export function gateLabel(gate: PolicyGateName | string): string {
  return GATE_LABELS[gate as PolicyGateName] ?? gate;
}

type Verdict = 'passed' | 'waiting' | 'failed';

/**
 * A gate that holds a request back without refusing it is "waiting", not "failed": approvals wait
 * for a person, and a soak or freeze that ends at a known time waits for the clock. The request can
 * be made now and the worker starts it once these pass.
 */
export function gateVerdict(gate: GateResult): Verdict {
  if (gate.passed) return 'passed';
  if (gate.gate === 'approvals') return 'waiting';
  if ((gate.gate === 'soak' || gate.gate === 'freeze') && gate.eligibleAt) {
    return 'waiting';
  }
  return 'failed';
}

const VerdictIcon = (props: {
  verdict: Verdict;
  classes: Record<Verdict, string>;
}) => {
  const { verdict, classes } = props;
  if (verdict === 'passed') {
    return <CheckCircleIcon className={classes.passed} aria-hidden />;
  }
  if (verdict === 'waiting') {
    return <ScheduleIcon className={classes.waiting} aria-hidden />;
  }
  return <CancelIcon className={classes.failed} aria-hidden />;
};

const useStyles = makeStyles(theme => ({
  passed: { color: theme.palette.success.main },
  waiting: { color: theme.palette.warning.main },
  failed: { color: theme.palette.error.main },
  icon: { minWidth: theme.spacing(4) },
  // Backstage's theme cuts dense list text to one line; a gate's sentence says what to do, whole.
  text: { '&&': { whiteSpace: 'normal', overflow: 'visible' } },
  summary: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    margin: theme.spacing(1, 0),
  },
}));

/** Props of {@link GateList} and {@link GateSummary}. */
interface GateListProps {
  gates: GateResult[];
  /** The list's accessible name; `Policy checks` unless given. */
  label?: string;
  /** Gives each item the id `<prefix>-<index>`, e.g. for a button's aria-describedby. */
  itemIdPrefix?: string;
}

/** Every policy gate with its verdict and the sentence explaining it. */
export const GateList = (props: GateListProps) => {
  const classes = useStyles();
  return (
    <List dense aria-label={props.label ?? 'Policy checks'}>
      {props.gates.map((gate, index) => {
        const verdict = gateVerdict(gate);
        return (
          <ListItem
            key={`${gate.gate}-${index}`}
            id={
              props.itemIdPrefix ? `${props.itemIdPrefix}-${index}` : undefined
            }
            disableGutters
            aria-label={`${gateLabel(gate.gate)} ${verdict}: ${gate.message}`}
          >
            <ListItemIcon className={classes.icon}>
              <VerdictIcon verdict={verdict} classes={classes} />
            </ListItemIcon>
            <ListItemText
              className={classes.text}
              primary={`${gateLabel(gate.gate)}: ${verdict}`}
              secondary={gate.message}
            />
          </ListItem>
        );
      })}
    </List>
  );
};

/**
 * The policy verdict at a glance: when every gate passes, one line that expands to the list;
 * otherwise the whole list, since each failed gate says what to do.
 */
export const GateSummary = (props: GateListProps) => {
  const { gates, label, itemIdPrefix } = props;
  const classes = useStyles();
  const [expanded, setExpanded] = useState(false);
  const allPassed = gates.length > 0 && gates.every(g => g.passed);
  if (!allPassed) {
    return <GateList gates={gates} label={label} itemIdPrefix={itemIdPrefix} />;
  }
  const listId = `gates-${gates.map(g => g.gate).join('-')}`;
  return (
    <>
      <div className={classes.summary}>
        <CheckCircleIcon className={classes.passed} aria-hidden />
        <Typography variant="body2">
          All {gates.length} checks passed
        </Typography>
        <Button
          size="small"
          onClick={() => setExpanded(e => !e)}
          aria-expanded={expanded}
          aria-controls={listId}
        >
          {expanded ? 'Hide checks' : 'Show checks'}
        </Button>
      </div>
      {expanded && (
        <div id={listId}>
          <GateList gates={gates} label={label} itemIdPrefix={itemIdPrefix} />
        </div>
      )}
    </>
  );
};
