/** The error codes of RFC 6749 section 5.2 that the token endpoints use. */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "invalid_scope"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "server_error";

/** A refusal in the standard JSON form `{error, error_description}`; never carries a secret or stack. */
export class OAuthError extends Error {
  override readonly name = "OAuthError";

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    // RFC 6749 section 5.2: 401 for a failed client authentication, 400 otherwise.
    readonly status: 400 | 401 | 500 = error === "invalid_client" ? 401 : error === "server_error" ? 500 : 400,
  ) {
    super(description);
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}
