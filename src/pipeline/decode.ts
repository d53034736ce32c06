/** Small, field-naming readers for operation inputs (whatever transport decoded them). */
import { badParameter } from "../errors.js";

export type Fields = Record<string, unknown>;

export function fields(raw: unknown, what = "request"): Fields {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw badParameter(what, "must be an object");
  return raw as Fields;
}

/** A string field; empty strings count as absent, as protobuf's defaults do. */
export function optionalString(input: Fields, field: string, maxLength = 1024): string | undefined {
  const value = input[field];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw badParameter(field, "must be a string");
  if (value.length > maxLength) throw badParameter(field, `must be at most ${maxLength} characters`);
  return value;
}

export function requiredString(input: Fields, field: string, maxLength = 1024): string {
  const value = optionalString(input, field, maxLength);
  if (value === undefined) throw badParameter(field, "is required");
  return value;
}

export interface PageRequest {
  readonly pageSize: number;
  readonly offset: number;
}

const MAX_PAGE_SIZE = 1000;
const DEFAULT_PAGE_SIZE = 100;

/** `page_size` (1..1000, default 100) and the opaque `page_token` a previous page returned. */
export function pageRequest(input: Fields): PageRequest {
  const size = input["pageSize"];
  const pageSize = size === undefined || size === 0 ? DEFAULT_PAGE_SIZE : size;
  if (typeof pageSize !== "number" || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw badParameter("page_size", `must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  }
  const token = optionalString(input, "pageToken", 64);
  if (token === undefined) return { pageSize, offset: 0 };
  const offset = /^o[0-9]{1,9}$/.test(token) ? Number(token.slice(1)) : NaN;
  if (!Number.isInteger(offset)) throw badParameter("page_token", "is not a token this server returned");
  return { pageSize, offset };
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken: string;
}

export function page<T>(items: readonly T[], request: PageRequest): Page<T> {
  const end = request.offset + request.pageSize;
  return { items: items.slice(request.offset, end), nextPageToken: end < items.length ? `o${end}` : "" };
}
