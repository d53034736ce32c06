/** The one mapping from KeyholdError to a gRPC status with the Key Vault code in the `x-error-code` trailer. */
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { ERROR_CLASSES, KeyholdError } from "../../errors.js";

export function grpcStatusOf(error: KeyholdError): status {
  return status[ERROR_CLASSES[error.code].grpc];
}

export function toServiceError(error: unknown): Partial<ServiceError> {
  const keyholdError = error instanceof KeyholdError ? error : new KeyholdError("InternalError", "An internal error occurred.");
  const metadata = new Metadata();
  metadata.set("x-error-code", keyholdError.code);
  return { code: grpcStatusOf(keyholdError), details: keyholdError.message, metadata };
}
