import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { AuthProvider } from "../auth/AuthProvider";
import { fakeApi, json, problem, tokens, user } from "../test/fakeApi";
import { renderWithProviders } from "../test/render";
import { LoginPage } from "./LoginPage";

function renderLogin() {
  return renderWithProviders(
    <AuthProvider>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/chat" element={<p>Chat screen</p>} />
      </Routes>
    </AuthProvider>,
    { path: "/login" },
  );
}

const noSession = () => problem(401, "authentication_failed", "No refresh token was sent. Log in again.");
const codeSent = () => json({ message: "If +34…678 can log in, a code is on its way over WhatsApp.", expiresIn: 300 });

async function askForCode() {
  const phone = await screen.findByLabelText("Your WhatsApp number");
  expect(phone).toHaveAttribute("type", "tel");
  await userEvent.type(phone, "+34 612 345 678");
  await userEvent.click(screen.getByRole("button", { name: "Send me a code" }));
  return screen.findByLabelText("The six-digit code");
}

describe("LoginPage", () => {
  it("logs in with the number, then the code", async () => {
    const api = fakeApi({
      "POST /auth/refresh": noSession,
      "POST /auth/request-otp": codeSent,
      "POST /auth/verify-otp": () => json({ ...tokens(), user: user(), isNewUser: false }),
    });
    renderLogin();
    const code = await askForCode();
    expect(screen.getByText(/a code is on its way/)).toBeInTheDocument();
    await userEvent.type(code, "123456");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByText("Chat screen")).toBeInTheDocument();
    const verify = api.requests.find((request) => request.path === "/auth/verify-otp");
    expect(verify?.body).toEqual({ phoneNumber: "+34 612 345 678", code: "123456" });
  });

  it("says when the code is wrong, and how many tries are left", async () => {
    fakeApi({
      "POST /auth/refresh": noSession,
      "POST /auth/request-otp": codeSent,
      "POST /auth/verify-otp": () => problem(401, "invalid_code", "That code is wrong. 4 attempts left."),
    });
    renderLogin();
    await userEvent.type(await askForCode(), "000000");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Wrong code.");
    expect(alert).toHaveTextContent("That code is wrong. 4 attempts left.");
    expect(screen.getByLabelText("The six-digit code")).toHaveValue("");
  });

  it("points to a new code once the code expired or was locked", async () => {
    fakeApi({
      "POST /auth/refresh": noSession,
      "POST /auth/request-otp": codeSent,
      "POST /auth/verify-otp": () => problem(401, "too_many_attempts", "Too many wrong codes. Request a new code."),
    });
    renderLogin();
    await userEvent.type(await askForCode(), "999999");
    await userEvent.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Too many wrong codes.");
    expect(screen.getByRole("button", { name: "Send a new code" })).toHaveClass("primary");
  });

  it("says how long to wait after too many code requests", async () => {
    fakeApi({
      "POST /auth/refresh": noSession,
      "POST /auth/request-otp": () =>
        problem(429, "rate_limited", "Too many code requests. Try again in 120 seconds.", { "Retry-After": "120" }),
    });
    renderLogin();
    await userEvent.type(await screen.findByLabelText("Your WhatsApp number"), "+34612345678");
    await userEvent.click(screen.getByRole("button", { name: "Send me a code" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Too many code requests. Try again in 2 minutes.");
  });

  it("logs in by sending a message from WhatsApp instead", async () => {
    const id = "5b7c0d4e-2f7a-4c51-9d3e-1a2b3c4d5e6f";
    fakeApi({
      "POST /auth/refresh": noSession,
      "POST /auth/message-login": () =>
        json(
          {
            id,
            purpose: "login",
            code: "123456",
            text: "VERIFY 123456",
            number: "+15550100199",
            link: "https://wa.me/15550100199?text=VERIFY%20123456",
            workspace: "default",
            workspaceName: "Action Lab",
            device: "Firefox on Windows",
            expiresAt: new Date(Date.now() + 600_000).toISOString(),
            browserToken: "secret",
          },
          201,
        ),
      [`POST /auth/message-login/${id}/poll`]: () =>
        json({
          state: "confirmed",
          purpose: "login",
          expiresAt: new Date().toISOString(),
          login: { ...tokens(), user: user(), isNewUser: false },
        }),
    });
    renderLogin();
    await userEvent.click(await screen.findByRole("button", { name: "Send a message instead" }));
    expect(await screen.findByLabelText("The message to send")).toHaveTextContent("VERIFY 123456");
    expect(await screen.findByText("Chat screen", {}, { timeout: 4000 })).toBeInTheDocument();
  });

  it("resumes a session from the refresh cookie without asking for a code", async () => {
    fakeApi({
      "POST /auth/refresh": () => json(tokens()),
      "GET /users/me": () => json(user()),
    });
    renderLogin();
    await waitFor(() => expect(screen.getByText("Chat screen")).toBeInTheDocument());
  });
});
