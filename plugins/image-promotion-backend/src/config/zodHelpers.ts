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
import { configErrorMap } from './errors';
import { ValueProblem } from './ValueProblem';

/** True for `{...}`, false for arrays, null and primitives. */
export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The closest of `candidates` to a misspelt `word`, if one is close enough to be a typo. */
export function suggest(
  word: string,
  candidates: readonly string[],
): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) {
      best = { candidate, distance };
    }
  }
  const threshold = Math.max(1, Math.floor(word.length / 3));
  return best && best.distance <= threshold ? best.candidate : undefined;
}

/**
 * `z.object(shape)` that reports each unknown key at its own path, with a
 * suggestion for typos, and drops nothing silently.
 */
export function strictObject<S extends z.ZodRawShape>(shape: S) {
  const known = Object.keys(shape);
  return z.preprocess((value, ctx) => {
    if (isPlainObject(value)) {
      for (const key of Object.keys(value)) {
        if (!known.includes(key)) {
          const guess = suggest(key, known);
          ctx.addIssue({
            code: z.ZodIssueCode.custom,
            path: [key],
            message: `unknown key${
              guess ? `; did you mean "${guess}"?` : ''
            } (allowed: ${known.join(', ')})`,
          });
        }
      }
    }
    return value;
  }, z.object(shape));
}

/** A boolean that also accepts "true"/"false" (values substituted from the environment are strings). */
export const booleanish = z.preprocess(value => {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}, z.boolean());

/** A whole number in [min, max] that also accepts its decimal string form. */
export function integer(min: number, max: number) {
  return z.preprocess(
    value =>
      typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)
        ? Number(value)
        : value,
    z.number().int().min(min).max(max),
  );
}

/** A non-empty string. */
export const nonEmptyString = z.string().trim().min(1);

function forwardIssues(ctx: z.RefinementCtx, error: z.ZodError): void {
  for (const issue of error.issues) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: issue.path,
      message: issue.message,
    });
  }
}

/** Parses with `schema` inside a transform, reporting its issues at their nested paths. */
export function parseNested<T>(
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  value: unknown,
  ctx: z.RefinementCtx,
): T {
  const result = schema.safeParse(value, { errorMap: configErrorMap });
  if (!result.success) {
    forwardIssues(ctx, result.error);
    return z.NEVER;
  }
  return result.data;
}

/** A value parsed by a plain function that throws {@link ValueProblem}. */
export function parsedBy<T>(parse: (value: unknown) => T) {
  return z.unknown().transform((value, ctx): T => {
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof ValueProblem) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: error.path,
          message: error.message,
        });
        return z.NEVER;
      }
      throw error;
    }
  });
}

/**
 * An object whose shape depends on the string at `key`, e.g. `type` or
 * `kind`; a missing or unknown tag is reported with the allowed values.
 */
export function taggedUnion<T>(
  key: string,
  schemas: Readonly<Record<string, z.ZodType<T, z.ZodTypeDef, unknown>>>,
) {
  const tags = Object.keys(schemas);
  const allowed = tags.map(tag => `"${tag}"`).join(', ');
  return z.unknown().transform((value, ctx): T => {
    if (!isPlainObject(value)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `must be an object with ${key}: ${allowed.replace(
          /, (?=[^,]*$)/,
          ' or ',
        )}`,
      });
      return z.NEVER;
    }
    const tag = value[key];
    const schema =
      typeof tag === 'string' && Object.hasOwn(schemas, tag)
        ? schemas[tag]
        : undefined;
    if (!schema) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: [key],
        message:
          tag === undefined
            ? `is required; one of ${allowed}`
            : `must be one of ${allowed}`,
      });
      return z.NEVER;
    }
    return parseNested(schema, value, ctx);
  });
}
