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
 * Catalog entity annotation naming the image a component is built into, e.g. `checkout-service`
 * or `ghcr.io/acme/checkout-service`.
 *
 * @public
 */
export const ANNOTATION_IMAGE = 'image-promotion.io/image';

/**
 * Catalog entity annotation choosing a named promotion pipeline instead of the default one.
 *
 * @public
 */
export const ANNOTATION_PIPELINE = 'image-promotion.io/pipeline';

/**
 * Catalog entity annotation with a regular expression limiting which tags count as versions.
 *
 * @public
 */
export const ANNOTATION_TAG_PATTERN = 'image-promotion.io/tag-pattern';
