import { describe, expect, it } from "vitest";
import { fileKind } from "./format";

describe("fileKind", () => {
  it.each([
    ["application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document"],
    ["application/pdf", "PDF"],
    ["text/plain; charset=utf-8", "Text"],
    ["image/jpeg", "JPEG image"],
    ["image/svg+xml", "SVG image"],
    ["audio/ogg", "Voice note"],
    ["audio/mpeg", "MPEG audio"],
    ["video/mp4", "MP4 video"],
    ["application/x-7z-compressed", "7Z file"],
    ["", "File"],
  ])("%s reads as %s", (mediaType, kind) => {
    expect(fileKind(mediaType)).toBe(kind);
  });
});
