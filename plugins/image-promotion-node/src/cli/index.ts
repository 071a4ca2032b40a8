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

import { join } from 'node:path';
import { parseCommandLine, USAGE, UsageError, Command } from './args';
import { requireCompiled } from './codeCache';
import { descriptorStream, OutputStream } from './stdio';

type CommandsModule = typeof import('./commands');

/**
 * Set by the CLI build (scripts/build-cli.js) to the file name of the
 * compiled commands bundle beside the entry bundle; undefined when the CLI
 * runs from its TypeScript sources.
 */
declare const IMAGE_PROMOTION_COMMANDS_FILE: string | undefined;

/** Where the CLI writes; injectable so tests can capture it. */
export interface CliIO {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** What the program around the CLI may hook into; none of it changes what the CLI does. */
export interface RunCliOptions {
  /**
   * Called when a copy starts moving blob bytes and then after about every
   * MiB moved (`first` is true on the first call); never for a copy that
   * only mounts blobs or finds them present, nor for other commands. The
   * executable sets V8 flags for long transfers on the first call (a flag
   * changed earlier makes V8 refuse its code caches, Node's of its built-in
   * modules and ours of the commands, for whatever is compiled after it)
   * and lets go of the memory of the bytes moved on every call.
   */
  onTransfer?: (first: boolean) => void;
}

const defaultIO = (): CliIO => ({
  stdout: descriptorStream(1, () => process.stdout),
  stderr: descriptorStream(2, () => process.stderr),
  env: process.env,
});

/** Runs the CLI and resolves to its exit code: 0 done, 1 failed, 2 bad usage. */
export async function runCli(
  argv: string[],
  io: CliIO = defaultIO(),
  options: RunCliOptions = {},
): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`image-promotion: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }

  if (command.command === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command.command === 'version') {
    io.stdout.write('0.1.0\n');
    return 0;
  }

  const { runCommand } = loadCommands();
  return runCommand(command, io, options.onTransfer);
}

/**
 * The engine, the registry client and the credential providers, loaded only
 * for a command that needs them. In the bundle they are a second file with
 * V8's compiled code beside it (see codeCache.ts); from the sources, a plain
 * require.
 */
function loadCommands(): CommandsModule {
  if (typeof IMAGE_PROMOTION_COMMANDS_FILE === 'string') {
    // eslint-disable-next-line no-restricted-syntax
    return requireCompiled(join(__dirname, IMAGE_PROMOTION_COMMANDS_FILE));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./commands');
}
