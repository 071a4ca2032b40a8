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
  AuthenticationError,
  NotFoundError,
  RegistryError,
  type RegistryErrorContext,
} from '../errors';
import { readBody, type HttpResponse } from '../transport/HttpTransport';

const MAX_ERROR_BODY_BYTES = 64 * 1024;
const MAX_MESSAGE_LENGTH = 300;

/** What a failed request was about, for the error message. */
export interface ErrorSubject {
  /** What we tried, e.g. `push manifest`. */
  operation: string;
  /** Registry host as the user wrote it. */
  registry: string;
  repository: string;
  reference?: string;
  /** Where the credentials for the registry come from, for the hint of a 401. */
  credentialSource?: string;
}

/** Parses the `{errors:[{code,message}]}` body of a registry error response. */
export function parseErrorBody(
  body: Buffer,
): Array<{ code: string; message: string }> {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: unknown };
    if (!Array.isArray(doc.errors)) return [];
    return doc.errors.flatMap((e: unknown) => {
      if (typeof e !== 'object' || e === null) return [];
      const { code, message } = e as { code?: unknown; message?: unknown };
      return typeof code === 'string'
        ? [
            {
              code,
              message:
                typeof message === 'string'
                  ? message.slice(0, MAX_MESSAGE_LENGTH)
                  : '',
            },
          ]
        : [];
    });
  } catch {
    return [];
  }
}

/** Builds the error for a failed registry response, consuming its body. */
export async function errorFromResponse(
  response: HttpResponse,
  subject: ErrorSubject,
): Promise<RegistryError> {
  let details: Array<{ code: string; message: string }> = [];
  try {
    details = parseErrorBody(await readBody(response, MAX_ERROR_BODY_BYTES));
  } catch {
    // The body is a courtesy; the status alone still tells what happened.
  }
  const status = response.status;
  const code = details[0]?.code;
  const context: RegistryErrorContext = {
    registry: subject.registry,
    repository: subject.repository,
    reference: subject.reference,
    status,
    code,
    details,
  };
  let target = `${subject.registry}/${subject.repository}`;
  if (subject.reference) {
    target += `${subject.reference.includes(':') ? '@' : ':'}${
      subject.reference
    }`;
  }
  const said = details.length
    ? `: ${details
        .map(d => `${d.code}${d.message ? ` (${d.message})` : ''}`)
        .join('; ')}`
    : '';
  if (status === 401 || status === 403) {
    return AuthenticationError.forHost(
      subject.registry,
      context,
      subject.credentialSource,
    );
  }
  if (status === 404) {
    return new NotFoundError(
      `${subject.operation}: ${target} not found${said}`,
      context,
    );
  }
  if (status === 429) {
    return new RegistryError(
      `${subject.operation} ${target}: rate limited by ${subject.registry} (HTTP 429) even after retries; try again later or authenticate to get a higher limit${said}`,
      context,
    );
  }
  return new RegistryError(
    `${subject.operation} ${target} failed: HTTP ${status}${said}`,
    context,
  );
}
