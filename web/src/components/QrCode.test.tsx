import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { isQrImage, QrCode, qrPath } from "./QrCode";

/** Whether the module at (row, column) of the code is dark, read back from the drawn path. */
function dark(path: string, row: number, column: number): boolean {
  return path.includes(`M${column + 4} ${row + 4}h1v1h-1z`);
}

describe("QrCode", () => {
  it("draws the code's modules with the finder patterns scanners look for, and a quiet zone", () => {
    const { path, size } = qrPath("2@AbCdEf,XyZ==,QrSt==");
    const modules = size - 8;
    expect((modules - 17) % 4).toBe(0); // a QR code is 21, 25, 29, ... modules wide
    const finders: [number, number][] = [
      [0, 0],
      [0, modules - 7],
      [modules - 7, 0],
    ];
    for (const [row, column] of finders) {
      // Each finder: a dark ring 7 wide, a light ring, a dark 3x3 centre.
      for (let step = 0; step < 7; step += 1) {
        expect(dark(path, row, column + step)).toBe(true);
        expect(dark(path, row + step, column)).toBe(true);
      }
      expect(dark(path, row + 1, column + 1)).toBe(false);
      expect(dark(path, row + 3, column + 3)).toBe(true);
    }
    expect(dark(path, -1, 0)).toBe(false); // nothing in the quiet zone
  });

  it("encodes different text differently", () => {
    expect(qrPath("2@one").path).not.toBe(qrPath("2@two").path);
  });

  it("shows raster data URLs as pictures and draws anything else, an SVG's data URL included", () => {
    expect(isQrImage("data:image/png;base64,iVBORw0KGgo=")).toBe(true);
    expect(isQrImage("data:image/jpeg;base64,/9j/4AAQ")).toBe(true);
    expect(isQrImage("data:image/svg+xml;base64,PHN2Zz4=")).toBe(false);
    expect(isQrImage("javascript:alert(1)")).toBe(false);
    render(<QrCode value="data:image/svg+xml;base64,PHN2Zz4=" label="QR code" />);
    expect(screen.getByRole("img", { name: "QR code" }).tagName.toLowerCase()).toBe("svg");
  });

  it("says so when the text is more than a QR code holds", () => {
    render(<QrCode value={"x".repeat(5_000)} label="QR code" />);
    expect(screen.getByRole("alert")).toHaveTextContent("The gateway's QR code cannot be drawn; ask for a new one.");
  });
});
