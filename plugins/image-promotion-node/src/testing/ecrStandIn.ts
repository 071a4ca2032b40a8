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

import { randomBytes } from 'node:crypto';
import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';

/** An AWS access key the stand-in accepts. */
export interface StandInAwsKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A request the stand-in answered, for assertions. */
export interface AwsStandInRequest {
  /** `ecr:GetAuthorizationToken` or `sts:AssumeRole`. */
  action: string;
  /** Access key id from the SigV4 Authorization header. */
  accessKeyId?: string;
  /** Status the stand-in answered. */
  status: number;
}

/** Options of {@link startEcrStandIn}. */
export interface EcrStandInOptions {
  /** Long-term keys whose signed requests are accepted. */
  keys: StandInAwsKey[];
  /**
   * The registry password handed out as the token's `AWS:<password>`; a
   * function is asked on every call (rotate it, or hand out a stale one).
   */
  password: string | (() => string);
  /** Lifetime of a token in seconds (default 43200, ECR's 12 h). */
  tokenLifetimeSeconds?: number;
  /** Roles that `sts:AssumeRole` with one of `keys` may assume. */
  roles?: string[];
}

/** A local endpoint speaking the ECR (JSON 1.1) and STS (query) protocols. */
export interface EcrStandIn {
  /** `http://127.0.0.1:PORT`, for the SDK's endpoint override. */
  url: string;
  readonly requests: AwsStandInRequest[];
  /** Number of GetAuthorizationToken calls that returned a token. */
  tokensIssued(): number;
  stop(): Promise<void>;
}

const ECR_TARGET = 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The access key id of a SigV4 `Authorization` header, or undefined when the request is not signed. */
function signingKeyId(header: string | undefined): string | undefined {
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/[^,]+, ?SignedHeaders=[^,]+, ?Signature=[0-9a-f]{64}$/.exec(
      header ?? '',
    );
  return match?.[1];
}

function awsJsonError(res: ServerResponse, status: number, type: string) {
  const body = JSON.stringify({ __type: type, message: `stand-in: ${type}` });
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomBytes(8).toString('hex'),
  });
  res.end(body);
}

function stsError(res: ServerResponse, status: number, code: string) {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>stand-in: ${code}</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
  );
}

/**
 * Starts a stand-in for the ECR API that the real `@aws-sdk/client-ecr` is
 * pointed at (endpoint override). It checks that requests are SigV4-signed
 * by a known key (or by temporary keys it issued through `AssumeRole`) and
 * answers `GetAuthorizationToken` with `AWS:<password>`, the credentials of
 * the htpasswd registry behind it. It also answers STS `AssumeRole`.
 */
export async function startEcrStandIn(
  options: EcrStandInOptions,
): Promise<EcrStandIn> {
  const requests: AwsStandInRequest[] = [];
  const known = new Set(options.keys.map(k => k.accessKeyId));
  const roles = new Set(options.roles ?? []);
  const lifetime = options.tokenLifetimeSeconds ?? 43_200;
  let issued = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const keyId = signingKeyId(req.headers.authorization);
    const target = req.headers['x-amz-target'];
    if (req.method === 'POST' && target === ECR_TARGET) {
      const record = {
        action: 'ecr:GetAuthorizationToken',
        accessKeyId: keyId,
        status: 200,
      };
      requests.push(record);
      if (!keyId) {
        record.status = 400;
        awsJsonError(res, 400, 'MissingAuthenticationTokenException');
        return;
      }
      if (!known.has(keyId)) {
        record.status = 400;
        awsJsonError(res, 400, 'UnrecognizedClientException');
        return;
      }
      const password =
        typeof options.password === 'function'
          ? options.password()
          : options.password;
      issued += 1;
      const payload = JSON.stringify({
        authorizationData: [
          {
            authorizationToken: Buffer.from(`AWS:${password}`).toString(
              'base64',
            ),
            // awsJson1_1 timestamps are epoch seconds
            expiresAt: Date.now() / 1000 + lifetime,
            proxyEndpoint: `https://${req.headers.host}`,
          },
        ],
      });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(payload);
      return;
    }
    const form = new URLSearchParams(body);
    if (req.method === 'POST' && form.get('Action') === 'AssumeRole') {
      const record = {
        action: 'sts:AssumeRole',
        accessKeyId: keyId,
        status: 200,
      };
      requests.push(record);
      if (!keyId || !known.has(keyId)) {
        record.status = 403;
        stsError(res, 403, 'InvalidClientTokenId');
        return;
      }
      if (!roles.has(form.get('RoleArn') ?? '')) {
        record.status = 403;
        stsError(res, 403, 'AccessDenied');
        return;
      }
      // Temporary keys: accepted by the ECR side from now on.
      const temporary = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
      known.add(temporary);
      const expiration = new Date(Date.now() + 3600_000).toISOString();
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>${temporary}</AccessKeyId><SecretAccessKey>${randomBytes(
          20,
        ).toString('hex')}</SecretAccessKey><SessionToken>${randomBytes(
          32,
        ).toString(
          'base64',
        )}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>${form.get(
          'RoleArn',
        )}/${form.get(
          'RoleSessionName',
        )}</Arn><AssumedRoleId>AROA:session</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      );
      return;
    }
    requests.push({
      action: String(target ?? form.get('Action')),
      status: 400,
    });
    awsJsonError(res, 400, 'UnknownOperationException');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => awsJsonError(res, 500, 'InternalFailure'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let stopped = false;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    tokensIssued: () => issued,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
    },
  };
}
