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

import http from 'node:http';
import type https from 'node:https';
import { https as loadHttps } from './lazyHttps';

/** Default bound on concurrent sockets per host: enough for parallel blobs, polite to registries. */
export const DEFAULT_MAX_SOCKETS_PER_HOST = 16;

/**
 * Keep-alive agents, one per scheme+host. Reusing connections matters more
 * than anything else for small operations (a same-registry promotion is a
 * dozen tiny requests), and one agent per host keeps a slow blob-storage host
 * from starving registry requests of sockets.
 */
export class AgentPool {
  private readonly agents = new Map<string, http.Agent>();
  private readonly maxSockets: number;

  constructor(options: { maxSocketsPerHost?: number } = {}) {
    this.maxSockets = options.maxSocketsPerHost ?? DEFAULT_MAX_SOCKETS_PER_HOST;
  }

  /** The agent for a URL's scheme and host. */
  get(url: URL): http.Agent {
    const key = `${url.protocol}//${url.host}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const options: https.AgentOptions = {
        keepAlive: true,
        keepAliveMsecs: 15_000,
        maxSockets: this.maxSockets,
        maxFreeSockets: this.maxSockets,
        // LIFO reuses the warmest socket, leaving idle ones to time out.
        scheduling: 'lifo',
        // Servers commonly drop idle connections after 60s+; close ours first to avoid reusing a dead one.
        timeout: 30_000,
      };
      agent =
        url.protocol === 'https:'
          ? new (loadHttps().Agent)(options)
          : new http.Agent(options);
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Closes every socket; the pool can still be used afterwards. */
  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
