import { badParameter } from "../errors.js";
import type { PrincipalRecord } from "../store/records.js";
import { isGuid, requireGuid } from "./ids.js";
import {
  refuseUnknownFields,
  requireBoolean,
  requireDisplayName,
  requireObject,
  requirePassword,
  requireUserPrincipalName,
} from "./validation.js";

/**
 * The Microsoft Graph v1.0 shapes of directory objects (SPEC section 5):
 * records to JSON responses, and request bodies to validated inputs whose
 * errors name the Graph field (400 BadParameter).
 */

export interface GraphUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  accountEnabled: boolean;
}

export interface GraphGroup {
  id: string;
  displayName: string;
  securityEnabled: true;
  mailEnabled: false;
}

export interface GraphServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
  servicePrincipalType: "Application" | "ManagedIdentity";
}

export type GraphDirectoryObject = (GraphUser | GraphGroup | GraphServicePrincipal) & { "@odata.type": string };

export const userToGraph = (p: PrincipalRecord): GraphUser => ({
  id: p.id,
  displayName: p.displayName,
  userPrincipalName: p.userPrincipalName ?? "",
  accountEnabled: p.enabled,
});

export const groupToGraph = (p: PrincipalRecord): GraphGroup => ({
  id: p.id,
  displayName: p.displayName,
  securityEnabled: true,
  mailEnabled: false,
});

/** Managed identities are service principals of type ManagedIdentity in Graph; appId is their client id. */
export const servicePrincipalToGraph = (p: PrincipalRecord): GraphServicePrincipal => ({
  id: p.id,
  appId: p.appId ?? "",
  displayName: p.displayName,
  accountEnabled: p.enabled,
  servicePrincipalType: p.kind === "managedIdentity" ? "ManagedIdentity" : "Application",
});

/** For member listings, which mix kinds. */
export function directoryObjectToGraph(p: PrincipalRecord): GraphDirectoryObject {
  switch (p.kind) {
    case "user":
      return { "@odata.type": "#microsoft.graph.user", ...userToGraph(p) };
    case "group":
      return { "@odata.type": "#microsoft.graph.group", ...groupToGraph(p) };
    case "servicePrincipal":
    case "managedIdentity":
      return { "@odata.type": "#microsoft.graph.servicePrincipal", ...servicePrincipalToGraph(p) };
  }
}

export interface UserCreateInput {
  userPrincipalName: string;
  displayName: string;
  password: string;
  enabled: boolean;
}

export function parseUserCreate(body: unknown): UserCreateInput {
  const b = requireObject("body", body);
  refuseUnknownFields("", b, ["userPrincipalName", "displayName", "accountEnabled", "passwordProfile", "mailNickname"]);
  return {
    userPrincipalName: requireUserPrincipalName("userPrincipalName", b["userPrincipalName"]),
    displayName: requireDisplayName("displayName", b["displayName"]),
    password: passwordOf(b["passwordProfile"], true) ?? "",
    enabled: b["accountEnabled"] === undefined ? true : requireBoolean("accountEnabled", b["accountEnabled"]),
  };
}

export interface PrincipalPatchInput {
  displayName?: string;
  enabled?: boolean;
  password?: string;
}

export function parseUserPatch(body: unknown): PrincipalPatchInput {
  const b = requireObject("body", body);
  refuseUnknownFields("", b, ["displayName", "accountEnabled", "passwordProfile"]);
  const password = passwordOf(b["passwordProfile"], false);
  return {
    ...(b["displayName"] === undefined ? {} : { displayName: requireDisplayName("displayName", b["displayName"]) }),
    ...(b["accountEnabled"] === undefined ? {} : { enabled: requireBoolean("accountEnabled", b["accountEnabled"]) }),
    ...(password === undefined ? {} : { password }),
  };
}

export function parseGroupCreate(body: unknown): { displayName: string } {
  const b = requireObject("body", body);
  refuseUnknownFields("", b, ["displayName", "description", "mailNickname", "securityEnabled", "mailEnabled"]);
  if (b["mailEnabled"] === true) throw badParameter("mailEnabled", "only security groups are supported");
  return { displayName: requireDisplayName("displayName", b["displayName"]) };
}

export function parseGroupPatch(body: unknown): PrincipalPatchInput {
  const b = requireObject("body", body);
  refuseUnknownFields("", b, ["displayName"]);
  return b["displayName"] === undefined ? {} : { displayName: requireDisplayName("displayName", b["displayName"]) };
}

export function parseServicePrincipalCreate(body: unknown): { displayName: string; appId?: string; enabled: boolean } {
  const b = requireObject("body", body);
  refuseUnknownFields("", b, ["displayName", "appId", "accountEnabled"]);
  return {
    displayName: requireDisplayName("displayName", b["displayName"]),
    ...(b["appId"] === undefined ? {} : { appId: requireGuid(b["appId"], "appId") }),
    enabled: b["accountEnabled"] === undefined ? true : requireBoolean("accountEnabled", b["accountEnabled"]),
  };
}

export function parseServicePrincipalPatch(body: unknown): PrincipalPatchInput {
  const b = requireObject("body", body);
  refuseUnknownFields("", b, ["displayName", "accountEnabled"]);
  return {
    ...(b["displayName"] === undefined ? {} : { displayName: requireDisplayName("displayName", b["displayName"]) }),
    ...(b["accountEnabled"] === undefined ? {} : { enabled: requireBoolean("accountEnabled", b["accountEnabled"]) }),
  };
}

/** `POST /servicePrincipals/{id}/addPassword` body: `{passwordCredential: {displayName?, endDateTime?}}`. */
export function parseAddPassword(body: unknown): { displayName?: string; endDateTime?: number } {
  const b = body === undefined || body === null ? {} : requireObject("body", body);
  refuseUnknownFields("", b, ["passwordCredential"]);
  if (b["passwordCredential"] === undefined) return {};
  const c = requireObject("passwordCredential", b["passwordCredential"]);
  refuseUnknownFields("passwordCredential", c, ["displayName", "endDateTime", "startDateTime"]);
  const result: { displayName?: string; endDateTime?: number } = {};
  if (c["displayName"] !== undefined) result.displayName = requireDisplayName("passwordCredential.displayName", c["displayName"]);
  if (c["endDateTime"] !== undefined) {
    const end = typeof c["endDateTime"] === "string" ? Date.parse(c["endDateTime"]) : Number.NaN;
    if (Number.isNaN(end)) throw badParameter("passwordCredential.endDateTime", "must be an ISO 8601 date-time");
    result.endDateTime = end;
  }
  return result;
}

/** `POST /groups/{id}/members/$ref` body: `{"@odata.id": "https://.../v1.0/directoryObjects/{id}"}`. */
export function parseMemberReference(body: unknown): string {
  const b = requireObject("body", body);
  refuseUnknownFields("", b, ["@odata.id"]);
  const reference = b["@odata.id"];
  if (typeof reference !== "string") throw badParameter("@odata.id", "must be a directoryObjects URL");
  const match = /\/directoryObjects\/([^/?#]+)$/.exec(reference);
  const id = match?.[1];
  if (id === undefined || !isGuid(id)) throw badParameter("@odata.id", "must end with /directoryObjects/{object id}");
  return id.toLowerCase();
}

function passwordOf(profile: unknown, required: boolean): string | undefined {
  if (profile === undefined) {
    if (required) throw badParameter("passwordProfile.password", "is required");
    return undefined;
  }
  const p = requireObject("passwordProfile", profile);
  refuseUnknownFields("passwordProfile", p, ["password", "forceChangePasswordNextSignIn"]);
  return requirePassword("passwordProfile.password", p["password"]);
}
