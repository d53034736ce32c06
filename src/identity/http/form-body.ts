import type { FastifyInstance } from "fastify";
import { OAuthError } from "../oauth-error.js";

/** Token requests are small; anything bigger is not one. */
const FORM_BODY_LIMIT = 64 * 1024;

/**
 * Parses application/x-www-form-urlencoded bodies (RFC 6749 section 4.4.2)
 * into a flat record, refusing repeated parameters as section 3.1 requires.
 */
export function acceptFormBodies(app: FastifyInstance): void {
  // Only form bodies (RFC 6749 section 3.2): JSON and the rest get 415, which the error handler reports as invalid_request.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string", bodyLimit: FORM_BODY_LIMIT },
    (_request, body, done) => {
      const fields: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [name, value] of new URLSearchParams(body as string)) {
        if (name in fields) {
          done(new OAuthError("invalid_request", `The parameter ${JSON.stringify(name)} appears more than once.`), undefined);
          return;
        }
        fields[name] = value;
      }
      done(null, fields);
    },
  );
}

/** The form fields of a request, or an empty record when there was no form body. */
export function formFields(body: unknown): Readonly<Record<string, string>> {
  return typeof body === "object" && body !== null ? (body as Record<string, string>) : {};
}
