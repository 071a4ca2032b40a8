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

/**
 * `user:password@` at the start of a reference or URL: at the start of the
 * text, after whitespace, a quote or a bracket, or after `//`. Not after a
 * single `/`, where `repo:tag@sha256:…` is a digest reference, not a login.
 */
const USERINFO =
  /(^|[\s"'(=[]|\/\/)([^\s/@:"'()[\]]+):([^\s/"'()[\]]+)@(?!sha\d+:)/g;

/**
 * Masks passwords people paste into image references
 * (`user:password@registry/repo`), so no message, log line or API answer
 * repeats them.
 */
export function redactCredentials(text: string): string {
  return text.replace(USERINFO, '$1$2:***@');
}
