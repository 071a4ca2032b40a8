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

// The commands that talk to registries: the engine, the registry client and
// the credential providers. index.ts loads this module only when a command
// needs it, so `--version`, `--help` and usage errors start without it.

import { copyImage } from '../copy';
import { openImageRepository } from '../copy/openImageRepository';
import {
  AcrCredentialProvider,
  ChainCredentialProvider,
  CloudCredentialProvider,
  DockerConfigCredentialProvider,
  defaultDockerConfigPath,
} from '../auth';
import { NotFoundError, RegistryError } from '../errors';
import type { ImageRepository } from '../engine/types';
import { OciLayoutRepository } from '../layout/OciLayoutRepository';
import { redactCredentials } from '../redact';
import type { Command } from './args';
import { ProgressRenderer, formatBytes } from './progress';
import { InvalidImageReferenceError } from '@image-promotion/plugin-image-promotion-common';

import type { CliIO } from './index';

/** The entries of an object that are set, so unset flags keep the engine's defaults. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}

/** Why a reference was not found, in words the user can act on. */
async function explainMissing(
  repository: ImageRepository,
  reference: string,
): Promise<string> {
  if (repository instanceof OciLayoutRepository) {
    return repository.explainMissing(reference);
  }
  return `${repository.location}${
    reference.startsWith('sha256:') ? '@' : ':'
  }${reference} was not found; check the tag with "image-promotion tags ${
    repository.location
  }"`;
}

/** The JSON error object `--json` prints on stdout when a command fails. */
function jsonError(error: unknown, message: string): string {
  const e = error as Partial<RegistryError>;
  const fields: Record<string, unknown> = {
    name: (error as Error | undefined)?.name ?? 'Error',
    message,
  };
  if (error instanceof RegistryError) {
    for (const key of [
      'registry',
      'repository',
      'reference',
      'status',
      'code',
    ] as const) {
      if (e[key] !== undefined) fields[key] = e[key];
    }
  }
  return `${JSON.stringify({ error: fields })}\n`;
}

/** A command that reads or writes images (not help or version). */
export type RegistryCommand = Exclude<
  Command,
  { command: 'help' } | { command: 'version' }
>;

/** Runs one registry command and resolves to its exit code: 0 done, 1 failed, 2 bad usage. */
export async function runCommand(
  command: RegistryCommand,
  io: CliIO,
  onTransfer?: (first: boolean) => void,
): Promise<number> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  if (!io.signal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  } else {
    io.signal.addEventListener('abort', onSignal, { once: true });
  }

  // The docker config first (what `docker login` and CI set up), then the
  // cloud identity a registry's host name points to.
  const cloud = new CloudCredentialProvider({
    hosts: command.cloudAuth,
    // The ACR exchange goes to the registry itself: plain http only where
    // the operator allowed it for that registry.
    factories: {
      acr: () =>
        new AcrCredentialProvider({
          insecureHosts: command.insecureRegistries,
          env: io.env,
        }),
    },
    onWarning: message => {
      if (!command.quiet) io.stderr.write(`image-promotion: ${message}\n`);
    },
  });
  const credentials = new ChainCredentialProvider([
    new DockerConfigCredentialProvider({ env: io.env }),
    cloud,
  ]);
  const dockerConfig = `docker config ${defaultDockerConfigPath(io.env)}`;
  const options = {
    credentials,
    // Named in the hint when a registry refuses the credentials.
    credentialSource: (registry: string) => {
      const kind = cloud.kindFor(registry);
      return kind
        ? `${dockerConfig}, or else the ${kind} cloud identity of this machine`
        : dockerConfig;
    },
    insecureRegistries: command.insecureRegistries,
    registryPrefixes: command.registryPrefixes,
    timeouts: definedOnly(command.timeouts),
  };

  try {
    switch (command.command) {
      case 'copy': {
        const source = openImageRepository(command.source, options);
        const target = openImageRepository(command.target, options);
        if (target.reference.startsWith('sha256:')) {
          const targetDigest = target.reference;
          // A digest target is allowed only when it names what is copied.
          const resolved = await source.repository.resolve(
            source.reference,
            abort.signal,
          );
          if (resolved && resolved.digest !== targetDigest) {
            io.stderr.write(
              `image-promotion: the target digest ${targetDigest} differs from the source's ${resolved.digest}; give the target a tag or the same digest\n`,
            );
            return 2;
          }
        }
        let transferring = false;
        const progress = new ProgressRenderer(
          io.stderr,
          Boolean(io.stderr.isTTY) && !command.quiet && !command.json,
        );
        const result = await copyImage(
          source.repository,
          source.reference,
          target.repository,
          target.reference.startsWith('sha256:') ? undefined : target.reference,
          {
            platforms: command.platforms,
            noClobber: command.noClobber,
            referrers: command.referrers,
            concurrency: command.concurrency,
            signal: abort.signal,
            onProgress: e => {
              // A blob's progress events come about every MiB it moves.
              if (e.type === 'blob' && e.status === 'progress') {
                onTransfer?.(!transferring);
                transferring = true;
              }
              progress.handle(e);
            },
          },
        );
        progress.finish();
        if (command.json) {
          io.stdout.write(`${JSON.stringify(result)}\n`);
        } else {
          if (!command.quiet) {
            const b = result.blobs;
            io.stderr.write(
              result.upToDate
                ? `${target.repository.location}:${target.reference} already at ${result.digest}; nothing copied\n`
                : `copied ${result.manifests} manifest(s) and ${
                    b.total
                  } blob(s) (${b.uploaded} uploaded, ${b.mounted} mounted, ${
                    b.exists
                  } already present), ${formatBytes(
                    result.bytes.transferred,
                  )} transferred in ${(result.durationMs / 1000).toFixed(
                    2,
                  )} s\n`,
            );
          }
          io.stdout.write(`${result.digest}\n`);
        }
        return 0;
      }
      case 'resolve': {
        const { repository, reference } = openImageRepository(
          command.reference,
          options,
        );
        // The manifest itself, not what a HEAD claims: the digest printed is
        // the one its bytes hash to (and the registry's claim is checked).
        let descriptor;
        try {
          descriptor = (await repository.getManifest(reference, abort.signal))
            .descriptor;
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
          throw new NotFoundError(await explainMissing(repository, reference), {
            registry: error.registry,
            repository: error.repository,
            reference: error.reference,
            status: error.status,
            code: error.code,
          });
        }
        io.stdout.write(
          command.json
            ? `${JSON.stringify(descriptor)}\n`
            : `${descriptor.digest}\n`,
        );
        return 0;
      }
      case 'tags': {
        const { repository } = openImageRepository(command.repository, options);
        const tags = await repository.listTags(abort.signal);
        io.stdout.write(
          command.json
            ? `${JSON.stringify(tags)}\n`
            : tags.map(t => `${t}\n`).join(''),
        );
        return 0;
      }
      default:
        return 2;
    }
  } catch (error) {
    // Whatever went wrong, a password pasted into a reference stays out.
    const message = redactCredentials(
      abort.signal.aborted
        ? 'cancelled; the target tag was not changed'
        : (error as Error | undefined)?.message ?? String(error),
    );
    if (command.json) io.stdout.write(jsonError(error, message));
    if (error instanceof InvalidImageReferenceError) {
      io.stderr.write(`image-promotion: ${message}\n`);
      return 2;
    }
    io.stderr.write(`\nimage-promotion: ${message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
