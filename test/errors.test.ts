/** The one helper errors use to repeat caller input, and the cap on every message the pipeline releases. */
import { describe, expect, it } from "vitest";
import { cappedError, echo, ECHO_NAME_CHARS, KeyholdError, MAX_ERROR_MESSAGE_CHARS } from "../src/errors.js";

describe("echo", () => {
  it("keeps short values, cuts long ones with an ellipsis, and replaces control characters", () => {
    expect(echo("contoso-hsm")).toBe("contoso-hsm");
    expect(echo("x".repeat(ECHO_NAME_CHARS))).toBe("x".repeat(ECHO_NAME_CHARS));
    expect(echo("x".repeat(1000))).toBe(`${"x".repeat(ECHO_NAME_CHARS)}...`);
    expect(echo("a/b".repeat(200), 10)).toBe("a/ba/ba/ba...");
    expect(echo("line\r\nbreak\u0000")).toBe("line??break?");
    // A surrogate pair is never split.
    expect(echo(`${"x".repeat(9)}😀tail`, 10)).toBe(`${"x".repeat(9)}...`);
  });
});

describe("cappedError", () => {
  it("cuts a message over the limit and keeps code and field", () => {
    const short = new KeyholdError("BadParameter", "name: is required", { field: "name" });
    expect(cappedError(short)).toBe(short);
    const long = cappedError(new KeyholdError("BadParameter", "y".repeat(5000), { field: "name" }));
    expect([long.code, long.field, long.message.length]).toEqual(["BadParameter", "name", MAX_ERROR_MESSAGE_CHARS + 3]);
  });
});
