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

import { Table, TableColumn } from '@backstage/core-components';
import { isAutoPromotion } from '@image-promotion/plugin-image-promotion-common';
import type {
  ChangeHeadline,
  EnvironmentStatus,
  Promotion,
} from '@image-promotion/plugin-image-promotion-common';
import Link from '@material-ui/core/Link';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { describeHeadline } from '../shared/ChangeSummaryView';
import { PromotionStatusLabel } from '../shared/PromotionStatusLabel';
import {
  formatAge,
  formatDateTime,
  formatDuration,
  humanizeUserRef,
  plainFailureReason,
  shortDigest,
} from '../shared/format';

/** How long a promotion took, from start (or request) to finish; empty while it runs. */
export function promotionDuration(promotion: Promotion): string {
  if (!promotion.finishedAt) {
    return '';
  }
  const start = Date.parse(promotion.startedAt ?? promotion.createdAt);
  return formatDuration(Date.parse(promotion.finishedAt) - start);
}

/**
 * Whether a history row offers "Roll back": it succeeded, and its target environment has moved
 * on since to a version that arrived after this one. A digest newer than the current one would
 * be a move forward, which is a promotion, not a rollback. The dialog's policy check has the
 * final word.
 */
export function canRollBack(
  promotion: Promotion,
  environments: EnvironmentStatus[],
): boolean {
  if (promotion.status !== 'succeeded') {
    return false;
  }
  const target = environments.find(e => e.id === promotion.targetEnvironment);
  if (!target?.current || target.current.digest === promotion.digest) {
    return false;
  }
  const seen = (digest: string) =>
    target.versions.find(v => v.digest === digest)?.firstSeen;
  const currentSeen = Date.parse(
    seen(target.current.digest) ?? target.current.since,
  );
  const thisSeen = Date.parse(
    seen(promotion.digest) ?? promotion.finishedAt ?? '',
  );
  return !Number.isNaN(thisSeen) && thisSeen < currentSeen;
}

/** Past and running promotions of a component, newest first, with Roll back on earlier versions. */
export const PromotionHistory = (props: {
  promotions: Promotion[];
  /** The stored change summary of each promotion that has one, by id. */
  changes?: Record<string, ChangeHeadline>;
  environments: EnvironmentStatus[];
  loading?: boolean;
  onRollBack: (promotion: Promotion) => void;
  onShowPromotion?: (promotionId: string) => void;
}) => {
  const {
    promotions,
    changes,
    environments,
    loading,
    onRollBack,
    onShowPromotion,
  } = props;
  const title = (id: string) =>
    environments.find(e => e.id === id)?.title ?? id;

  const columns: TableColumn<Promotion>[] = [
    {
      title: 'When',
      field: 'createdAt',
      render: p => (
        <span title={formatDateTime(p.createdAt)}>
          {formatAge(p.createdAt)}
        </span>
      ),
    },
    {
      // Who or what started it: a person, CI, or the plugin itself.
      title: 'Started by',
      render: p =>
        isAutoPromotion(p) ? (
          <Chip
            size="small"
            variant="outlined"
            label="auto-promotion"
            title="Queued by the plugin: the environment before got a new version and this one promotes by itself"
          />
        ) : (
          humanizeUserRef(p.requestedBy)
        ),
    },
    {
      title: 'From → To',
      cellStyle: { whiteSpace: 'nowrap' },
      render: p =>
        `${title(p.sourceEnvironment)} → ${title(p.targetEnvironment)}`,
    },
    {
      title: 'Digest',
      cellStyle: { whiteSpace: 'nowrap' },
      render: p => <code title={p.digest}>{shortDigest(p.digest)}</code>,
    },
    { title: 'Tag', field: 'targetTag' },
    {
      title: 'Changes',
      render: p => {
        const headline = changes?.[p.id];
        if (!headline) return '';
        const { version, content } = describeHeadline(headline);
        return (
          <>
            {version && (
              <Typography variant="body2" display="block" noWrap>
                {version}
              </Typography>
            )}
            <Typography variant="caption" display="block" noWrap>
              {content}
            </Typography>
            {headline.compareUrl && (
              <Typography variant="caption" display="block">
                <Link
                  href={headline.compareUrl}
                  target="_blank"
                  rel="noopener noreferrer"
                >
                  commits
                </Link>
              </Typography>
            )}
          </>
        );
      },
    },
    {
      title: 'Result',
      // One line per row: the status does not wrap, a failure shows its first words (all of
      // them on hover; the details hold the full error).
      cellStyle: { whiteSpace: 'nowrap' },
      render: p => {
        const reason = p.failureReason
          ? plainFailureReason(p.failureReason, {
              environment: title(p.targetEnvironment),
            })
          : undefined;
        return (
          <>
            <PromotionStatusLabel status={p.status} />
            {p.isRollback && (
              <Typography variant="caption" display="block">
                rollback
              </Typography>
            )}
            {reason && (
              <Typography
                variant="body2"
                color="error"
                noWrap
                title={reason}
                style={{ maxWidth: 280 }}
              >
                {reason}
              </Typography>
            )}
          </>
        );
      },
    },
    { title: 'Duration', render: p => promotionDuration(p) },
    {
      title: 'Actions',
      render: p => (
        <>
          {onShowPromotion && (
            <Button
              size="small"
              onClick={() => onShowPromotion(p.id)}
              aria-label={`Details of ${p.targetTag} to ${title(
                p.targetEnvironment,
              )}, ${formatAge(p.createdAt)}`}
            >
              Details
            </Button>
          )}
          {canRollBack(p, environments) && (
            <Button
              size="small"
              variant="outlined"
              onClick={() => onRollBack(p)}
              aria-label={`Roll back ${title(p.targetEnvironment)} to ${
                p.targetTag
              } (${shortDigest(p.digest)})`}
            >
              Roll back
            </Button>
          )}
        </>
      ),
    },
  ];

  return (
    <Table<Promotion>
      title="History"
      isLoading={loading}
      columns={columns}
      data={promotions}
      options={{
        search: false,
        sorting: false,
        paging: promotions.length > 10,
        pageSize: 10,
        padding: 'dense',
        emptyRowsWhenPaging: false,
      }}
      emptyContent={
        <Typography color="textSecondary" style={{ padding: 16 }}>
          No promotions yet. Use Promote between two environments to start.
        </Typography>
      }
    />
  );
};
