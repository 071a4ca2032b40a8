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

import { spawn } from 'node:child_process';

/** What a finished command printed and how it ended. */
export interface CommandResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Kill the command after this many milliseconds (default 120 000). */
  timeoutMs?: number;
  /** Written to the command's standard input, then closed. */
  input?: string;
  /** Strings to replace with `***` in error messages (passwords). */
  redact?: string[];
}

function redactAll(text: string, secrets: string[]): string {
  return secrets
    .filter(secret => secret.length > 0)
    .reduce((out, secret) => out.split(secret).join('***'), text);
}

/**
 * Runs a command to completion and rejects with its arguments and output
 * when it fails or times out, so a failed test says why.
 */
export function runCommand(
  command: string,
  args: string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const secrets = options.redact ?? [];
  return new Promise((resolve, reject) => {
    // Without input the command gets no stdin pipe at all: a command that
    // exits without reading it (skopeo) cannot then fail the write with EPIPE.
    const child = spawn(command, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', error => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', code => {
      clearTimeout(timer);
      const result: CommandResult = {
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr).toString('utf8'),
        exitCode: code ?? -1,
      };
      if (timedOut || result.exitCode !== 0) {
        const what = redactAll(`${command} ${args.join(' ')}`, secrets);
        const why = timedOut
          ? `timed out after ${timeoutMs} ms`
          : `exited with ${result.exitCode}`;
        const output = redactAll(
          `${result.stderr}\n${result.stdout.toString('utf8')}`.trim(),
          secrets,
        );
        reject(new Error(`${what} ${why}: ${output.slice(-4000)}`));
        return;
      }
      resolve(result);
    });
    if (child.stdin) {
      // A command that exits before reading all its input breaks the pipe;
      // how it ended (its exit code and output, above) is what counts.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}
