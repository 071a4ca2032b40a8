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

/**
 * A parsed container image reference, normalised the way Docker does it:
 * `ubuntu` becomes registry `docker.io`, repository `library/ubuntu`.
 *
 * @public
 */
export interface ImageReference {
  /** Registry host, with port when one was given, e.g. `docker.io`, `localhost:5000`. */
  registry: string;
  /** Repository path inside the registry, e.g. `library/ubuntu`, `team-a/checkout`. */
  repository: string;
  /** Tag, e.g. `1.2.3`. */
  tag?: string;
  /** Content digest, e.g. `sha256:<64 lowercase hex>`. */
  digest?: string;
}

const VALID_REFERENCE_HINT =
  'A valid reference looks like [registry[:port]/]repository[:tag][@digest], ' +
  'e.g. "ghcr.io/acme/api:1.2.3", "localhost:5000/team-a/api@sha256:<64 hex>" or "ubuntu:24.04"';

/**
 * Thrown by {@link parseImageReference} when its input is not a valid image reference.
 *
 * @public
 */
export class InvalidImageReferenceError extends Error {
  /** The string that failed to parse, as given. */
  readonly input: string;
  /** What is wrong with it, without the surrounding explanation. */
  readonly reason: string;

  constructor(input: string, reason: string) {
    super(
      `Invalid image reference ${JSON.stringify(
        input,
      )}: ${reason}. ${VALID_REFERENCE_HINT}`,
    );
    this.name = 'InvalidImageReferenceError';
    this.input = input;
    this.reason = reason;
  }
}

const DOCKER_HUB_REGISTRY = 'docker.io';
// The legacy Docker Hub host name, normalised to docker.io as the distribution library does.
const DOCKER_HUB_LEGACY_REGISTRY = 'index.docker.io';
const DOCKER_HUB_OFFICIAL_NAMESPACE = 'library';

// Grammar: https://github.com/distribution/reference/blob/main/reference.go
const DOMAIN_COMPONENT =
  /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6_HOST = /^\[[a-fA-F0-9:]+\]$/;
const PORT = /^[0-9]+$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST_ALGORITHM =
  /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
const BARE_IMAGE_ID = /^[a-f0-9]{64}$/;

/** The digest algorithms the OCI image spec registers, with their hex lengths (go-digest agrees). */
const DIGEST_HEX_LENGTHS: Readonly<Record<string, number>> = {
  sha256: 64,
  sha384: 96,
  sha512: 128,
};

const NAME_TOTAL_LENGTH_MAX = 255;
const MAX_PORT = 65535;

/**
 * Parses an image reference such as `ubuntu`, `ghcr.io/acme/api:1.2.3` or
 * `localhost:5000/team/api:1.0@sha256:...`, normalising Docker Hub names.
 *
 * @public
 */
export function parseImageReference(input: string): ImageReference {
  const fail = (reason: string): never => {
    throw new InvalidImageReferenceError(input, reason);
  };

  if (typeof input !== 'string' || input.length === 0) {
    return fail('it is empty');
  }
  if (/\s/.test(input)) {
    return fail('it contains whitespace');
  }

  const atIndex = input.indexOf('@');
  let nameAndTag = input;
  let digest: string | undefined;
  if (atIndex !== -1) {
    nameAndTag = input.slice(0, atIndex);
    digest = input.slice(atIndex + 1);
    const problem = checkDigest(digest);
    if (problem) {
      fail(problem);
    }
  }

  // A tag can only follow the last path separator; an earlier ':' is a registry port.
  const lastSlash = nameAndTag.lastIndexOf('/');
  const tagColon = nameAndTag.indexOf(':', lastSlash + 1);
  let name = nameAndTag;
  let tag: string | undefined;
  if (tagColon !== -1) {
    name = nameAndTag.slice(0, tagColon);
    tag = nameAndTag.slice(tagColon + 1);
    if (tag.length === 0) {
      fail('the tag after ":" is empty');
    } else if (tag.length > 128) {
      fail(`the tag is ${tag.length} characters long; at most 128 are allowed`);
    } else if (!TAG.test(tag)) {
      fail(
        `the tag ${JSON.stringify(tag)} is invalid: ` +
          'a tag uses letters, digits, "_", "." and "-", and must not start with "." or "-"',
      );
    }
  }

  if (name.length === 0) {
    fail('the repository name is missing');
  }

  const { registry, path } = splitRegistry(name);
  if (registry !== undefined) {
    const problem = checkRegistry(registry);
    if (problem) {
      fail(problem);
    }
  } else if (BARE_IMAGE_ID.test(path)) {
    fail(
      'a 64-character hexadecimal string is an image ID, not a repository name; ' +
        'reference content by digest as "name@sha256:<hex>"',
    );
  }

  const problem = checkRepository(path);
  if (problem) {
    fail(problem);
  }

  let normalisedRegistry = registry ?? DOCKER_HUB_REGISTRY;
  if (normalisedRegistry === DOCKER_HUB_LEGACY_REGISTRY) {
    normalisedRegistry = DOCKER_HUB_REGISTRY;
  }
  let repository = path;
  if (normalisedRegistry === DOCKER_HUB_REGISTRY && !path.includes('/')) {
    repository = `${DOCKER_HUB_OFFICIAL_NAMESPACE}/${path}`;
  }

  const fullName = `${normalisedRegistry}/${repository}`;
  if (fullName.length > NAME_TOTAL_LENGTH_MAX) {
    fail(
      `the full name ${JSON.stringify(fullName)} is ${
        fullName.length
      } characters long; ` + `at most ${NAME_TOTAL_LENGTH_MAX} are allowed`,
    );
  }

  const ref: ImageReference = { registry: normalisedRegistry, repository };
  if (tag !== undefined) {
    ref.tag = tag;
  }
  if (digest !== undefined) {
    ref.digest = digest;
  }
  return ref;
}

/**
 * Formats a reference in its fully qualified form, e.g. `docker.io/library/ubuntu:24.04`;
 * `parseImageReference(formatImageReference(ref))` gives back an equal reference.
 *
 * @public
 */
export function formatImageReference(ref: ImageReference): string {
  let out = `${ref.registry}/${ref.repository}`;
  if (ref.tag) {
    out += `:${ref.tag}`;
  }
  if (ref.digest) {
    out += `@${ref.digest}`;
  }
  return out;
}

/** Splits off the registry when the first path component names one, the way Docker decides it. */
function splitRegistry(name: string): { registry?: string; path: string } {
  const slash = name.indexOf('/');
  if (slash === -1) {
    return { path: name };
  }
  const first = name.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    return { registry: first, path: name.slice(slash + 1) };
  }
  return { path: name };
}

function checkRegistry(registry: string): string | undefined {
  let host = registry;
  let port: string | undefined;
  if (registry.startsWith('[')) {
    const close = registry.indexOf(']');
    host = close === -1 ? registry : registry.slice(0, close + 1);
    const rest = registry.slice(host.length);
    if (rest.length > 0) {
      if (!rest.startsWith(':')) {
        return `the registry ${JSON.stringify(
          registry,
        )} is invalid: expected ":<port>" after the IPv6 address`;
      }
      port = rest.slice(1);
    }
    if (!IPV6_HOST.test(host)) {
      return `the registry host ${JSON.stringify(
        host,
      )} is not a valid bracketed IPv6 address`;
    }
  } else {
    const colon = registry.indexOf(':');
    if (colon !== -1) {
      host = registry.slice(0, colon);
      port = registry.slice(colon + 1);
    }
    const components = host.split('.');
    const bad = components.find(c => !DOMAIN_COMPONENT.test(c));
    if (bad !== undefined) {
      const detail =
        bad.length === 0
          ? ' (empty label)'
          : `: label ${JSON.stringify(
              bad,
            )} must be letters, digits and inner "-"`;
      return `the registry host ${JSON.stringify(host)} is invalid${detail}`;
    }
  }
  if (port !== undefined) {
    if (!PORT.test(port)) {
      return `the registry port ${JSON.stringify(port)} is not a number`;
    }
    const value = Number(port);
    if (value < 1 || value > MAX_PORT) {
      return `the registry port ${port} is out of range (1-${MAX_PORT})`;
    }
  }
  return undefined;
}

function checkRepository(path: string): string | undefined {
  if (path.length === 0) {
    return 'the repository name is missing';
  }
  if (path !== path.toLowerCase()) {
    return `the repository ${JSON.stringify(path)} must be lowercase`;
  }
  for (const component of path.split('/')) {
    if (component.length === 0) {
      return `the repository ${JSON.stringify(
        path,
      )} has an empty path component (a leading, trailing or doubled "/")`;
    }
    if (!PATH_COMPONENT.test(component)) {
      return (
        `the repository path component ${JSON.stringify(
          component,
        )} is invalid: ` +
        'use lowercase letters and digits, separated by ".", "_", "__" or "-", ' +
        'starting and ending with a letter or digit'
      );
    }
  }
  return undefined;
}

function checkDigest(digest: string): string | undefined {
  if (digest.includes('@')) {
    return 'it contains more than one "@"';
  }
  const colon = digest.indexOf(':');
  if (colon === -1) {
    return `the digest ${JSON.stringify(
      digest,
    )} must be "<algorithm>:<hex>", e.g. "sha256:<64 hex>"`;
  }
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  if (!DIGEST_ALGORITHM.test(algorithm)) {
    return `the digest algorithm ${JSON.stringify(algorithm)} is invalid`;
  }
  const expectedLength = DIGEST_HEX_LENGTHS[algorithm];
  if (expectedLength === undefined) {
    return `the digest algorithm ${JSON.stringify(
      algorithm,
    )} is not supported (use one of ${Object.keys(DIGEST_HEX_LENGTHS).join(
      ', ',
    )})`;
  }
  if (!/^[a-f0-9]*$/.test(hex)) {
    return `the ${algorithm} digest must be lowercase hexadecimal`;
  }
  if (hex.length !== expectedLength) {
    return `a ${algorithm} digest has ${expectedLength} hex characters, this one has ${hex.length}`;
  }
  return undefined;
}
