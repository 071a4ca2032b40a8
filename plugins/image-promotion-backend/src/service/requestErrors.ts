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

import type { Request } from 'express';

/** How to answer an error raised while Express read the request, before any handler ran. */
export interface RequestErrorAnswer {
  status: number;
  name: string;
  message: string;
}

interface HttpError extends Error {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
  expose?: boolean;
}

function statusOf(error: HttpError): number | undefined {
  const status = error.status ?? error.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Classifies the errors of Express and body-parser (malformed JSON, bodies
 * too large, lying Content-Encoding, undecodable path segments) into the 4xx
 * a caller can act on; undefined for every other error.
 */
export function answerRequestError(
  error: unknown,
  req: Request,
): RequestErrorAnswer | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as HttpError;
  const status = statusOf(e);
  if (status === undefined || status < 400 || status >= 500) return undefined;

  // zlib's errors (Z_DATA_ERROR, Z_BUF_ERROR) reach us with body-parser's 400
  // and no type: the body was not what its Content-Encoding claims.
  if (typeof e.code === 'string' && e.code.startsWith('Z_')) {
    const encoding = String(req.headers['content-encoding'] ?? '');
    return {
      status: 400,
      name: 'InputError',
      message: `The request body is not valid ${encoding} data although its Content-Encoding header says ${encoding}; send the body uncompressed without Content-Encoding, or compress it as announced`,
    };
  }
  // Express answers a path segment it cannot percent-decode this way.
  if (error instanceof URIError) {
    const segment = /'(.*)'/.exec(e.message)?.[1];
    return {
      status: 400,
      name: 'InputError',
      message: `Invalid request path: ${
        segment ? `"${segment}" is` : 'a segment is'
      } not a valid percent-escape sequence; encode path segments as UTF-8 and write a literal "%" as %25`,
    };
  }
  // Only errors of http-errors (body-parser) from here on: a RegistryError
  // also carries a status, the registry's, which is not the caller's fault.
  if (e.expose !== true && typeof e.type !== 'string') return undefined;
  switch (e.type) {
    case 'entity.parse.failed':
      return {
        status: 400,
        name: 'InputError',
        message: `Malformed JSON in the request body: ${e.message}`,
      };
    case 'entity.too.large':
      return {
        status: 413,
        name: 'PayloadTooLargeError',
        message:
          'The request body is too large; image promotion requests are small JSON documents',
      };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return {
        status: 415,
        name: 'UnsupportedMediaTypeError',
        message: `${e.message}; send UTF-8 JSON, uncompressed or with Content-Encoding gzip or deflate`,
      };
    default:
      return {
        status,
        name: 'InputError',
        message: `Invalid request: ${e.message}`,
      };
  }
}
