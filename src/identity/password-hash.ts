import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/**
 * User passwords: scrypt (RFC 7914) with a per-user salt. The parameters are
 * stored with the hash, so raising them later leaves existing hashes valid.
 * Encoding: `scrypt$<N>$<r>$<p>$<salt b64url>$<hash b64url>`.
 */
export interface ScryptParameters {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

/** 32 MiB of memory per hash: costly for a guesser, bearable for a login endpoint. */
export const DEFAULT_SCRYPT: ScryptParameters = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

const HASH_BYTES = 32;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, params: ScryptParameters): Promise<Buffer> {
  // Node refuses unless maxmem covers 128 * N * r bytes; allow it with headroom.
  const maxmem = 256 * params.N * params.r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFKC"), salt, HASH_BYTES, { ...params, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParameters = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params);
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

function decode(encoded: string): { params: ScryptParameters; salt: Buffer; hash: Buffer } | undefined {
  const parts = encoded.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0)) return undefined;
  return { params: { N, r, p }, salt: Buffer.from(parts[4] ?? "", "base64url"), hash: Buffer.from(parts[5] ?? "", "base64url") };
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const decoded = decode(encoded);
  if (decoded === undefined || decoded.hash.length !== HASH_BYTES) return false;
  const candidate = await derive(password, decoded.salt, decoded.params);
  return timingSafeEqual(candidate, decoded.hash);
}

const DUMMY_HASH_PROMISE: { value?: Promise<string> } = {};

/**
 * Spends the time of one verification when there is no user to verify, so
 * that response times do not reveal which user names exist.
 */
export async function verifyAgainstNothing(password: string): Promise<false> {
  DUMMY_HASH_PROMISE.value ??= hashPassword("keyhold-no-such-user");
  await verifyPassword(password, await DUMMY_HASH_PROMISE.value);
  return false;
}
