import { describe, expect, it } from "vitest";
import { fileKind, providerName } from "./format";

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

describe("providerName", () => {
  it("names each WhatsApp provider as people know it", () => {
    expect(providerName("whatsapp_cloud")).toBe("Meta Cloud API");
    expect(providerName("twilio")).toBe("Twilio");
    expect(providerName("carrier_pigeon")).toBe("carrier_pigeon");
  });
});
