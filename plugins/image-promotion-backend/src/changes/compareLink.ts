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

const REVISION = /^[0-9a-zA-Z._\-/]{1,200}$/;

/**
 * The forge's compare view between two revisions of `source`, when source is
 * a GitHub or GitLab repository URL (https, `git@host:path`, with or without
 * `.git`); undefined for anything else. GitHub Enterprise and self-managed
 * GitLab are recognised by a host name containing `github` or `gitlab`.
 */
export function compareUrl(
  source: string,
  from: string,
  to: string,
): string | undefined {
  if (!REVISION.test(from) || !REVISION.test(to)) return undefined;
  const repo = repositoryUrl(source);
  if (!repo) return undefined;
  const range = `${encodeURIComponent(from)}...${encodeURIComponent(to)}`;
  if (repo.forge === 'github') return `${repo.base}/compare/${range}`;
  return `${repo.base}/-/compare/${range}`;
}

function repositoryUrl(
  source: string,
): { forge: 'github' | 'gitlab'; base: string } | undefined {
  let text = source.trim();
  const scp = /^git@([^:/]+):(.+)$/.exec(text);
  if (scp) text = `https://${scp[1]}/${scp[2]}`;
  text = text.replace(/^git\+/, '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (!['https:', 'http:', 'ssh:'].includes(url.protocol)) return undefined;
  const host = url.hostname.toLocaleLowerCase('en-US');
  let forge: 'github' | 'gitlab' | undefined;
  if (host.includes('github')) forge = 'github';
  else if (host.includes('gitlab')) forge = 'gitlab';
  if (!forge) return undefined;
  const segments = url.pathname
    .replace(/\.git\/?$/, '')
    .split('/')
    .filter(Boolean);
  // GitLab paths may continue after `/-/` (tree, blob); GitHub repos are owner/name.
  const dash = segments.indexOf('-');
  let path = segments;
  if (forge === 'github') path = segments.slice(0, 2);
  else if (dash >= 0) path = segments.slice(0, dash);
  if (path.length < 2) return undefined;
  const port = url.port && url.protocol !== 'ssh:' ? `:${url.port}` : '';
  return { forge, base: `https://${host}${port}/${path.join('/')}` };
}
