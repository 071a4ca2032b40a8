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

import { z } from 'zod';

/** One problem in the configuration, at a full key path. */
export interface ConfigIssue {
  /** e.g. `imagePromotion.pipelines.default.environments[2].registry` */
  path: string;
  message: string;
}

/**
 * Thrown when `imagePromotion` is invalid. The message lists every problem
 * with its full key path and never repeats a configured value that could be a
 * secret.
 */
export class ImagePromotionConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const lines = issues.map(issue => `${issue.path}: ${issue.message}`);
    super(
      lines.length === 1
        ? lines[0]
        : `${
            lines.length
          } problems in the imagePromotion configuration:\n${lines
            .map(line => `  - ${line}`)
            .join('\n')}`,
    );
    this.name = 'ImagePromotionConfigError';
    this.issues = issues;
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** Renders a zod path as a config key path: `a.b[2].c`, quoting odd keys. */
export function formatConfigPath(
  root: string,
  path: ReadonlyArray<string | number>,
): string {
  return path.reduce<string>((result, segment) => {
    if (typeof segment === 'number') {
      return `${result}[${segment}]`;
    }
    return IDENTIFIER.test(segment)
      ? `${result}.${segment}`
      : `${result}[${JSON.stringify(segment)}]`;
  }, root);
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  float: 'a fractional number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function typeName(type: string): string {
  return TYPE_NAMES[type] ?? type;
}

/**
 * Zod messages in the words of a config file. Only types, limits and allowed
 * options are mentioned, never the value that was given.
 */
export const configErrorMap: z.ZodErrorMap = (issue, ctx) => {
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      if (issue.received === 'undefined') {
        return { message: 'is required' };
      }
      return {
        message: `must be ${typeName(issue.expected)}, not ${typeName(
          issue.received,
        )}`,
      };
    case z.ZodIssueCode.invalid_enum_value:
      return {
        message: `must be one of ${issue.options
          .map(option => `"${String(option)}"`)
          .join(', ')}`,
      };
    case z.ZodIssueCode.invalid_literal:
      return { message: `must be ${JSON.stringify(issue.expected)}` };
    case z.ZodIssueCode.too_small:
      if (issue.type === 'array') {
        return {
          message: `must have at least ${issue.minimum} ${
            issue.minimum === 1 ? 'entry' : 'entries'
          }`,
        };
      }
      if (issue.type === 'string') {
        return {
          message:
            issue.minimum === 1
              ? 'must not be empty'
              : `must be at least ${issue.minimum} characters long`,
        };
      }
      return {
        message: `must be ${issue.inclusive ? 'at least' : 'more than'} ${
          issue.minimum
        }`,
      };
    case z.ZodIssueCode.too_big:
      return {
        message: `must be ${issue.inclusive ? 'at most' : 'less than'} ${
          issue.maximum
        }`,
      };
    default:
      return { message: ctx.defaultError };
  }
};

/** Converts zod issues (paths relative to `root`) into {@link ConfigIssue}s. */
export function toConfigIssues(root: string, error: z.ZodError): ConfigIssue[] {
  return error.issues.map(issue => ({
    path: formatConfigPath(root, issue.path),
    message: issue.message,
  }));
}
