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
import { resolve } from 'node:path';
import {
  coreServices,
  createBackendModule,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { OciLayoutRepository } from '@image-promotion/plugin-image-promotion-node';
import { buildDemoImage, writeDemoImage } from './demoImage';

/** Where the seed writes in one environment: an `oci-layout` registry of the default pipeline. */
export interface DemoSeedEnvironment {
  id: string;
  /** Absolute layout root of the environment's registry. */
  directory: string;
  /** Repository template, e.g. `{{ image }}`. */
  repository: string;
  currentTag?: string;
}

/** What to seed: images into the first two environments of the default pipeline. */
export interface DemoSeedPlan {
  images: string[];
  first: DemoSeedEnvironment;
  second: DemoSeedEnvironment;
}

/** What the seed did per image. */
export interface DemoSeedResult {
  image: string;
  seeded: boolean;
  /** Versions and their digests, when seeded. */
  versions: { version: string; digest: string; environments: string[] }[];
}

/** Where the demo images say their sources are: the change preview links commit ranges there. */
export const DEMO_SOURCE_BASE = 'https://github.com/image-promotion-demo';
/** The base image every demo version names (shared, so its layer is too). */
export const DEMO_BASE_IMAGE = 'docker.io/library/debian:bookworm-slim';

/** A stable, commit-like revision per image and version, so restarts and tests agree. */
export function demoRevision(image: string, version: string): string {
  return createHash('sha1').update(`${image}@${version}`).digest('hex');
}

const IMAGE_NAME = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const PLACEHOLDER = /\{\{\s*(image|name|namespace)\s*\}\}/g;

function defaultPipelineName(pipelines: Config): string | undefined {
  const names = pipelines.keys();
  return (
    names.find(n => pipelines.getOptionalBoolean(`${n}.default`) === true) ??
    (names.length === 1 ? names[0] : names.find(n => n === 'default'))
  );
}

/**
 * Reads the seed plan from `imagePromotionDemo.images` and the default
 * pipeline of `imagePromotion`, or says why there is nothing to seed.
 */
export function readDemoSeedPlan(
  config: Config,
  cwd: string = process.cwd(),
): DemoSeedPlan | { skip: string } {
  const images = config.getOptionalStringArray('imagePromotionDemo.images');
  if (!images?.length) {
    return { skip: 'imagePromotionDemo.images is not configured' };
  }
  const invalid = images.find(i => !IMAGE_NAME.test(i));
  if (invalid !== undefined) {
    throw new Error(
      `imagePromotionDemo.images: "${invalid}" is not a valid image name (lowercase letters and digits, separated by ".", "_", "__" or "-")`,
    );
  }
  const pipelines = config.getOptionalConfig('imagePromotion.pipelines');
  const pipelineName = pipelines && defaultPipelineName(pipelines);
  if (!pipelines || !pipelineName) {
    return { skip: 'imagePromotion has no default pipeline' };
  }
  const environments = pipelines.getConfigArray(`${pipelineName}.environments`);
  if (environments.length < 2) {
    return {
      skip: `pipeline "${pipelineName}" has fewer than two environments`,
    };
  }
  const toSeedEnvironment = (
    environment: Config,
  ): DemoSeedEnvironment | string => {
    const id = environment.getString('id');
    const registry = environment.getString('registry');
    const entry = config.getOptionalConfig(
      `imagePromotion.registries.${registry}`,
    );
    if (entry?.getOptionalString('type') !== 'oci-layout') {
      return `environment "${id}" does not use an oci-layout registry`;
    }
    const currentTag = environment.getOptionalString('currentTag');
    return {
      id,
      directory: resolve(cwd, entry.getString('directory')),
      repository: environment.getString('repository'),
      ...(currentTag ? { currentTag } : {}),
    };
  };
  const first = toSeedEnvironment(environments[0]);
  const second = toSeedEnvironment(environments[1]);
  if (typeof first === 'string') return { skip: first };
  if (typeof second === 'string') return { skip: second };
  return { images, first, second };
}

function layoutFor(
  environment: DemoSeedEnvironment,
  image: string,
): OciLayoutRepository {
  // Demo components are named after their image, in the default namespace.
  const path = environment.repository.replace(PLACEHOLDER, (_, key: string) =>
    key === 'namespace' ? 'default' : image,
  );
  if (path.split('/').some(part => !IMAGE_NAME.test(part))) {
    throw new Error(
      `repository template "${environment.repository}" of environment "${environment.id}" expands to "${path}", which is not a repository path`,
    );
  }
  return new OciLayoutRepository(resolve(environment.directory, path));
}

/**
 * Writes two versions of each image whose layout in the first environment is
 * still empty: `1.0.0` into the first and second environment (same digest),
 * `1.1.0` into the first only, with each environment's current tag, so the
 * first environment is one version ahead. Both carry the OCI version,
 * revision, source and base-image labels; `1.1.0` keeps the base layer of
 * `1.0.0` and replaces its application layer with a bigger one, so the
 * change preview has something to show. The second environment is written
 * first: the first one being non-empty is what marks an image as seeded.
 */
export async function seedDemoImages(
  plan: DemoSeedPlan,
): Promise<DemoSeedResult[]> {
  const results: DemoSeedResult[] = [];
  for (const image of plan.images) {
    const first = layoutFor(plan.first, image);
    if ((await first.listTags()).length > 0) {
      results.push({ image, seeded: false, versions: [] });
      continue;
    }
    const second = layoutFor(plan.second, image);
    const labels = (version: string) => ({
      version,
      revision: demoRevision(image, version),
      source: `${DEMO_SOURCE_BASE}/${image}`,
      baseName: DEMO_BASE_IMAGE,
    });
    // Built a few days apart, as releases are.
    const older = buildDemoImage({
      ...labels('1.0.0'),
      created: new Date(Date.now() - 3 * 24 * 3600_000),
    });
    const newer = buildDemoImage({
      ...labels('1.1.0'),
      reuseLayers: older.layers.slice(0, 1),
      layerSize: 6144,
    });
    const withCurrent = (environment: DemoSeedEnvironment, tag: string) =>
      environment.currentTag ? [tag, environment.currentTag] : [tag];
    await writeDemoImage(second, older, withCurrent(plan.second, '1.0.0'));
    await writeDemoImage(first, older, ['1.0.0']);
    await writeDemoImage(first, newer, withCurrent(plan.first, '1.1.0'));
    results.push({
      image,
      seeded: true,
      versions: [
        {
          version: '1.0.0',
          digest: older.digest,
          environments: [plan.first.id, plan.second.id],
        },
        {
          version: '1.1.0',
          digest: newer.digest,
          environments: [plan.first.id],
        },
      ],
    });
  }
  return results;
}

function logResults(logger: LoggerService, results: DemoSeedResult[]) {
  for (const result of results) {
    if (!result.seeded) {
      logger.info(`Demo seed: ${result.image} already has images, left alone`);
      continue;
    }
    for (const version of result.versions) {
      logger.info(
        `Demo seed: ${result.image}:${version.version} (${
          version.digest
        }) written to ${version.environments.join(', ')}`,
      );
    }
  }
}

/**
 * Demo data for the example app: on start-up, before the image promotion
 * plugin schedules tracking, writes small images into the `oci-layout`
 * registries of the first two environments so that the first one holds a
 * newer version than the second. Idempotent across restarts.
 */
export const imagePromotionDemoSeedModule = createBackendModule({
  pluginId: 'image-promotion',
  moduleId: 'demo-seed',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ config, logger }) {
        const plan = readDemoSeedPlan(config);
        if ('skip' in plan) {
          logger.info(`Demo seed skipped: ${plan.skip}`);
          return;
        }
        logResults(logger, await seedDemoImages(plan));
      },
    });
  },
});

export default imagePromotionDemoSeedModule;
