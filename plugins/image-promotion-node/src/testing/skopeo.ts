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

import { createHash } from 'node:crypto';
import { runCommand } from './run';

/** Credentials for skopeo's `--creds` flags. */
export interface SkopeoCredentials {
  username: string;
  password: string;
}

/** Options shared by the skopeo helpers. */
export interface SkopeoOptions {
  creds?: SkopeoCredentials;
  /** Default 120 s. */
  timeoutMs?: number;
}

const SKOPEO = process.env.SKOPEO_BIN ?? 'skopeo';

/** Adds `docker://` unless the reference already names a transport (`oci:`, `dir:`, `docker://`). */
export function toSkopeoRef(ref: string): string {
  if (/^(docker|oci|oci-archive|dir|docker-archive):/.test(ref)) {
    return ref;
  }
  return `docker://${ref}`;
}

function isDocker(ref: string): boolean {
  return ref.startsWith('docker://');
}

function credsFlag(
  flag: string,
  creds: SkopeoCredentials | undefined,
): string[] {
  return creds ? [`${flag}=${creds.username}:${creds.password}`] : [];
}

function redact(creds: SkopeoCredentials | undefined): string[] {
  return creds ? [creds.password] : [];
}

/** The raw manifest bytes of a reference (`skopeo inspect --raw`). */
export async function skopeoInspectRaw(
  ref: string,
  options: SkopeoOptions = {},
): Promise<Buffer> {
  const target = toSkopeoRef(ref);
  const args = ['inspect', '--raw'];
  if (isDocker(target)) {
    args.push('--tls-verify=false', ...credsFlag('--creds', options.creds));
  }
  args.push(target);
  const result = await runCommand(SKOPEO, args, {
    timeoutMs: options.timeoutMs,
    redact: redact(options.creds),
  });
  return result.stdout;
}

/** `sha256:<hex>` of the raw manifest a reference points at. */
export async function skopeoInspectRawDigest(
  ref: string,
  options: SkopeoOptions = {},
): Promise<string> {
  const raw = await skopeoInspectRaw(ref, options);
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

/** Options of {@link skopeoCopy}. */
export interface SkopeoCopyOptions {
  srcCreds?: SkopeoCredentials;
  destCreds?: SkopeoCredentials;
  /** Copy every platform of an index (default true). */
  all?: boolean;
  timeoutMs?: number;
}

/** `skopeo copy --preserve-digests` between two references of any transport. */
export async function skopeoCopy(
  src: string,
  dest: string,
  options: SkopeoCopyOptions = {},
): Promise<void> {
  const source = toSkopeoRef(src);
  const target = toSkopeoRef(dest);
  const args = ['copy', '--quiet', '--preserve-digests'];
  if (options.all ?? true) {
    args.push('--all');
  }
  if (isDocker(source)) {
    args.push(
      '--src-tls-verify=false',
      ...credsFlag('--src-creds', options.srcCreds),
    );
  }
  if (isDocker(target)) {
    args.push(
      '--dest-tls-verify=false',
      ...credsFlag('--dest-creds', options.destCreds),
    );
  }
  args.push(source, target);
  await runCommand(SKOPEO, args, {
    timeoutMs: options.timeoutMs ?? 300_000,
    redact: [...redact(options.srcCreds), ...redact(options.destCreds)],
  });
}

/**
 * Copies an image (all platforms) to a `dir:` directory. Success means every
 * blob was present and matched its digest, which is what tests want to know.
 */
export async function skopeoCopyToDir(
  ref: string,
  dir: string,
  options: SkopeoOptions = {},
): Promise<void> {
  await skopeoCopy(ref, `dir:${dir}`, {
    srcCreds: options.creds,
    timeoutMs: options.timeoutMs,
  });
}

/** The tags of a repository (`host/repo`, no tag); empty when the repository does not exist. */
export async function skopeoTags(
  repository: string,
  options: SkopeoOptions = {},
): Promise<string[]> {
  const target = toSkopeoRef(repository);
  const args = ['list-tags'];
  if (isDocker(target)) {
    args.push('--tls-verify=false', ...credsFlag('--creds', options.creds));
  }
  args.push(target);
  let result;
  try {
    result = await runCommand(SKOPEO, args, {
      timeoutMs: options.timeoutMs,
      redact: redact(options.creds),
    });
  } catch (error) {
    // A repository nobody pushed to has no tags rather than being an error.
    if (
      error instanceof Error &&
      /name unknown|NAME_UNKNOWN|status code from registry 404/i.test(
        error.message,
      )
    ) {
      return [];
    }
    throw error;
  }
  const parsed = JSON.parse(result.stdout.toString('utf8')) as {
    Tags?: string[] | null;
  };
  return parsed.Tags ?? [];
}
