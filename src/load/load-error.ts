/**
 * A run that could not be carried out (the preparing call failed, a worker
 * died): reported to the user as a message, not as a stack trace.
 */
export class LoadError extends Error {
  override readonly name = "LoadError";
}
