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

import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  NotImplementedError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { RegistryError } from '@image-promotion/plugin-image-promotion-node';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { OpenPromotionExistsError } from '../database';
import { PolicyRefusedError } from '../promotion/PromotionService';
import {
  CallerGoneError,
  RegistryUnavailableError,
} from '../registry/registryFailure';
import { toGate } from './mappers';
import { answerRequestError } from './requestErrors';

/** Sends the error body shape of Backstage (`ErrorResponseBody`), plus extra fields. */
function send(
  req: Request,
  res: Response,
  status: number,
  error: { name: string; message: string },
  extra: Record<string, unknown> = {},
) {
  res.status(status).json({
    error,
    request: { method: req.method, url: req.originalUrl },
    response: { statusCode: status },
    ...extra,
  });
}

/**
 * Answers the errors this plugin knows better than the root error handler:
 * malformed bodies, policy refusals (with the failed gates), open promotions
 * (with the open id) and registry failures (502, never the registry's own
 * status, which would read as the caller's). Everything else is
 * answered here too, without the stack trace the root handler adds in development.
 */
export function createErrorHandler(logger: LoggerService): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const requestError = answerRequestError(error, req);
    if (requestError) {
      send(req, res, requestError.status, {
        name: requestError.name,
        message: requestError.message,
      });
      return;
    }
    if (error instanceof PolicyRefusedError) {
      send(
        req,
        res,
        409,
        { name: 'PolicyRefusedError', message: error.message },
        { gates: error.gates.map(toGate) },
      );
      return;
    }
    if (error instanceof OpenPromotionExistsError) {
      send(
        req,
        res,
        409,
        { name: 'OpenPromotionExistsError', message: error.message },
        { openPromotionId: error.openPromotionId },
      );
      return;
    }
    if (error instanceof CallerGoneError) {
      // Nobody is left to read an answer; the work stopped and created nothing.
      logger.info(`${req.method} ${req.originalUrl}: ${error.message}`);
      res.destroy();
      return;
    }
    if (error instanceof RegistryUnavailableError) {
      logger.warn(error.message);
      send(req, res, error.status, {
        name: error.name,
        message: error.message,
      });
      return;
    }
    if (error instanceof RegistryError) {
      logger.warn(`Registry request failed: ${error.message}`);
      send(req, res, 502, {
        name: 'RegistryError',
        message: `The registry failed: ${error.message}`,
      });
      return;
    }
    // The root handler adds a stack trace to bodies in development; the
    // errors a caller can act on are answered here, without one.
    const status = knownStatus(error);
    if (status !== undefined && error instanceof Error) {
      send(req, res, status, { name: error.name, message: error.message });
      return;
    }
    logger.error(`Unexpected error on ${req.method} ${req.originalUrl}`, {
      error: error instanceof Error ? error.message : String(error),
    });
    send(req, res, 500, {
      name: 'Error',
      message:
        'Image promotion failed unexpectedly; the backend log has the details',
    });
  };
}

function knownStatus(error: unknown): number | undefined {
  if (error instanceof InputError) return 400;
  if (error instanceof AuthenticationError) return 401;
  if (error instanceof NotAllowedError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof NotImplementedError) return 501;
  if (error instanceof ServiceUnavailableError) return 503;
  return undefined;
}
