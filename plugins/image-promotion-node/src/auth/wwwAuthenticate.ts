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

/** One challenge of a WWW-Authenticate header. */
export interface AuthChallenge {
  /** Lower-cased scheme, e.g. `bearer` or `basic`. */
  scheme: string;
  /** Parameters with lower-cased names, e.g. `realm`, `service`, `scope`, `error`. */
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate header (RFC 7235): one or more challenges, each a
 * scheme followed by comma-separated `name=value` / `name="quoted"` pairs.
 * Commas separate both parameters and challenges, so a token not followed by
 * `=` starts a new challenge.
 */
export function parseWwwAuthenticate(
  header: string | string[] | undefined,
): AuthChallenge[] {
  if (header === undefined) return [];
  const input = Array.isArray(header) ? header.join(', ') : header;
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const n = input.length;
  const skipSpace = () => {
    while (i < n && (input[i] === ' ' || input[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && !/[\s,=]/.test(input[i])) i++;
    return input.slice(start, i);
  };
  const readQuoted = (): string => {
    // Assumes input[i] === '"'.
    i++;
    let out = '';
    while (i < n && input[i] !== '"') {
      if (input[i] === '\\' && i + 1 < n) i++;
      out += input[i];
      i++;
    }
    i++; // closing quote (or end of input)
    return out;
  };

  let current: AuthChallenge | undefined;
  while (i < n) {
    skipSpace();
    if (input[i] === ',') {
      i++;
      continue;
    }
    const token = readToken();
    if (token === '') {
      i++;
      continue;
    }
    skipSpace();
    if (input[i] === '=' && current) {
      i++;
      skipSpace();
      const value = input[i] === '"' ? readQuoted() : readToken();
      current.params[token.toLowerCase()] = value;
    } else if (input[i] === '=' && !current) {
      // A parameter without a scheme: malformed, skip its value.
      i++;
      skipSpace();
      if (input[i] === '"') readQuoted();
      else readToken();
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      challenges.push(current);
      // A token68 (`Basic abc==`) that follows reads as a parameter without
      // value: harmless, registries only use auth-params.
    }
  }
  return challenges;
}
