import { randomUUID } from "node:crypto";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (value: string): boolean => GUID.test(value);

/** Object ids, app ids and credential key ids: random (version 4) GUIDs. */
export const newObjectId = (): string => randomUUID();
