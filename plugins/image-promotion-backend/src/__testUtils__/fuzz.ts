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

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * A deterministic generator of hostile HTTP requests for the REST API. The
 * routes come from the OpenAPI document, so a route added there is fuzzed
 * without touching this file; the values mix valid ones (so requests get past
 * the first check) with the classes of input that once made the API answer
 * 500: NUL bytes, cursors out of PostgreSQL's timestamp range, malformed
 * percent-escapes, and bodies whose Content-Encoding lies.
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same inputs on every run. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** One documented operation: method and path template. */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
}

/** Every operation of the OpenAPI document of the backend. */
export function documentedOperations(): Operation[] {
  const spec = readFileSync(join(__dirname, '../schema/openapi.yaml'), 'utf8');
  const operations: Operation[] = [];
  let path: string | undefined;
  let inPaths = false;
  for (const line of spec.split('\n')) {
    if (/^\S/.test(line)) inPaths = line.startsWith('paths:');
    if (!inPaths) continue;
    const pathMatch = /^ {2}(\/\S*):\s*$/.exec(line);
    if (pathMatch) path = pathMatch[1];
    const methodMatch = /^ {4}(get|post|put|patch|delete):\s*$/.exec(line);
    if (methodMatch && path) {
      operations.push({ method: methodMatch[1] as Operation['method'], path });
    }
  }
  return operations;
}

const UUID = '0b7a6f4e-3c1d-4e8a-9f2b-5d6c7e8f9a0b';
const DIGEST = `sha256:${'b'.repeat(64)}`;

/** Valid values by field or parameter name, so a request gets past the first check. */
const VALID: Record<string, readonly unknown[]> = {
  entityRef: ['component:default/service-a', 'service-a', 'default/ghost'],
  targetEnvironment: ['qa', 'prod', 'dev'],
  sourceEnvironment: ['dev', 'qa'],
  environment: ['qa', 'prod'],
  digest: [DIGEST],
  sourceTag: ['1.0.0', 'latest'],
  targetTag: ['1.0.0', 'qa'],
  reason: ['because'],
  comment: ['looks good'],
  namespace: ['default'],
  kind: ['component', 'Component'],
  name: ['service-a', 'ghost'],
  id: [UUID],
  limit: ['1', '50'],
  days: ['7', '90'],
  status: ['queued', 'failed,succeeded', 'drift'],
  q: ['service'],
  owner: ['team-a'],
  system: ['shop'],
  lifecycle: ['production'],
  events: [
    [
      {
        action: 'push',
        target: { repository: 'team/service-a', tag: '1.0.0' },
      },
    ],
  ],
};

const BODY_FIELDS = [
  'entityRef',
  'targetEnvironment',
  'sourceEnvironment',
  'digest',
  'sourceTag',
  'targetTag',
  'reason',
  'comment',
  'events',
];

const QUERY_NAMES = [
  'entityRef',
  'environment',
  'status',
  'limit',
  'cursor',
  'owner',
  'system',
  'lifecycle',
  'q',
  'days',
];

/** Strings that broke, or could break, a layer between HTTP and SQL. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'qa\u0000',
  'component:default/service-a\u0000',
  '\u0000\u0000\u0000',
  'x'.repeat(600),
  '😀',
  '\ud800',
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '../../etc/passwd',
  "' or 1=1 --",
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'null',
  'NaN',
  '-1',
  '1e309',
  '9'.repeat(40),
];

/** A cursor as the API encodes one, with any content. */
function cursorOf(content: unknown): string {
  return Buffer.from(JSON.stringify(content)).toString('base64url');
}

const CURSORS = [
  cursorOf({ c: 0, i: UUID }),
  cursorOf({ c: -1, i: UUID }),
  cursorOf({ c: 8.64e15, i: UUID }),
  cursorOf({ c: -8.64e15, i: UUID }),
  cursorOf({ c: 253402300800000, i: UUID }), // year 10000
  cursorOf({ c: -62135596800001, i: UUID }), // year 0
  cursorOf({ c: -210866803200001, i: UUID }), // before 4713 BC
  cursorOf({ c: 9.2e15, i: UUID }),
  cursorOf({ c: 1.5, i: UUID }),
  cursorOf({ c: Date.now(), i: '\u0000' }),
  cursorOf({ c: Date.now(), i: `${UUID}\u0000` }),
  cursorOf({ c: Date.now(), i: 'x'.repeat(2000) }),
  cursorOf({ c: Date.now(), i: 5 }),
  cursorOf({ c: '2026-01-01', i: UUID }),
  cursorOf(null),
  cursorOf([1, 2]),
  Buffer.from('\u0000').toString('base64url'),
  'garbage',
  '%E0%A4%A',
];

/** Path segments: raw (sent as written, so malformed escapes reach Express) or encoded. */
const RAW_SEGMENTS = [
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '%C0%80',
  '%FF',
  '%ED%A0%80',
  'a%00b',
  '..',
  '.',
  '%2e%2e',
  '%2F',
];

function deepArray(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** encodeURIComponent that sends a lone surrogate as U+FFFD instead of throwing. */
function encode(value: string): string {
  return encodeURIComponent(value.toWellFormed());
}

/** A generated request. */
export interface FuzzRequest {
  method: Operation['method'];
  /** Path under the plugin's base URL, with the query string. */
  path: string;
  headers: Record<string, string>;
  /** Sent as written (already serialised). */
  body?: string | Buffer;
  /** What was generated, for the failure message. */
  description: string;
}

/** Generates hostile requests over the given operations. */
export class RequestFuzzer {
  constructor(
    private readonly random: Random,
    private readonly options: {
      operations: Operation[];
      /** Authorization header values of known callers. */
      authorizations: string[];
      webhookSecret: string;
      /** Ids that exist in the database (promotions, drift events). */
      knownIds?: string[];
    },
  ) {}

  private string(): string {
    const r = this.random;
    return r.pick(NASTY_STRINGS);
  }

  /** A value for a named field: valid, valid with a NUL in it, or hostile. */
  private valueFor(name: string): unknown {
    const r = this.random;
    const valid = VALID[name];
    const roll = r.next();
    if (valid && roll < 0.35) return r.pick(valid);
    if (valid && roll < 0.55) {
      const v = r.pick(valid);
      if (typeof v === 'string') {
        const at = r.int(v.length + 1);
        return `${v.slice(0, at)}\u0000${v.slice(at)}`;
      }
    }
    if (name === 'cursor' && roll < 0.8) return r.pick(CURSORS);
    return this.anyValue(2);
  }

  private anyValue(depth: number): unknown {
    const r = this.random;
    switch (r.int(depth > 0 ? 9 : 6)) {
      case 0:
      case 1:
      case 2:
        return this.string();
      case 3:
        return r.pick([0, -1, 1.5, 1e308, 2 ** 53 + 1, -0]);
      case 4:
        return r.pick([true, false, null]);
      case 5:
        return r.pick(CURSORS);
      case 6:
        return [this.anyValue(depth - 1), this.anyValue(depth - 1)];
      case 7:
        return { [this.string()]: this.anyValue(depth - 1) };
      default:
        return deepArray(60);
    }
  }

  private segment(name: string): string {
    const r = this.random;
    const roll = r.next();
    if (roll < 0.3) {
      const valid = VALID[name];
      if (valid) return encode(String(r.pick(valid)));
    }
    if (roll < 0.45 && this.options.knownIds?.length && name === 'id') {
      return r.pick(this.options.knownIds);
    }
    if (roll < 0.75) return r.pick(RAW_SEGMENTS);
    return encode(String(this.valueFor(name)));
  }

  private pathOf(operation: Operation): string {
    const r = this.random;
    let path = operation.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
      this.segment(name),
    );
    // Other spellings Express routes to the same handler.
    if (r.chance(0.1)) path = `${path}/`;
    if (r.chance(0.1)) path = path.toUpperCase();
    return path;
  }

  private query(): string {
    const r = this.random;
    if (r.chance(0.4)) return '';
    const parts: string[] = [];
    const count = 1 + r.int(3);
    for (let i = 0; i < count; i++) {
      const name = r.chance(0.85) ? r.pick(QUERY_NAMES) : this.string();
      const value = this.valueFor(name);
      const key = r.chance(0.1)
        ? `${encode(name)}[${r.pick(['', 'a', '0'])}]`
        : encode(name);
      if (r.chance(0.1)) {
        // A malformed escape in the query itself.
        parts.push(`${key}=${r.pick(RAW_SEGMENTS)}`);
      } else {
        parts.push(
          `${key}=${encode(
            typeof value === 'string' ? value : JSON.stringify(value) ?? '',
          )}`,
        );
      }
    }
    return `?${parts.join('&')}`;
  }

  private jsonBody(): unknown {
    const r = this.random;
    const roll = r.next();
    if (roll < 0.7) {
      const body: Record<string, unknown> = {};
      for (const field of BODY_FIELDS) {
        if (r.chance(0.45)) body[field] = this.valueFor(field);
      }
      if (r.chance(0.1)) body[this.string()] = this.anyValue(1);
      return body;
    }
    return this.anyValue(2);
  }

  /** The next generated request. */
  next(): FuzzRequest {
    const r = this.random;
    const operation = r.pick(this.options.operations);
    const path = `${this.pathOf(operation)}${this.query()}`;
    const headers: Record<string, string> = {};
    const auth = r.next();
    if (auth < 0.85) {
      headers.authorization = r.pick(this.options.authorizations);
    } else if (auth < 0.92) {
      headers.authorization = `Bearer ${this.string().replace(/\W/g, '')}x`;
    }
    if (operation.path.startsWith('/webhook') && r.chance(0.6)) {
      headers['x-image-promotion-secret'] = r.chance(0.8)
        ? this.options.webhookSecret
        : 'wrong-secret';
    }
    let body: string | Buffer | undefined;
    let bodyKind = 'none';
    if (operation.method !== 'get' || r.chance(0.05)) {
      const roll = r.next();
      const json = JSON.stringify(this.jsonBody()) ?? 'null';
      headers['content-type'] = r.chance(0.9)
        ? 'application/json'
        : r.pick([
            'text/plain',
            'application/json; charset=latin1',
            'application/vnd.docker.distribution.events.v1+json',
            'application/json; charset=utf-16',
          ]);
      if (roll < 0.6) {
        body = json;
        bodyKind = 'json';
      } else if (roll < 0.75) {
        // The header says compressed; the body is not.
        headers['content-encoding'] = r.pick([
          'gzip',
          'deflate',
          'br',
          'x-unknown',
        ]);
        body = json;
        bodyKind = `plain body labelled ${headers['content-encoding']}`;
      } else if (roll < 0.85) {
        body = r.pick(['{"entityRef": ', '{nope}', '[1,', '\u0000', '"']);
        bodyKind = 'malformed json';
      } else {
        bodyKind = 'none';
      }
    }
    return {
      method: operation.method,
      path,
      headers,
      body,
      description: `${operation.method.toUpperCase()} ${path} (${bodyKind}${
        body !== undefined ? `: ${String(body).slice(0, 200)}` : ''
      }; auth: ${headers.authorization ? 'yes' : 'no'})`,
    };
  }
}
