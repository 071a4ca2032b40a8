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
  FilterPredicate,
  FilterPredicateExpression,
} from '@backstage/filter-predicates';
import type {
  PermissionCondition,
  PermissionCriteria,
  PermissionRuleParams,
} from '@backstage/plugin-permission-common';
import {
  isAndCriteria,
  isNotCriteria,
  isOrCriteria,
} from '@backstage/plugin-permission-node';

/**
 * A catalog query equivalent to a permission condition: a filter predicate,
 * or a constant when the condition matches every entity (`true`) or none
 * (`false`, e.g. `isEntityOwner` with no claims).
 */
export type CatalogQuery = FilterPredicate | boolean;

type Params = Record<string, unknown> | undefined;

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every(v => typeof v === 'string')
    ? value
    : undefined;
}

function optionalString(value: unknown): string | undefined | null {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : null;
}

/** `key` equal to one of `values`, or present when `values` is undefined. */
function field(key: string, values: string[] | undefined): CatalogQuery {
  if (values?.length === 0) return false;
  let value: FilterPredicateExpression[string];
  if (values === undefined) value = { $exists: true };
  else value = values.length === 1 ? values[0] : { $in: values };
  // A computed key widens to an index signature the `$`-operator keys exclude.
  return { [key]: value } as FilterPredicateExpression;
}

/** A property rule (`{ <name>, value? }`) under a prefix such as `metadata.annotations`. */
function propertyRule(
  prefix: string,
  name: unknown,
  value: unknown,
): CatalogQuery | undefined {
  const v = optionalString(value);
  if (typeof name !== 'string' || v === null) return undefined;
  return field(`${prefix}.${name}`, v === undefined ? undefined : [v]);
}

// The catalog's own rules (plugin-catalog-backend permissions/rules), each
// mapped to the predicate its toQuery describes: the same keys of the
// catalog's search table, so the catalog answers exactly what the rule allows.
const RULES: Record<string, (params: Params) => CatalogQuery | undefined> = {
  IS_ENTITY_OWNER: p => {
    const claims = strings(p?.claims);
    return claims && field('relations.ownedBy', claims);
  },
  IS_ENTITY_KIND: p => {
    const kinds = strings(p?.kinds);
    return kinds && field('kind', kinds);
  },
  HAS_ANNOTATION: p =>
    propertyRule('metadata.annotations', p?.annotation, p?.value),
  HAS_LABEL: p => propertyRule('metadata.labels', p?.label, p?.value),
  HAS_METADATA: p => propertyRule('metadata', p?.key, p?.value),
  HAS_SPEC: p => propertyRule('spec', p?.key, p?.value),
};

function all(parts: CatalogQuery[]): CatalogQuery {
  if (parts.includes(false)) return false;
  const rest = parts.filter((p): p is FilterPredicate => p !== true);
  if (rest.length === 0) return true;
  return rest.length === 1 ? rest[0] : { $all: rest };
}

function any(parts: CatalogQuery[]): CatalogQuery {
  if (parts.includes(true)) return true;
  const rest = parts.filter((p): p is FilterPredicate => p !== false);
  if (rest.length === 0) return false;
  return rest.length === 1 ? rest[0] : { $any: rest };
}

/**
 * Translates the conditions of a conditional decision on `catalog-entity`
 * into a catalog query, or returns undefined when a rule is not one of the
 * catalog's built-in rules (a custom rule can only be applied by the catalog
 * itself, per entity).
 */
export function catalogQueryFromConditions(
  criteria: PermissionCriteria<
    PermissionCondition<string, PermissionRuleParams>
  >,
): CatalogQuery | undefined {
  if (isAndCriteria(criteria)) {
    const parts = criteria.allOf.map(catalogQueryFromConditions);
    return parts.every(p => p !== undefined) ? all(parts) : undefined;
  }
  if (isOrCriteria(criteria)) {
    const parts = criteria.anyOf.map(catalogQueryFromConditions);
    return parts.every(p => p !== undefined) ? any(parts) : undefined;
  }
  if (isNotCriteria(criteria)) {
    const inner = catalogQueryFromConditions(criteria.not);
    if (inner === undefined) return undefined;
    return typeof inner === 'boolean' ? !inner : { $not: inner };
  }
  const translate = RULES[criteria.rule];
  return translate?.(criteria.params as Params);
}
