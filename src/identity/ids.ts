import { randomUUID } from "node:crypto";

export { isGuid, requireGuid } from "../guid.js";

/** Object ids, app ids and credential key ids: random (version 4) GUIDs. */
export const newObjectId = (): string => randomUUID();
