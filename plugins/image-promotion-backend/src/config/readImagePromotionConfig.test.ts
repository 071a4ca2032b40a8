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

import { ConfigReader } from '@backstage/config';
import {
  DEFAULT_TRACKING,
  readImagePromotionConfig,
} from './readImagePromotionConfig';
import { ImagePromotionConfigError } from './errors';

type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

const CWD = '/srv/backstage';
const PASSWORD = 'hunter2-very-secret';

function environment(overrides: JsonObject = {}): JsonObject {
  return {
    id: 'dev',
    registry: 'dev',
    repository: 'team-a/{{ image }}',
    ...overrides,
  };
}

function fourEnvironments(): JsonObject[] {
  return [
    environment({ title: 'Development', currentTag: 'dev' }),
    environment({ id: 'qa', registry: 'qa' }),
    environment({ id: 'staging', registry: 'staging' }),
    environment({ id: 'prod', registry: 'prod' }),
  ];
}

function baseConfig(): JsonObject {
  return {
    registries: {
      dev: { type: 'oci-layout', directory: './.data/registries/dev' },
      qa: { type: 'oci-layout', directory: '/var/lib/registries/qa' },
      staging: {
        type: 'registry',
        url: 'http://localhost:5000',
        insecure: true,
      },
      prod: {
        type: 'registry',
        url: 'https://registry.example.com',
        credentials: { username: 'robot', password: PASSWORD },
      },
    },
    pipelines: { default: { environments: fourEnvironments() } },
  };
}

/** Sets `value` at a dotted path (numeric segments index arrays) in a copy of `base`. */
function withValue(
  base: JsonObject,
  path: string,
  value: JsonValue | undefined,
): JsonObject {
  const copy = JSON.parse(JSON.stringify(base)) as JsonObject;
  const segments = path.split('.');
  let node: JsonObject | JsonValue[] = copy;
  for (const segment of segments.slice(0, -1)) {
    const next: JsonValue | undefined = Array.isArray(node)
      ? node[Number(segment)]
      : node[segment];
    node = next as JsonObject | JsonValue[];
  }
  const last = segments[segments.length - 1];
  if (Array.isArray(node)) {
    if (value === undefined) node.splice(Number(last), 1);
    else node[Number(last)] = value;
  } else if (value === undefined) {
    delete node[last];
  } else {
    node[last] = value;
  }
  return copy;
}

function read(imagePromotion: JsonValue | undefined) {
  return readImagePromotionConfig(
    new ConfigReader(imagePromotion === undefined ? {} : { imagePromotion }),
    { cwd: CWD },
  );
}

function errorOf(
  imagePromotion: JsonValue | undefined,
): ImagePromotionConfigError {
  try {
    read(imagePromotion);
  } catch (error) {
    if (error instanceof ImagePromotionConfigError) return error;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('readImagePromotionConfig', () => {
  describe('a valid config', () => {
    it('yields registries, credentials, pipelines and the default pipeline', () => {
      const config = read(
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          approvals: 1,
          approverGroups: ['group:default/Release-Managers', 'sre'],
          soakTime: { hours: 1 },
          freezeWindows: [
            {
              kind: 'weekly',
              days: ['fri', 'sat', 6],
              start: '18:00',
              end: '08:00',
              timezone: 'Europe/Berlin',
              reason: 'Weekend',
            },
            {
              kind: 'once',
              start: '2026-12-20T00:00:00+01:00',
              end: '2027-01-04T00:00:00Z',
            },
          ],
          immutableTags: true,
          requirePreviousEnvironment: 'current',
          allowSkip: false,
          rollbackSkipsSoak: false,
        }),
      );

      expect([...config.registries.values()]).toEqual([
        {
          name: 'dev',
          type: 'oci-layout',
          directory: '/srv/backstage/.data/registries/dev',
        },
        { name: 'qa', type: 'oci-layout', directory: '/var/lib/registries/qa' },
        {
          name: 'staging',
          type: 'registry',
          host: 'localhost:5000',
          insecure: true,
        },
        {
          name: 'prod',
          type: 'registry',
          host: 'registry.example.com',
          insecure: false,
        },
      ]);
      expect([...config.registryCredentials]).toEqual([
        ['prod', { kind: 'basic', username: 'robot', password: PASSWORD }],
      ]);
      expect(config.defaultPipeline).toBe('default');
      const pipeline = config.pipelines.get('default');
      expect(pipeline?.name).toBe('default');
      expect(pipeline?.environments.map(env => env.id)).toEqual([
        'dev',
        'qa',
        'staging',
        'prod',
      ]);
      expect(pipeline?.environments[0]).toEqual({
        id: 'dev',
        title: 'Development',
        registry: 'dev',
        repository: 'team-a/{{ image }}',
        currentTag: 'dev',
        policy: {
          requirePreviousEnvironment: 'present',
          allowSkip: false,
          approvals: 0,
          approverGroups: [],
          soakTimeMs: 0,
          rollbackSkipsSoak: true,
          freezeWindows: [],
          immutableTags: false,
          signatureKeys: [],
        },
      });
      expect(pipeline?.environments[3].policy).toEqual({
        requirePreviousEnvironment: 'current',
        allowSkip: false,
        approvals: 1,
        approverGroups: ['group:default/release-managers', 'group:default/sre'],
        soakTimeMs: 3_600_000,
        rollbackSkipsSoak: false,
        freezeWindows: [
          {
            kind: 'weekly',
            days: [5, 6],
            startTime: '18:00',
            endTime: '08:00',
            timezone: 'Europe/Berlin',
            reason: 'Weekend',
          },
          {
            kind: 'once',
            start: '2026-12-19T23:00:00.000Z',
            end: '2027-01-04T00:00:00.000Z',
          },
        ],
        immutableTags: true,
        signatureKeys: [],
      });
      expect(config.webhook).toBeUndefined();
    });

    it('applies defaults: tracking every 5 minutes, 8 at a time; title = id; open policy', () => {
      const config = read(baseConfig());
      expect(config.tracking).toEqual({
        frequencyMs: 300_000,
        timeoutMs: 600_000,
        concurrency: 8,
        initialDelayMs: 15_000,
        registryTimeoutMs: 60_000,
        recheckIntervalMs: 3_600_000,
      });
      expect(config.tracking).toEqual(DEFAULT_TRACKING);
      // Transport deadlines left to the engine's defaults; the API waits 10 s.
      expect(config.timeouts).toEqual({
        connectMs: undefined,
        responseMs: undefined,
        idleMs: undefined,
        apiRequestMs: 10_000,
      });
      const qa = config.pipelines.get('default')?.environments[1];
      expect(qa?.title).toBe('qa');
      expect(qa?.currentTag).toBeUndefined();
      expect(qa?.policy.approvals).toBe(0);
      expect(qa?.policy.requirePreviousEnvironment).toBe('present');
      expect(qa?.policy.rollbackSkipsSoak).toBe(true);
    });

    it('does not share default policy objects between environments', () => {
      const environments =
        read(baseConfig()).pipelines.get('default')?.environments ?? [];
      expect(environments[0].policy.freezeWindows).not.toBe(
        environments[1].policy.freezeWindows,
      );
    });

    it('reads tracking durations in every supported form', () => {
      const config = read({
        ...baseConfig(),
        tracking: {
          frequency: { minutes: 1, seconds: 30 },
          timeout: 'PT2M',
          concurrency: 16,
          registryConcurrency: { prod: 2, staging: '32' },
          initialDelay: '5s',
          registryTimeout: '45s',
          recheckInterval: '0s',
        },
        timeouts: {
          connect: '3s',
          response: { seconds: 15 },
          idle: 'PT30S',
          apiRequest: '4s',
        },
        webhook: { secret: 'a-long-enough-shared-secret' },
      });
      expect(config.tracking).toEqual({
        frequencyMs: 90_000,
        timeoutMs: 120_000,
        concurrency: 16,
        registryConcurrency: { prod: 2, staging: 32 },
        initialDelayMs: 5_000,
        registryTimeoutMs: 45_000,
        recheckIntervalMs: 0,
      });
      expect(config.timeouts).toEqual({
        connectMs: 3_000,
        responseMs: 15_000,
        idleMs: 30_000,
        apiRequestMs: 4_000,
      });
      expect(config.webhook).toEqual({ secret: 'a-long-enough-shared-secret' });
    });

    it('accepts booleans and numbers written as strings (environment substitution)', () => {
      const config = read(
        withValue(
          withValue(baseConfig(), 'registries.staging.insecure', 'true'),
          'pipelines.default.environments.3.policy',
          { approvals: '2', immutableTags: 'false', allowSkip: 'true' },
        ),
      );
      expect(config.registries.get('staging')).toMatchObject({
        insecure: true,
      });
      expect(
        config.pipelines.get('default')?.environments[3].policy,
      ).toMatchObject({ approvals: 2, immutableTags: false, allowSkip: true });
    });

    it('normalises registry URLs to host[:port]', () => {
      const hostOf = (url: string, insecure = false) =>
        read(
          withValue(baseConfig(), 'registries.prod', {
            type: 'registry',
            url,
            insecure,
          }),
        ).registries.get('prod');
      expect(hostOf('https://Registry.Example.com/')).toMatchObject({
        host: 'registry.example.com',
      });
      expect(hostOf('https://registry.example.com:443')).toMatchObject({
        host: 'registry.example.com',
      });
      expect(hostOf('https://registry.example.com:8443/v2/')).toMatchObject({
        host: 'registry.example.com:8443',
      });
      expect(hostOf('http://[::1]:5000', true)).toMatchObject({
        host: '[::1]:5000',
      });
      expect(hostOf('https://registry.internal', true)).toMatchObject({
        host: 'registry.internal',
        insecure: true,
      });
      expect(hostOf('https://registry.example.com/')).not.toHaveProperty(
        'pathPrefix',
      );
    });

    it('keeps the path of a registry whose API lives under one (Artifactory, Nexus)', () => {
      const entryOf = (url: string) =>
        read(
          withValue(baseConfig(), 'registries.prod', { type: 'registry', url }),
        ).registries.get('prod');
      expect(
        entryOf('https://Art.Example.com/artifactory/api/docker/docker-prod'),
      ).toEqual({
        name: 'prod',
        type: 'registry',
        host: 'art.example.com',
        pathPrefix: '/artifactory/api/docker/docker-prod',
        insecure: false,
      });
      expect(
        entryOf('https://nexus.example.com/repository/Docker-Hosted/v2/'),
      ).toMatchObject({
        host: 'nexus.example.com',
        pathPrefix: '/repository/Docker-Hosted',
      });
    });

    it('reads every credentials form and resolves file paths against cwd', () => {
      const credentialsOf = (credentials: JsonObject) =>
        read(
          withValue(baseConfig(), 'registries.prod.credentials', credentials),
        ).registryCredentials.get('prod');
      expect(credentialsOf({ dockerConfig: 'secrets/config.json' })).toEqual({
        kind: 'docker-config',
        path: '/srv/backstage/secrets/config.json',
      });
      expect(
        credentialsOf({
          provider: 'ecr',
          region: 'eu-west-1',
          accessKeyId: 'AKIA',
          secretAccessKey: 'shh',
        }),
      ).toEqual({
        kind: 'ecr',
        region: 'eu-west-1',
        accessKeyId: 'AKIA',
        secretAccessKey: 'shh',
      });
      expect(credentialsOf({ provider: 'ecr' })).toEqual({ kind: 'ecr' });
      expect(
        credentialsOf({
          provider: 'ecr',
          roleArn: 'arn:aws:iam::123456789012:role/promoter',
          endpoint: 'https://api.ecr.eu-west-1.vpce.amazonaws.com',
        }),
      ).toEqual({
        kind: 'ecr',
        roleArn: 'arn:aws:iam::123456789012:role/promoter',
        endpoint: 'https://api.ecr.eu-west-1.vpce.amazonaws.com',
      });
      expect(credentialsOf({ provider: 'gar', keyFile: 'sa.json' })).toEqual({
        kind: 'gar',
        keyFile: '/srv/backstage/sa.json',
      });
      expect(
        credentialsOf({
          provider: 'gar',
          keyJson: '{"type":"service_account"}',
        }),
      ).toEqual({ kind: 'gar', keyJson: '{"type":"service_account"}' });
      expect(
        credentialsOf({
          provider: 'acr',
          tenantId: 't',
          clientId: 'c',
          clientSecret: 's',
        }),
      ).toEqual({
        kind: 'acr',
        tenantId: 't',
        clientId: 'c',
        clientSecret: 's',
      });
    });

    it('accepts weekly freeze windows with ranges, numbers and whole days', () => {
      const config = read(
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          freezeWindows: [
            {
              kind: 'weekly',
              days: ['Mon-Wed', 5],
              start: '9:00',
              end: '24:00',
            },
            { kind: 'weekly', days: ['fri-mon'], start: '22:00', end: '06:00' },
            {
              kind: 'weekly',
              days: [7, 'sunday'],
              start: '00:00',
              end: '24:00',
            },
            { kind: 'weekly', start: '23:00', end: '23:30' },
          ],
        }),
      );
      expect(
        config.pipelines.get('default')?.environments[3].policy.freezeWindows,
      ).toEqual([
        {
          kind: 'weekly',
          days: [1, 2, 3, 5],
          startTime: '09:00',
          endTime: '24:00',
        },
        {
          kind: 'weekly',
          days: [0, 1, 5, 6],
          startTime: '22:00',
          endTime: '06:00',
        },
        { kind: 'weekly', days: [0], startTime: '00:00', endTime: '24:00' },
        {
          kind: 'weekly',
          days: [0, 1, 2, 3, 4, 5, 6],
          startTime: '23:00',
          endTime: '23:30',
        },
      ]);
    });
  });

  describe('the default pipeline', () => {
    const pipeline = (extra: JsonObject = {}): JsonObject => ({
      environments: [environment()],
      ...extra,
    });
    const registries = { dev: { type: 'oci-layout', directory: 'dev' } };

    it.each<[string, JsonObject, string]>([
      ['the only pipeline', { main: pipeline() }, 'main'],
      [
        'the only pipeline even with default: false',
        { main: pipeline({ default: false }) },
        'main',
      ],
      [
        'the one named "default"',
        { default: pipeline(), other: pipeline() },
        'default',
      ],
      [
        'the one marked default: true, over the one named "default"',
        { default: pipeline(), other: pipeline({ default: true }) },
        'other',
      ],
      [
        'the one marked default: "true"',
        { a: pipeline(), b: pipeline({ default: 'true' }) },
        'b',
      ],
    ])('is %s', (_, pipelines, expected) => {
      expect(read({ registries, pipelines }).defaultPipeline).toBe(expected);
    });

    it.each<[string, JsonObject, string[]]>([
      [
        'several pipelines and none is the default',
        { a: pipeline(), b: pipeline() },
        [
          'imagePromotion.pipelines: none of the pipelines "a", "b" is the default; mark one with default: true (or name it "default")',
        ],
      ],
      [
        'the one named "default" says default: false',
        { default: pipeline({ default: false }), b: pipeline() },
        [
          'imagePromotion.pipelines: none of the pipelines "default", "b" is the default; mark one with default: true (or name it "default")',
        ],
      ],
      [
        'two pipelines say default: true',
        { a: pipeline({ default: true }), b: pipeline({ default: true }) },
        [
          'imagePromotion.pipelines.a.default: only one pipeline may be the default, but default: true is set on "a", "b"',
          'imagePromotion.pipelines.b.default: only one pipeline may be the default, but default: true is set on "a", "b"',
        ],
      ],
    ])('is refused when %s', (_, pipelines, expected) => {
      expect(
        errorOf({ registries, pipelines }).issues.map(
          issue => `${issue.path}: ${issue.message}`,
        ),
      ).toEqual(expected);
    });
  });

  describe('rejects', () => {
    // [what, config, full message of the single issue]
    it.each<[string, JsonValue | undefined, string]>([
      [
        'a missing imagePromotion section',
        undefined,
        'imagePromotion: is missing; configure at least one entry under imagePromotion.registries and imagePromotion.pipelines',
      ],
      [
        'an imagePromotion that is not an object',
        'yes',
        'imagePromotion: must be an object, not a string',
      ],
      [
        'a misspelt top-level key, suggesting the right one',
        { ...baseConfig(), trackng: {} },
        'imagePromotion.trackng: unknown key; did you mean "tracking"? (allowed: registries, pipelines, tracking, timeouts, webhook)',
      ],
      [
        'missing registries',
        withValue(baseConfig(), 'registries', undefined),
        'imagePromotion.registries: is required',
      ],
      [
        'empty registries',
        withValue(baseConfig(), 'registries', {}),
        'imagePromotion.registries: must define at least one registry',
      ],
      [
        'a registry without a type',
        withValue(baseConfig(), 'registries.qa', { directory: 'x' }),
        'imagePromotion.registries.qa.type: is required; one of "registry", "oci-layout"',
      ],
      [
        'a registry of an unknown type',
        withValue(baseConfig(), 'registries.qa.type', 'oci'),
        'imagePromotion.registries.qa.type: must be one of "registry", "oci-layout"',
      ],
      [
        'a registry that is not an object',
        withValue(baseConfig(), 'registries.qa', 'oci-layout:/x'),
        'imagePromotion.registries.qa: must be an object with type: "registry" or "oci-layout"',
      ],
      [
        'an oci-layout registry without a directory',
        withValue(baseConfig(), 'registries.qa.directory', undefined),
        'imagePromotion.registries.qa.directory: is required',
      ],
      [
        'registry-only keys on an oci-layout registry',
        withValue(baseConfig(), 'registries.qa.url', 'https://x.example.com'),
        'imagePromotion.registries.qa.url: unknown key (allowed: type, directory)',
      ],
      [
        'a url without a scheme',
        withValue(baseConfig(), 'registries.prod.url', 'registry.example.com'),
        'imagePromotion.registries.prod.url: must start with a scheme, e.g. https://registry.example.com; use https://, or http:// together with insecure: true for a registry you trust on this network',
      ],
      [
        'plain http without insecure: true',
        withValue(baseConfig(), 'registries.staging.insecure', false),
        'imagePromotion.registries.staging.url: uses plain http://, which is only allowed with insecure: true; use https://, or set insecure: true for a registry you trust on this network',
      ],
      [
        'a scheme other than http(s)',
        withValue(
          baseConfig(),
          'registries.prod.url',
          'ftp://registry.example.com',
        ),
        'imagePromotion.registries.prod.url: uses the scheme "ftp"; use https://, or http:// together with insecure: true for a registry you trust on this network',
      ],
      [
        'a url with a query',
        withValue(
          baseConfig(),
          'registries.prod.url',
          'https://registry.example.com/?team=a',
        ),
        "imagePromotion.registries.prod.url: must be the registry's base URL without a query or fragment (https://host, or https://host/<path> for a registry serving /v2/ under a path)",
      ],
      [
        'a url whose path cannot be an API prefix',
        withValue(
          baseConfig(),
          'registries.prod.url',
          'https://registry.example.com/a/../b//c',
        ),
        "imagePromotion.registries.prod.url: has a path that cannot be a registry's API prefix; use https://host, or https://host/<path> for a registry serving /v2/ under a path such as https://art.example.com/artifactory/api/docker/docker-prod",
      ],
      [
        'a url that does not parse',
        withValue(baseConfig(), 'registries.prod.url', 'https://exa mple.com'),
        'imagePromotion.registries.prod.url: is not a valid URL',
      ],
      [
        'a non-boolean insecure flag',
        withValue(baseConfig(), 'registries.staging.insecure', 'yes'),
        'imagePromotion.registries.staging.insecure: must be true or false, not a string',
      ],
      [
        'a misspelt credentials key',
        withValue(baseConfig(), 'registries.prod.credentials', {
          username: 'robot',
          pasword: PASSWORD,
          password: PASSWORD,
        }),
        'imagePromotion.registries.prod.credentials.pasword: unknown key; did you mean "password"? (allowed: username, password)',
      ],
      [
        'credentials without a password',
        withValue(
          baseConfig(),
          'registries.prod.credentials.password',
          undefined,
        ),
        'imagePromotion.registries.prod.credentials.password: is required',
      ],
      [
        'empty credentials',
        withValue(baseConfig(), 'registries.prod.credentials', {}),
        'imagePromotion.registries.prod.credentials: must be { username, password }, { dockerConfig: <path to config.json> } or { provider: ecr | gar | acr, ... }',
      ],
      [
        'an unknown credentials provider',
        withValue(baseConfig(), 'registries.prod.credentials', {
          provider: 'quay',
        }),
        'imagePromotion.registries.prod.credentials.provider: must be one of "ecr", "gar", "acr"',
      ],
      [
        'an ECR access key without its secret',
        withValue(baseConfig(), 'registries.prod.credentials', {
          provider: 'ecr',
          accessKeyId: 'AKIA',
        }),
        'imagePromotion.registries.prod.credentials.secretAccessKey: is required when accessKeyId is set',
      ],
      [
        'an ECR endpoint that is not a URL',
        withValue(baseConfig(), 'registries.prod.credentials', {
          provider: 'ecr',
          endpoint: 'api.ecr.eu-west-1',
        }),
        'imagePromotion.registries.prod.credentials.endpoint: must be the URL of the ECR API, e.g. https://api.ecr.eu-west-1.amazonaws.com',
      ],
      [
        'a GAR key given twice',
        withValue(baseConfig(), 'registries.prod.credentials', {
          provider: 'gar',
          keyFile: 'a.json',
          keyJson: '{}',
        }),
        'imagePromotion.registries.prod.credentials.keyJson: cannot be combined with keyFile; set one of them',
      ],
      [
        'an ACR client secret without tenant and client ids',
        withValue(baseConfig(), 'registries.prod.credentials', {
          provider: 'acr',
          clientId: 'c',
          clientSecret: 's',
        }),
        'imagePromotion.registries.prod.credentials.tenantId: is required when clientSecret is set',
      ],
      [
        'an ACR authority over plain http',
        withValue(baseConfig(), 'registries.prod.credentials', {
          provider: 'acr',
          authorityHost: 'http://login.example.com',
        }),
        'imagePromotion.registries.prod.credentials.authorityHost: must be an https:// URL such as https://login.microsoftonline.us',
      ],
      [
        'docker config credentials with extra keys',
        withValue(baseConfig(), 'registries.prod.credentials', {
          dockerConfig: 'x.json',
          username: 'robot',
        }),
        'imagePromotion.registries.prod.credentials.username: unknown key (allowed: dockerConfig)',
      ],
      [
        'pipelines that are not an object',
        withValue(baseConfig(), 'pipelines', []),
        'imagePromotion.pipelines: must be an object, not a list',
      ],
      [
        'empty pipelines',
        withValue(baseConfig(), 'pipelines', {}),
        'imagePromotion.pipelines: must define at least one pipeline',
      ],
      [
        'a pipeline without environments',
        withValue(baseConfig(), 'pipelines.default.environments', []),
        'imagePromotion.pipelines.default.environments: must have at least 1 entry',
      ],
      [
        'an environment referring to an unknown registry',
        withValue(
          baseConfig(),
          'pipelines.default.environments.2.registry',
          'stagin',
        ),
        'imagePromotion.pipelines.default.environments[2].registry: unknown registry "stagin"; configured registries: dev, qa, staging, prod',
      ],
      [
        'duplicate environment ids',
        withValue(baseConfig(), 'pipelines.default.environments.2.id', 'qa'),
        'imagePromotion.pipelines.default.environments[2].id: duplicate environment id "qa"; environments[1] already uses it',
      ],
      [
        'an environment id that cannot appear in a URL',
        withValue(
          baseConfig(),
          'pipelines.default.environments.0.id',
          'Dev Env',
        ),
        'imagePromotion.pipelines.default.environments[0].id: must be 1–63 lowercase letters, digits, "-" or "_", starting with a letter or digit (it appears in URLs)',
      ],
      [
        'a misspelt environment key',
        withValue(baseConfig(), 'pipelines.default.environments.0.repo', 'x'),
        'imagePromotion.pipelines.default.environments[0].repo: unknown key (allowed: id, title, registry, repository, currentTag, policy, autoPromote)',
      ],
      [
        'an environment without a repository',
        withValue(
          baseConfig(),
          'pipelines.default.environments.0.repository',
          undefined,
        ),
        "imagePromotion.pipelines.default.environments[0].repository: must be a repository template such as 'team-a/{{ image }}'",
      ],
      [
        'an unknown placeholder in a repository template',
        withValue(
          baseConfig(),
          'pipelines.default.environments.0.repository',
          'team-a/{{ imag }}',
        ),
        'imagePromotion.pipelines.default.environments[0].repository: has an unknown placeholder "{{ imag }}"; use {{ image }}, {{ namespace }} or {{ name }}',
      ],
      [
        'upper case in a repository template',
        withValue(
          baseConfig(),
          'pipelines.default.environments.0.repository',
          'Team-A/{{ image }}',
        ),
        'imagePromotion.pipelines.default.environments[0].repository: contains "T", which a repository path cannot; use lowercase letters, digits, ".", "_", "-" and "/"',
      ],
      [
        'a repository template with a doubled slash',
        withValue(
          baseConfig(),
          'pipelines.default.environments.0.repository',
          'team-a//{{ image }}',
        ),
        'imagePromotion.pipelines.default.environments[0].repository: has an empty path component (a leading, trailing or doubled "/")',
      ],
      [
        'an invalid current tag',
        withValue(
          baseConfig(),
          'pipelines.default.environments.0.currentTag',
          '-dev',
        ),
        'imagePromotion.pipelines.default.environments[0].currentTag: must be a valid tag: up to 128 letters, digits, "_", "." or "-", not starting with "." or "-"',
      ],
      [
        'a negative approval count',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          approvals: -1,
        }),
        'imagePromotion.pipelines.default.environments[3].policy.approvals: must be at least 0',
      ],
      [
        'a fractional approval count',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          approvals: 1.5,
        }),
        'imagePromotion.pipelines.default.environments[3].policy.approvals: must be a whole number, not a fractional number',
      ],
      [
        'an approver group that is not a group',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          approverGroups: ['user:default/alice'],
        }),
        'imagePromotion.pipelines.default.environments[3].policy.approverGroups[0]: refers to a user; must be a group entity ref such as "group:default/release-managers" or "release-managers"',
      ],
      [
        'a soak time without a unit',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          soakTime: 3600,
        }),
        "imagePromotion.pipelines.default.environments[3].policy.soakTime: is a bare number without a unit; write it as an object such as { hours: 1 }, a string such as '1h' or '90m', or an ISO-8601 duration such as 'PT1H'",
      ],
      [
        'a soak time in months',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          soakTime: 'P1M',
        }),
        'imagePromotion.pipelines.default.environments[3].policy.soakTime: uses years or months, which have no fixed length; use weeks or days (e.g. P30D)',
      ],
      [
        'an unknown requirePreviousEnvironment',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          requirePreviousEnvironment: 'latest',
        }),
        'imagePromotion.pipelines.default.environments[3].policy.requirePreviousEnvironment: must be one of "current", "present"',
      ],
      [
        'a misspelt policy key',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          aprovals: 1,
        }),
        'imagePromotion.pipelines.default.environments[3].policy.aprovals: unknown key; did you mean "approvals"? (allowed: approvals, approverGroups, soakTime, freezeWindows, immutableTags, requirePreviousEnvironment, allowSkip, rollbackSkipsSoak, signatures)',
      ],
      [
        'a freeze window without a kind',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          freezeWindows: [{ start: '18:00', end: '08:00' }],
        }),
        'imagePromotion.pipelines.default.environments[3].policy.freezeWindows[0].kind: is required; one of "weekly", "once"',
      ],
      [
        'an unknown day in a weekly window',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          freezeWindows: [
            {
              kind: 'weekly',
              days: ['fri', 'fr'],
              start: '18:00',
              end: '08:00',
            },
          ],
        }),
        'imagePromotion.pipelines.default.environments[3].policy.freezeWindows[0].days[1]: "fr" is not a day; use day names (mon, tuesday, …), numbers 0–6 with 0 = Sunday (7 also means Sunday), or a range such as mon-fri',
      ],
      [
        'a day number out of range',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          freezeWindows: [
            { kind: 'weekly', days: [8], start: '18:00', end: '08:00' },
          ],
        }),
        'imagePromotion.pipelines.default.environments[3].policy.freezeWindows[0].days[0]: must be a day; use day names (mon, tuesday, …), numbers 0–6 with 0 = Sunday (7 also means Sunday), or a range such as mon-fri',
      ],
      [
        'an impossible time of day',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          freezeWindows: [{ kind: 'weekly', start: '18:60', end: '08:00' }],
        }),
        "imagePromotion.pipelines.default.environments[3].policy.freezeWindows[0].start: must be a time 'HH:MM' between 00:00 and 23:59",
      ],
      [
        'a time of day that YAML read as a number',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          freezeWindows: [{ kind: 'weekly', start: '18:00', end: 480 }],
        }),
        "imagePromotion.pipelines.default.environments[3].policy.freezeWindows[0].end: must be a time 'HH:MM' in quotes (unquoted, YAML may read it as a number)",
      ],
      [
        'a weekly window that starts when it ends',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          freezeWindows: [{ kind: 'weekly', start: '08:00', end: '08:00' }],
        }),
        "imagePromotion.pipelines.default.environments[3].policy.freezeWindows[0].end: must differ from start; for whole days use start: '00:00' and end: '24:00'",
      ],
      [
        'an unknown time zone',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          freezeWindows: [
            {
              kind: 'weekly',
              start: '18:00',
              end: '08:00',
              timezone: 'Europe/Berln',
            },
          ],
        }),
        'imagePromotion.pipelines.default.environments[3].policy.freezeWindows[0].timezone: must be an IANA time zone such as "Europe/Berlin", "America/New_York" or "UTC"',
      ],
      [
        'a one-off window without a UTC offset',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          freezeWindows: [
            {
              kind: 'once',
              start: '2026-12-20T00:00:00',
              end: '2027-01-04T00:00:00Z',
            },
          ],
        }),
        'imagePromotion.pipelines.default.environments[3].policy.freezeWindows[0].start: must be an ISO-8601 instant with a time and a UTC offset, e.g. "2026-12-24T00:00:00Z" or "2026-12-24T00:00:00+01:00"',
      ],
      [
        'a one-off window that ends before it starts',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          freezeWindows: [
            {
              kind: 'once',
              start: '2027-01-04T00:00:00Z',
              end: '2026-12-20T00:00:00Z',
            },
          ],
        }),
        'imagePromotion.pipelines.default.environments[3].policy.freezeWindows[0].end: must be after start',
      ],
      [
        'weekly keys on a one-off window',
        withValue(baseConfig(), 'pipelines.default.environments.3.policy', {
          freezeWindows: [
            {
              kind: 'once',
              days: ['fri'],
              start: '2026-12-20T00:00:00Z',
              end: '2027-01-04T00:00:00Z',
            },
          ],
        }),
        'imagePromotion.pipelines.default.environments[3].policy.freezeWindows[0].days: unknown key (allowed: kind, start, end, reason)',
      ],
      [
        'autoPromote on the first environment',
        withValue(
          baseConfig(),
          'pipelines.default.environments.0.autoPromote',
          true,
        ),
        'imagePromotion.pipelines.default.environments[0].autoPromote: the first environment has no environment before it to promote from; images enter it from CI. Set autoPromote on a later environment',
      ],
      [
        'a zero tracking frequency',
        { ...baseConfig(), tracking: { frequency: { minutes: 0 } } },
        'imagePromotion.tracking.frequency: must be longer than zero',
      ],
      [
        'a tracking concurrency out of range',
        { ...baseConfig(), tracking: { concurrency: 0 } },
        'imagePromotion.tracking.concurrency: must be at least 1',
      ],
      [
        'a per-registry tracking concurrency for a registry that is not configured',
        { ...baseConfig(), tracking: { registryConcurrency: { stagng: 2 } } },
        'imagePromotion.tracking.registryConcurrency.stagng: unknown registry "stagng"; configured registries: dev, qa, staging, prod',
      ],
      [
        'a per-registry tracking concurrency out of range',
        { ...baseConfig(), tracking: { registryConcurrency: { prod: 0 } } },
        'imagePromotion.tracking.registryConcurrency.prod: must be at least 1',
      ],
      [
        'a tracking schedule given as cron',
        { ...baseConfig(), tracking: { frequency: { cron: '*/5 * * * *' } } },
        'imagePromotion.tracking.frequency: has an unknown unit "cron"; use weeks, days, hours, minutes, seconds, milliseconds',
      ],
      [
        'a zero idle timeout',
        { ...baseConfig(), timeouts: { idle: '0s' } },
        'imagePromotion.timeouts.idle: must be longer than zero',
      ],
      [
        'a misspelt timeout',
        { ...baseConfig(), timeouts: { headers: '5s' } },
        'imagePromotion.timeouts.headers: unknown key (allowed: connect, response, idle, apiRequest)',
      ],
      [
        'a webhook without a secret',
        { ...baseConfig(), webhook: {} },
        'imagePromotion.webhook.secret: is required',
      ],
      [
        'a short webhook secret',
        { ...baseConfig(), webhook: { secret: 'short' } },
        'imagePromotion.webhook.secret: must be at least 16 characters long',
      ],
    ])('%s', (_, config, message) => {
      const error = errorOf(config);
      expect(error.message).toBe(message);
      expect(error.issues).toHaveLength(1);
    });
  });

  describe('never echoes a secret', () => {
    it.each<[string, JsonObject]>([
      [
        'a password of the wrong type',
        withValue(baseConfig(), 'registries.prod.credentials.password', [
          PASSWORD,
        ]),
      ],
      [
        'credentials inside the url',
        withValue(
          baseConfig(),
          'registries.prod.url',
          `https://robot:${PASSWORD}@registry.example.com`,
        ),
      ],
      [
        'a password under a misspelt key',
        withValue(baseConfig(), 'registries.prod.credentials', {
          user: 'robot',
          password: PASSWORD,
        }),
      ],
      [
        'a GAR key that is not JSON',
        withValue(baseConfig(), 'registries.prod.credentials', {
          provider: 'gar',
          keyJson: `{"private_key": "${PASSWORD}"`,
        }),
      ],
      [
        'a webhook secret of the wrong type',
        { ...baseConfig(), webhook: { secret: { value: PASSWORD } } },
      ],
    ])('%s', (_, config) => {
      const error = errorOf(config);
      expect(error.message).not.toContain(PASSWORD);
      expect(error.message).not.toContain('hunter2');
    });

    it('says what is wrong with credentials in the url', () => {
      expect(
        errorOf(
          withValue(
            baseConfig(),
            'registries.prod.url',
            `https://robot:${PASSWORD}@registry.example.com`,
          ),
        ).message,
      ).toBe(
        'imagePromotion.registries.prod.url: must not contain a user name or password; move them to credentials: { username, password }',
      );
    });
  });

  it('lists every problem at once, each with its key path', () => {
    const error = errorOf({
      registries: {
        dev: { type: 'oci-layout', directory: 'dev' },
        prod: {
          type: 'registry',
          url: 'https://r.example.com',
          credentials: { username: 'u' },
        },
      },
      pipelines: {
        default: {
          environments: [
            environment({ id: 'DEV' }),
            environment({
              id: 'prod',
              registry: 'prod',
              policy: { approvals: 'one' },
            }),
          ],
        },
      },
      tracking: { concurrency: 1000 },
    });
    expect(error.message).toBe(
      [
        '4 problems in the imagePromotion configuration:',
        '  - imagePromotion.registries.prod.credentials.password: is required',
        '  - imagePromotion.pipelines.default.environments[0].id: must be 1–63 lowercase letters, digits, "-" or "_", starting with a letter or digit (it appears in URLs)',
        '  - imagePromotion.pipelines.default.environments[1].policy.approvals: must be a number, not a string',
        '  - imagePromotion.tracking.concurrency: must be at most 256',
      ].join('\n'),
    );
    expect(error.issues.map(issue => issue.path)).toEqual([
      'imagePromotion.registries.prod.credentials.password',
      'imagePromotion.pipelines.default.environments[0].id',
      'imagePromotion.pipelines.default.environments[1].policy.approvals',
      'imagePromotion.tracking.concurrency',
    ]);
  });
});
