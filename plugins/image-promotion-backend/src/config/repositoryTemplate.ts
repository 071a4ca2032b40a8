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

/** The values a repository template can refer to. */
export interface RepositoryTemplateValues {
  /** The component's `image-promotion.io/image` annotation. */
  image: string;
  /** The component's catalog namespace. */
  namespace: string;
  /** The component's catalog name. */
  name: string;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const PLACEHOLDER_NAMES: ReadonlyArray<keyof RepositoryTemplateValues> = [
  'image',
  'namespace',
  'name',
];
// Grammar: path-component in https://github.com/distribution/reference/blob/main/reference.go
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const REPOSITORY_MAX_LENGTH = 255;

function isPlaceholderName(
  name: string,
): name is keyof RepositoryTemplateValues {
  return (PLACEHOLDER_NAMES as readonly string[]).includes(name);
}

/**
 * What is wrong with a repository path such as `team-a/checkout`, or undefined
 * when it is valid per the distribution reference grammar.
 */
export function repositoryPathProblem(path: string): string | undefined {
  if (path === '') {
    return 'it is empty';
  }
  if (path.length > REPOSITORY_MAX_LENGTH) {
    return `it is longer than ${REPOSITORY_MAX_LENGTH} characters`;
  }
  for (const component of path.split('/')) {
    if (component === '') {
      return 'it has an empty path component (a leading, trailing or doubled "/")';
    }
    if (PATH_COMPONENT.test(component)) {
      continue;
    }
    if (PATH_COMPONENT.test(component.toLowerCase())) {
      return `component "${component}" must be lowercase ("${component.toLowerCase()}")`;
    }
    return `component "${component}" is not valid: components are lowercase letters and digits, separated by ".", "_", "__" or "-"`;
  }
  return undefined;
}

/**
 * What is wrong with a repository template such as `team-a/{{ image }}`, or
 * undefined when every expansion with valid values is a valid path.
 */
export function repositoryTemplateProblem(
  template: string,
): string | undefined {
  if (template.trim() === '') {
    return 'must not be empty';
  }
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (!isPlaceholderName(match[1])) {
      return `has an unknown placeholder "${match[0]}"; use {{ image }}, {{ namespace }} or {{ name }}`;
    }
  }
  const literal = template.replace(PLACEHOLDER, '');
  if (/[{}]/.test(literal)) {
    return 'has a "{" or "}" outside a placeholder; placeholders look like {{ image }}';
  }
  const invalid = /[^a-z0-9._/-]/.exec(literal);
  if (invalid) {
    const character = /\s/.test(invalid[0]) ? 'whitespace' : `"${invalid[0]}"`;
    return `contains ${character}, which a repository path cannot; use lowercase letters, digits, ".", "_", "-" and "/"`;
  }
  for (const component of template.split('/')) {
    if (component.trim() === '') {
      return 'has an empty path component (a leading, trailing or doubled "/")';
    }
    // A sample value stands for any valid name; what remains is the template's own structure.
    if (!PATH_COMPONENT.test(component.replace(PLACEHOLDER, 'x'))) {
      return `has a component "${component}" that would not expand to a valid path component: components are lowercase letters and digits, separated by ".", "_", "__" or "-"`;
    }
  }
  return undefined;
}

/**
 * Expands `{{ image }}`, `{{ namespace }}` and `{{ name }}` in a repository
 * template and checks the result is a valid repository path.
 *
 * @throws InputError when the template or the expanded path is invalid
 */
export function expandRepositoryTemplate(
  template: string,
  values: RepositoryTemplateValues,
): string {
  const templateProblem = repositoryTemplateProblem(template);
  if (templateProblem) {
    throw new InputError(
      `Repository template "${template}" ${templateProblem}`,
    );
  }
  const expanded = template.replace(PLACEHOLDER, (_, name: string) =>
    isPlaceholderName(name) ? values[name] : '',
  );
  const problem = repositoryPathProblem(expanded);
  if (problem) {
    throw new InputError(
      `Repository template "${template}" expands to "${expanded}", which is not a valid repository path: ${problem}`,
    );
  }
  return expanded;
}
