import { screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { session } from "../api/session";
import { fakeApi, ISO, json, tokens } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { NumberAlerts } from "./NumberAlerts";

function gatewayNumber(state: string, reason: string | null = null) {
  return {
    id: `c-${state}`,
    provider: "whatsapp_gateway",
    address: "+34910000222",
    displayNumber: "+34910000222",
    label: null,
    createdAt: ISO,
    connection: { state, since: ISO, qrCode: null, reason },
  };
}

describe("NumberAlerts", () => {
  it("tells those who run the workspace, on any screen, that a gateway number dropped", async () => {
    session.start(tokens());
    fakeApi({
      "GET /workspaces/clinic/channels": () => json([gatewayNumber("disconnected", "banned"), gatewayNumber("connected")]),
    });
    renderWithProviders(<NumberAlerts workspace={{ slug: "clinic" }} />, { path: "/inbox" });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("+34910000222 lost its link to WhatsApp");
    expect(alert).toHaveTextContent("(banned)");
    expect(screen.getByRole("link", { name: "Link it again on the Workspace page" })).toHaveAttribute("href", "/workspace");
    expect(screen.getAllByRole("alert")).toHaveLength(1);
  });

  it.each([
    ["/inbox", [gatewayNumber("connected"), gatewayNumber("pairing")]],
    // The Workspace page says it in its own list of numbers.
    ["/workspace", [gatewayNumber("disconnected")]],
  ])("says nothing on %s when there is nothing to say there", async (path, numbers) => {
    session.start(tokens());
    const api = fakeApi({ "GET /workspaces/clinic/channels": () => json(numbers) });
    const { queryClient } = renderWithProviders(<NumberAlerts workspace={{ slug: "clinic" }} />, { path });
    await waitFor(() => expect(queryClient.isFetching()).toBe(0));
    expect(api.requests.map((request) => request.path)).toEqual(["/workspaces/clinic/channels"]);
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });
});
