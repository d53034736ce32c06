import { describe, expect, it } from "vitest";
import { base64UrlLines, inBatches, splitLines } from "../../src/cli/key-lines.js";

describe("files of one base64url value per line", () => {
  it("splits on LF or CRLF, and a final line end makes no empty line", () => {
    expect(splitLines("--digest-file", "AAAA\r\nAQID\n")).toEqual(["AAAA", "AQID"]);
    expect(splitLines("--digest-file", "AAAA\n\nAQID")).toEqual(["AAAA", "", "AQID"]);
    expect(() => splitLines("--digest-file", "")).toThrow("--digest-file: holds no lines");
  });

  it("decodes each line, and a blank or undecodable line is that line's own problem", () => {
    expect(base64UrlLines([" AQID ", "", "not*base64", "AAAA", "AQ==", "AQ=", "A=A="])).toEqual([
      { line: 1, bytes: new Uint8Array([1, 2, 3]) },
      { line: 2, problem: "is empty" },
      { line: 3, problem: "is not valid base64url" },
      { line: 4, bytes: new Uint8Array([0, 0, 0]) },
      { line: 5, bytes: new Uint8Array([1]) },
      { line: 6, problem: "is not valid base64url" },
      { line: 7, problem: "is not valid base64url" },
    ]);
  });

  it("cuts a long list into batch calls of at most 1,000 items, in order", () => {
    const items = Array.from({ length: 2501 }, (_, i) => i);
    const batches = inBatches(items);
    expect(batches.map((batch) => batch.length)).toEqual([1000, 1000, 501]);
    expect(batches.flat()).toEqual(items);
  });
});
