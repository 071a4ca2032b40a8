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

/* eslint-disable no-console */

// Builds the native addons (better-sqlite3) for the Node.js that runs
// `yarn install`, offline. Their own install scripts are switched off in the
// root package.json (dependenciesMeta: built: false) because they would
// first try to download a prebuilt binary, then let node-gyp download Node's
// headers, and on an offline machine both fail after deleting the binary that
// worked. Here an addon that already loads is left alone, and one that does
// not is compiled against headers found on this machine: beside the running
// node binary (nodejs.org tarballs, nvm, the `node` npm package), in
// /usr/include (Debian's libnode-dev), or in node-gyp's own cache.
// `npm_config_nodedir`, when set, wins.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ADDONS = [
  { name: 'better-sqlite3', binary: 'build/Release/better_sqlite3.node' },
];

function log(message) {
  console.log(`native-addons: ${message}`);
}

/** Every installed copy of a package: hoisted, and nested in a workspace. */
function installedCopies(name) {
  const roots = [ROOT];
  for (const group of ['packages', 'plugins']) {
    const dir = path.join(ROOT, group);
    if (!fs.existsSync(dir)) continue;
    for (const entry of fs.readdirSync(dir)) roots.push(path.join(dir, entry));
  }
  return roots
    .map(root => path.join(root, 'node_modules', name))
    .filter(dir => fs.existsSync(path.join(dir, 'package.json')));
}

function loads(file) {
  try {
    require(file);
    return true;
  } catch {
    return false;
  }
}

function headersMatch(dir) {
  const versionHeader = path.join(dir, 'include', 'node', 'node_version.h');
  if (!fs.existsSync(versionHeader)) return false;
  const text = fs.readFileSync(versionHeader, 'utf8');
  const part = key =>
    (text.match(new RegExp(`#define ${key} (\\d+)`)) ?? [])[1];
  const found = `${part('NODE_MAJOR_VERSION')}.${part(
    'NODE_MINOR_VERSION',
  )}.${part('NODE_PATCH_VERSION')}`;
  return found === process.versions.node;
}

/** A directory holding include/node for exactly the running Node, if any. */
function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(fs.realpathSync(process.execPath), '..', '..');
  const candidates = [
    prefix,
    path.join(
      prefix,
      'node_modules',
      `node-${process.platform}-${process.arch}`,
    ),
    '/usr',
    '/usr/local',
  ];
  return candidates.find(headersMatch);
}

function nodeGypCacheHasHeaders() {
  const home = process.env.HOME ?? '';
  const cacheRoots = [
    process.env.npm_config_devdir,
    path.join(home, '.cache', 'node-gyp'),
    path.join(home, '.node-gyp'),
  ].filter(Boolean);
  return cacheRoots.some(root =>
    headersMatch(path.join(root, process.versions.node)),
  );
}

function build(dir, name) {
  const nodeDir = findNodeDir();
  if (!nodeDir && !nodeGypCacheHasHeaders()) {
    console.error(
      `native-addons: ${name} must be compiled for Node.js ${process.version}, and this machine has no headers for it.\n` +
        `  Install Node.js from a package that ships them (nodejs.org tarball, nvm, or \`npm i -g node@${
          process.versions.node.split('.')[0]
        }\`),\n` +
        '  or point npm_config_nodedir at a directory holding include/node for this exact version, then run `yarn install` again.',
    );
    return false;
  }
  log(
    `compiling ${name} for Node.js ${process.version}${
      nodeDir ? ` with the headers in ${nodeDir}` : ''
    } (about a minute, once)`,
  );
  const nodeGyp = require.resolve('node-gyp/bin/node-gyp.js', {
    paths: [ROOT],
  });
  const args = [nodeGyp, 'rebuild', '--release'];
  if (nodeDir) args.push(`--nodedir=${nodeDir}`);
  const result = spawnSync(process.execPath, args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, npm_config_nodedir: nodeDir ?? '' },
  });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    console.error(output.split('\n').slice(-30).join('\n'));
    console.error(
      `native-addons: compiling ${name} failed (node-gyp exit ${result.status}); the last lines of its output are above.`,
    );
    return false;
  }
  return true;
}

let ok = true;
for (const addon of ADDONS) {
  for (const dir of installedCopies(addon.name)) {
    const binary = path.join(dir, addon.binary);
    if (loads(binary)) continue;
    if (!build(dir, addon.name) || !loads(binary)) ok = false;
  }
}
process.exit(ok ? 0 : 1);
