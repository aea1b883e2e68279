/**
 * The QR code a WhatsApp-Web gateway gives for linking a number: the phone scans it from the
 * screen. Gateways hand it out either as a picture (a PNG's data URL) or as the text the code
 * encodes; a picture is shown as it is, text is drawn here (an SVG of the code's modules, no
 * canvas and no HTML from outside).
 */
import QRCode from "qrcode";
import { useMemo } from "react";

/** A raster image's data URL: the only picture shown as given (an SVG could carry anything). */
const IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/;
/** The blank margin scanners need around the code, in modules. */
const QUIET_ZONE = 4;
const SIZE = 256;

export function isQrImage(value: string): boolean {
  return IMAGE.test(value);
}

/** The dark modules of the code encoding `text`, as one SVG path, and the code's width. */
export function qrPath(text: string): { path: string; size: number } {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  const parts: string[] = [];
  for (let row = 0; row < modules.size; row += 1) {
    for (let column = 0; column < modules.size; column += 1) {
      if (modules.get(row, column)) parts.push(`M${column + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`);
    }
  }
  return { path: parts.join(""), size: modules.size + 2 * QUIET_ZONE };
}

export function QrCode({ value, label }: { value: string; label: string }) {
  const drawn = useMemo(() => {
    if (isQrImage(value)) return null;
    try {
      return qrPath(value);
    } catch {
      return undefined; // more than a QR code holds
    }
  }, [value]);
  if (drawn === null) {
    return <img className="qr-code" src={value} alt={label} width={SIZE} height={SIZE} />;
  }
  if (drawn === undefined) {
    return (
      <p className="error-text" role="alert">
        The gateway's QR code cannot be drawn; ask for a new one.
      </p>
    );
  }
  return (
    <svg
      className="qr-code"
      role="img"
      aria-label={label}
      width={SIZE}
      height={SIZE}
      viewBox={`0 0 ${drawn.size} ${drawn.size}`}
      shapeRendering="crispEdges"
    >
      <rect width={drawn.size} height={drawn.size} fill="#fff" />
      <path d={drawn.path} fill="#000" />
    </svg>
  );
}
