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

import { InputError } from '@backstage/errors';
import { z } from 'zod';

/** Where a value came from, for the error message. */
export type InputLocation = 'body' | 'query' | 'path' | 'input';

function describeIssue(issue: z.ZodIssue): string {
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === 'undefined') {
        return `is required (${issue.expected})`;
      }
      // Zod's own message is "Expected x, received y"; a schema's own says more.
      return issue.message.startsWith('Expected ')
        ? `expected ${issue.expected}, got ${issue.received}`
        : `${issue.message}, got ${issue.received}`;
    case z.ZodIssueCode.unrecognized_keys:
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys
        .map(k => `"${k}"`)
        .join(', ')}`;
    default:
      return issue.message;
  }
}

/** Formats every problem of a failed parse as `field: what is expected`. */
export function describeZodError(
  error: z.ZodError,
  location: InputLocation,
): string {
  const problems = error.issues.map(issue => {
    const path = issue.path.join('.');
    const field = path ? `${location} ${path}` : location;
    return `${field}: ${describeIssue(issue)}`;
  });
  return `Invalid request ${location}: ${problems.join('; ')}`;
}

/**
 * The path of the first string (value or key) holding a NUL character, which
 * PostgreSQL cannot store in text and no field of this API means; undefined
 * when there is none.
 */
export function findNulCharacter(
  value: unknown,
  path: string[] = [],
): string[] | undefined {
  if (typeof value === 'string') {
    return value.includes('\u0000') ? path : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) {
      return [...path, key.replaceAll('\u0000', '\\u0000')];
    }
    const found = findNulCharacter(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/**
 * Parses untrusted input with a schema.
 *
 * @throws InputError listing each bad field and what is expected
 */
export function parseInput<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
  location: InputLocation,
): z.output<T> {
  const nul = findNulCharacter(value);
  if (nul) {
    const field = nul.length ? `${location} ${nul.join('.')}` : location;
    throw new InputError(
      `Invalid request ${location}: ${field}: contains a NUL character (\\u0000), which no value here may hold`,
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InputError(describeZodError(result.error, location));
  }
  return result.data;
}
