// Failure responses shaped as the API server's own `Status` objects (kind Status, apiVersion v1):
// clients (kubectl, client-go, client-node) read `reason` and `code`, and print `message`.
import type { JsonObject } from './types.js';

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: JsonObject;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

/** The resource as error messages name it: `pods`, `leases.coordination.k8s.io`. */
export interface GroupResource {
  group: string;
  resource: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: StatusBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(status.message);
  }
}

function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function details(gr: GroupResource, name: string): StatusDetails {
  // The server leaves empty fields out of details (group "" for the core group).
  return { ...(name ? { name } : {}), ...(gr.group ? { group: gr.group } : {}), kind: gr.resource };
}

export function statusBody(code: number, reason: string, message: string, d?: StatusDetails): StatusBody {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(d ? { details: d } : {}), code };
}

export const notFound = (gr: GroupResource, name: string): ApiError =>
  new ApiError(statusBody(404, 'NotFound', `${qualified(gr)} "${name}" not found`, details(gr, name)));

/** A path inside a served group version that names no resource. */
export const resourceNotFound = (): ApiError => new ApiError(statusBody(404, 'NotFound', 'the server could not find the requested resource', {}));

export const alreadyExists = (gr: GroupResource, name: string): ApiError =>
  new ApiError(statusBody(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, details(gr, name)));

export const conflict = (gr: GroupResource, name: string, why: string): ApiError =>
  new ApiError(statusBody(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`, details(gr, name)));

export const STALE = 'the object has been modified; please apply your changes to the latest version and try again';

export const badRequest = (message: string): ApiError => new ApiError(statusBody(400, 'BadRequest', message));

/** 422 Invalid: details name the kind (not the resource) and carry one cause per field error. */
export const invalid = (group: string, kind: string, name: string, causes: StatusCause[]): ApiError => {
  const list = causes.map((c) => `${c.field}: ${c.message}`);
  const text = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
  return new ApiError(
    statusBody(422, 'Invalid', `${kind} "${name}" is invalid: ${text}`, { name, ...(group ? { group } : {}), kind, causes }),
  );
};

export const unprocessable = (message: string): ApiError => new ApiError(statusBody(422, 'Invalid', message));

/** A watch or list from a resourceVersion the server no longer holds. */
export const expired = (message: string): ApiError => new ApiError(statusBody(410, 'Expired', message));

export const unauthorized = (): ApiError => new ApiError(statusBody(401, 'Unauthorized', 'Unauthorized'));

export const forbidden = (gr: GroupResource | undefined, name: string, why: string): ApiError =>
  gr
    ? new ApiError(statusBody(403, 'Forbidden', `${qualified(gr)}${name ? ` "${name}"` : ''} is forbidden: ${why}`, details(gr, name)))
    : new ApiError(statusBody(403, 'Forbidden', `forbidden: ${why}`, {}));

export const methodNotAllowed = (verb: string): ApiError =>
  new ApiError(statusBody(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${verb})`, {}));

export const unsupportedMediaType = (type: string, accepted: string[]): ApiError =>
  new ApiError(
    statusBody(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`, {
      causes: [{ message: `unsupported media type ${JSON.stringify(type)}` }],
    }),
  );

export const tooManyRequests = (retryAfterSeconds: number): ApiError =>
  new ApiError(statusBody(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }), {
    'Retry-After': String(retryAfterSeconds),
  });

/** The failure a status fault answers with, by code as the server's own errors are built. */
export function faultStatus(code: number, retryAfterSeconds?: number): ApiError {
  const retry: Record<string, string> = retryAfterSeconds !== undefined ? { 'Retry-After': String(retryAfterSeconds) } : {};
  switch (code) {
    case 429:
      return tooManyRequests(retryAfterSeconds ?? 1);
    case 500:
      return new ApiError(statusBody(500, 'InternalError', 'Internal error occurred: injected fault', { causes: [{ message: 'injected fault' }] }), retry);
    case 503:
      return new ApiError(statusBody(503, 'ServiceUnavailable', 'the server is currently unable to handle the request', {}), retry);
    case 504:
      return new ApiError(statusBody(504, 'Timeout', 'the server was unable to return a response in the time allotted', {}), retry);
    default:
      return new ApiError(statusBody(code, 'Unknown', `the server responded with the status code ${code}`, {}), retry);
  }
}
