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

import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ImagePromotionConfig } from '../config';
import type { ImagePromotionStore } from '../database';
import type { PromotionService } from '../promotion/PromotionService';
import type { RegistryAccess } from '../registry/RegistryAccess';
import type { Tracker } from '../tracking/Tracker';
import { createRouter } from './router';
import {
  decisionBodySchema,
  previewBodySchema,
  promotionBodySchema,
} from './schemas';

const spec = readFileSync(join(__dirname, '../schema/openapi.yaml'), 'utf8');

/** `METHOD /path/{param}` of every operation in the OpenAPI document. */
function documentedOperations(): string[] {
  const operations: string[] = [];
  let path: string | undefined;
  let inPaths = false;
  for (const line of spec.split('\n')) {
    if (/^\S/.test(line)) inPaths = line.startsWith('paths:');
    if (!inPaths) continue;
    const pathMatch = /^ {2}(\/\S*):\s*$/.exec(line);
    if (pathMatch) path = pathMatch[1];
    const methodMatch = /^ {4}(get|post|put|patch|delete):\s*$/.exec(line);
    if (methodMatch && path) {
      operations.push(`${methodMatch[1].toUpperCase()} ${path}`);
    }
  }
  return operations.sort();
}

/** Property names of a schema in `components.schemas`. */
function documentedProperties(schema: string): string[] {
  const lines = spec.split('\n');
  const start = lines.findIndex(l => l === `    ${schema}:`);
  expect(start).toBeGreaterThan(0);
  const names: string[] = [];
  let inProperties = false;
  for (const line of lines.slice(start + 1)) {
    if (/^ {4}\S/.test(line)) break;
    if (/^ {6}properties:/.test(line)) {
      inProperties = true;
      continue;
    }
    if (/^ {6}\S/.test(line)) inProperties = false;
    const match = /^ {8}([A-Za-z]+):/.exec(line);
    if (inProperties && match) names.push(match[1]);
  }
  return names.sort();
}

type ExpressLayer = {
  route?: { path: string; methods: Record<string, boolean> };
};

function bodyKeys(schema: z.ZodTypeAny): string[] {
  let inner: z.ZodTypeAny = schema;
  while (inner instanceof z.ZodEffects) inner = inner.innerType();
  return Object.keys((inner as z.AnyZodObject).shape).sort();
}

describe('openapi.yaml', () => {
  it('documents every route of the router, and nothing else', async () => {
    const router = await createRouter({
      logger: mockServices.logger.mock(),
      httpAuth: mockServices.httpAuth.mock(),
      userInfo: mockServices.userInfo.mock(),
      permissions: mockServices.permissions.mock(),
      auditor: mockServices.auditor.mock(),
      catalog: catalogServiceMock(),
      config: {
        pipelines: new Map(),
        registries: new Map(),
      } as unknown as ImagePromotionConfig,
      store: {} as ImagePromotionStore,
      access: {} as RegistryAccess,
      tracker: {} as Tracker,
      service: {} as PromotionService,
    });
    const routes = (router.stack as ExpressLayer[])
      .filter(layer => layer.route)
      .flatMap(layer =>
        Object.keys(layer.route!.methods).map(
          method =>
            `${method.toUpperCase()} ${layer.route!.path.replace(
              /:(\w+)/g,
              '{$1}',
            )}`,
        ),
      )
      .sort();
    expect(routes).toEqual(documentedOperations());
  });

  it('describes the same request fields as the zod schemas', () => {
    expect(documentedProperties('PromotionRequest')).toEqual(
      bodyKeys(promotionBodySchema),
    );
    expect(documentedProperties('PromotionPreviewRequest')).toEqual(
      bodyKeys(previewBodySchema),
    );
    expect(documentedProperties('Decision')).toEqual(
      bodyKeys(decisionBodySchema),
    );
  });
});
