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

import { ReverseProxy, startReverseProxy } from './reverseProxy';

/** One registry served under a path of the proxy. */
export interface PathPrefixRoute {
  /** e.g. `/artifactory/api/docker/docker-local`. */
  prefix: string;
  /** `host:port` of the registry answering `/v2/...`. */
  upstream: string;
  /** `host:port` of a token server answering `/token`, served as `<prefix>/v2/token` as Artifactory does. */
  tokenUpstream?: string;
}

/** A front end serving registries under path prefixes, like Artifactory or Nexus. */
export interface PathPrefixProxy extends ReverseProxy {
  /** Serves a registry under a prefix; the realm of its token server is then `<url><prefix>/v2/token`. */
  addRoute(route: PathPrefixRoute): void;
}

/**
 * Starts a reverse proxy that serves each registry's API under its own path
 * prefix (`/artifactory/api/docker/<repo>/v2/...`), taking the prefix off on
 * the way in and putting it back on upload `Location`s on the way out. Routes
 * are added after start, so a token-auth registry can be configured with a
 * realm on the proxy.
 */
export async function startPathPrefixProxy(): Promise<PathPrefixProxy> {
  const routes: PathPrefixRoute[] = [];
  const match = (path: string) =>
    routes.find(r => path === r.prefix || path.startsWith(`${r.prefix}/`));
  const proxy = await startReverseProxy({
    route: path => {
      const route = match(path);
      if (!route) return undefined;
      const rest = path.slice(route.prefix.length);
      if (route.tokenUpstream && /^\/v2\/token(\?|$)/.test(rest)) {
        return {
          host: route.tokenUpstream,
          path: `/token${rest.slice('/v2/token'.length)}`,
        };
      }
      return rest.startsWith('/v2/')
        ? { host: route.upstream, path: rest }
        : undefined;
    },
    rewriteLocationPath: (path, requestPath) => {
      const route = match(requestPath);
      return route && path.startsWith('/v2/') ? `${route.prefix}${path}` : path;
    },
  });
  return {
    ...proxy,
    addRoute: route => routes.push(route),
  };
}
