import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { transferableAbortController } from "node:util";
import { afterEach } from "vitest";
import { session } from "../api/session";
import { workspaceScope } from "../api/workspace";

// jsdom brings its own AbortController, whose signals Node's Request (used by the generated
// client) refuses; TanStack Query passes one with every query, so use Node's.
const NodeAbortController = transferableAbortController().constructor as typeof AbortController;
globalThis.AbortController = NodeAbortController;
globalThis.AbortSignal = new NodeAbortController().signal.constructor as typeof AbortSignal;

afterEach(() => {
  cleanup();
  session.end();
  localStorage.clear();
  workspaceScope.set(null);
});
