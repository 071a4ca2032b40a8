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

import { cloudProviderForHost, parseEcrHost } from './cloudHosts';

describe('cloud registry host names', () => {
  it.each([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'ecr'],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', 'ecr'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', 'ecr'],
    ['123456789012.dkr-ecr.eu-west-1.on.aws', 'ecr'],
    ['europe-west3-docker.pkg.dev', 'gar'],
    ['us-docker.pkg.dev', 'gar'],
    ['gcr.io', 'gar'],
    ['eu.gcr.io', 'gar'],
    ['EU.GCR.IO:443', 'gar'],
    ['public.ecr.aws', undefined],
    ['registry.example.com', undefined],
    ['evilgcr.io', undefined],
    ['gcr.io.example.com', undefined],
    ['europe-west3-python.pkg.dev', undefined],
    ['12345.dkr.ecr.eu-west-1.amazonaws.com', undefined],
    ['docker.io', undefined],
    ['contosoregistry.azurecr.io', 'acr'],
    ['Contoso2024.AzureCR.io:443', 'acr'],
    ['contoso.azurecr.cn', 'acr'],
    ['contoso.azurecr.us', 'acr'],
    ['contoso.westeurope.data.azurecr.io', undefined],
    ['contoso.azurecr.io.example.com', undefined],
    ['azurecr.io', undefined],
  ])('%s → %s', (host, kind) => {
    expect(cloudProviderForHost(host)).toBe(kind);
  });

  it('reads the account and region of an ECR host', () => {
    expect(
      parseEcrHost('123456789012.dkr.ecr.ap-southeast-2.amazonaws.com'),
    ).toEqual({ account: '123456789012', region: 'ap-southeast-2' });
    expect(parseEcrHost('123456789012.dkr-ecr.us-east-2.on.aws')).toEqual({
      account: '123456789012',
      region: 'us-east-2',
    });
  });
});
