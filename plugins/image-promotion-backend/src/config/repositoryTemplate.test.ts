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

import { InputError } from '@backstage/errors';
import {
  expandRepositoryTemplate,
  repositoryPathProblem,
  repositoryTemplateProblem,
} from './repositoryTemplate';

const VALUES = {
  image: 'checkout',
  namespace: 'default',
  name: 'checkout-api',
};

describe('expandRepositoryTemplate', () => {
  it.each<[string, string]>([
    ['team-a/{{ image }}', 'team-a/checkout'],
    ['team-a/{{image}}', 'team-a/checkout'],
    ['team-a/{{   image\t}}', 'team-a/checkout'],
    ['{{ namespace }}/{{ name }}', 'default/checkout-api'],
    ['{{ namespace }}/{{ image }}-{{ name }}', 'default/checkout-checkout-api'],
    ['releases/{{ image }}', 'releases/checkout'],
    ['fixed/repository', 'fixed/repository'],
  ])('expands %s', (template, expected) => {
    expect(expandRepositoryTemplate(template, VALUES)).toBe(expected);
  });

  it('keeps slashes in the image name', () => {
    expect(
      expandRepositoryTemplate('team-a/{{ image }}', {
        ...VALUES,
        image: 'shop/checkout',
      }),
    ).toBe('team-a/shop/checkout');
  });

  it.each<[Partial<typeof VALUES>, string]>([
    [
      { image: 'Checkout' },
      'Repository template "team-a/{{ image }}" expands to "team-a/Checkout", which is not a valid repository path: component "Checkout" must be lowercase ("checkout")',
    ],
    [
      { image: 'check out' },
      'Repository template "team-a/{{ image }}" expands to "team-a/check out", which is not a valid repository path: component "check out" is not valid: components are lowercase letters and digits, separated by ".", "_", "__" or "-"',
    ],
    [
      { image: '' },
      'Repository template "team-a/{{ image }}" expands to "team-a/", which is not a valid repository path: it has an empty path component (a leading, trailing or doubled "/")',
    ],
    [
      { image: 'a'.repeat(260) },
      `Repository template "team-a/{{ image }}" expands to "team-a/${'a'.repeat(
        260,
      )}", which is not a valid repository path: it is longer than 255 characters`,
    ],
  ])('refuses an expansion with %j', (values, message) => {
    const expand = () =>
      expandRepositoryTemplate('team-a/{{ image }}', { ...VALUES, ...values });
    expect(expand).toThrow(InputError);
    expect(expand).toThrow(message);
  });

  it('refuses an invalid template before expanding it', () => {
    expect(() => expandRepositoryTemplate('team-a/{{ tag }}', VALUES)).toThrow(
      'Repository template "team-a/{{ tag }}" has an unknown placeholder "{{ tag }}"; use {{ image }}, {{ namespace }} or {{ name }}',
    );
  });
});

describe('repositoryTemplateProblem', () => {
  it.each<[string, string | undefined]>([
    ['team-a/{{ image }}', undefined],
    ['{{ image }}', undefined],
    ['a.b/c__d/e---f/{{ image }}', undefined],
    ['', 'must not be empty'],
    ['  ', 'must not be empty'],
    [
      'team/{{ Image }}',
      'has an unknown placeholder "{{ Image }}"; use {{ image }}, {{ namespace }} or {{ name }}',
    ],
    [
      'team/{{ image }',
      'has a "{" or "}" outside a placeholder; placeholders look like {{ image }}',
    ],
    [
      'team/{image}',
      'has a "{" or "}" outside a placeholder; placeholders look like {{ image }}',
    ],
    [
      'Team/{{ image }}',
      'contains "T", which a repository path cannot; use lowercase letters, digits, ".", "_", "-" and "/"',
    ],
    [
      'team a/{{ image }}',
      'contains whitespace, which a repository path cannot; use lowercase letters, digits, ".", "_", "-" and "/"',
    ],
    [
      'team:a/{{ image }}',
      'contains ":", which a repository path cannot; use lowercase letters, digits, ".", "_", "-" and "/"',
    ],
    [
      '/team/{{ image }}',
      'has an empty path component (a leading, trailing or doubled "/")',
    ],
    [
      'team/{{ image }}/',
      'has an empty path component (a leading, trailing or doubled "/")',
    ],
    [
      'team/-{{ image }}',
      'has a component "-{{ image }}" that would not expand to a valid path component: components are lowercase letters and digits, separated by ".", "_", "__" or "-"',
    ],
    [
      'team/{{ image }}..x',
      'has a component "{{ image }}..x" that would not expand to a valid path component: components are lowercase letters and digits, separated by ".", "_", "__" or "-"',
    ],
  ])('%j', (template, problem) => {
    expect(repositoryTemplateProblem(template)).toBe(problem);
  });
});

describe('repositoryPathProblem', () => {
  it.each<[string, string | undefined]>([
    ['library/ubuntu', undefined],
    ['a', undefined],
    ['a/b_c/d__e/f-g/h.i', undefined],
    ['', 'it is empty'],
    [
      'a//b',
      'it has an empty path component (a leading, trailing or doubled "/")',
    ],
    ['a/B', 'component "B" must be lowercase ("b")'],
    [
      'a/b___c',
      'component "b___c" is not valid: components are lowercase letters and digits, separated by ".", "_", "__" or "-"',
    ],
  ])('%j', (path, problem) => {
    expect(repositoryPathProblem(path)).toBe(problem);
  });
});
