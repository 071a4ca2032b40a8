#!/usr/bin/env node
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

// Builds the CLI that bin/image-promotion runs (`yarn build:cli`, also run
// by `yarn install`):
//
//   dist-cli/image-promotion.cjs            argument parsing, help, version
//   dist-cli/image-promotion.commands.cjs   the engine, registry client and
//                                           credential providers
//   dist-cli/image-promotion.commands.cjs.cache
//                                           V8's code for every function of
//                                           the commands, for this Node.js
//
// Two files, so that `--version`, `--help` and a usage error do not load the
// engine; the code cache, so that a copy does not compile the functions it
// calls on every start (see src/cli/codeCache.ts). Nothing here is
// committed: each build writes all three. `--outfile=PATH` puts the entry
// bundle elsewhere (the commands go beside it, named after it).

const { spawnSync } = require('node:child_process');
const path = require('node:path');
const esbuild = require('esbuild');

const PACKAGE_DIR = path.resolve(__dirname, '..');

function outfileFromArgs(argv) {
  let outfile = path.join(PACKAGE_DIR, 'dist-cli/image-promotion.cjs');
  for (const arg of argv) {
    if (arg.startsWith('--outfile=')) {
      outfile = path.resolve(arg.slice('--outfile='.length));
    } else {
      throw new Error(
        `build-cli: unknown argument ${arg} (only --outfile=PATH)`,
      );
    }
  }
  return outfile;
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: PACKAGE_DIR,
  // The cloud SDKs load only when a cloud registry needs them, from the
  // package's node_modules.
  external: ['@aws-sdk/*', 'google-auth-library', '@azure/identity'],
};

/** The entry must not carry the commands: it loads them from their own file. */
const commandsStayOutside = {
  name: 'commands-stay-outside',
  setup(build) {
    build.onResolve({ filter: /^\.\/commands$/ }, args =>
      args.importer.endsWith(path.join('src', 'cli', 'index.ts'))
        ? { path: args.path, external: true }
        : undefined,
    );
  },
};

async function main() {
  const outfile = outfileFromArgs(process.argv.slice(2));
  const commandsFile = `${outfile.replace(/\.c?js$/, '')}.commands.cjs`;

  await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: ['src/cli/index.ts'],
      outfile,
      define: {
        IMAGE_PROMOTION_COMMANDS_FILE: JSON.stringify(
          path.basename(commandsFile),
        ),
      },
      plugins: [commandsStayOutside],
    }),
    esbuild.build({
      ...common,
      entryPoints: ['src/cli/commands.ts'],
      outfile: commandsFile,
    }),
  ]);

  // The code cache is V8's own format, valid only for the Node.js (and V8
  // flags) that wrote it: written by the Node.js running this build, in a
  // process of its own without NODE_OPTIONS.
  const writer = await esbuild.build({
    ...common,
    sourcemap: false,
    write: false,
    entryPoints: ['src/cli/writeCodeCache.ts'],
  });
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const result = spawnSync(
    process.execPath,
    [
      '-e',
      `${writer.outputFiles[0].text}\nmodule.exports.writeCodeCache(process.argv[1]);`,
      commandsFile,
    ],
    { env, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    throw new Error(
      `build-cli: writing the code cache of ${commandsFile} failed (exit ${result.status})`,
    );
  }
}

main().catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
