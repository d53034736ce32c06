/** The one mapping from KeyholdError to a gRPC status with the Key Vault code in the `x-error-code` trailer. */
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { asKeyholdError, ERROR_CLASSES, type KeyholdError } from "../../errors.js";

export function grpcStatusOf(error: Pick<KeyholdError, "code">): status {
  return status[ERROR_CLASSES[error.code].grpc];
}

export function toServiceError(error: unknown): Partial<ServiceError> {
  const keyholdError = asKeyholdError(error);
  const metadata = new Metadata();
  metadata.set("x-error-code", keyholdError.code);
  return { code: grpcStatusOf(keyholdError), details: keyholdError.message, metadata };
}
