import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Markdown } from "./Markdown";

describe("Markdown", () => {
  it("renders the assistant's formatting", () => {
    render(<Markdown>{"**Plan**\n\n1. Research\n2. Launch\n\n| a | b |\n|---|---|\n| 1 | 2 |"}</Markdown>);
    expect(screen.getByText("Plan").tagName).toBe("STRONG");
    expect(screen.getAllByRole("listitem")).toHaveLength(2);
    expect(screen.getByRole("table")).toBeInTheDocument();
  });

  it("never injects raw HTML or scripts", () => {
    const { container } = render(
      <Markdown>{'Hi <script>alert(1)</script><img src=x onerror="alert(2)"> <b>bold</b> [x](javascript:alert(3))'}</Markdown>,
    );
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(container.innerHTML).not.toContain("onerror");
    expect(screen.getByText("x").closest("a")?.getAttribute("href") ?? "").not.toContain("javascript");
  });

  it("opens links in a new tab without access to this one", () => {
    render(<Markdown>{"See [the docs](https://example.org/docs)."}</Markdown>);
    const link = screen.getByRole("link", { name: "the docs" });
    expect(link).toHaveAttribute("target", "_blank");
    expect(link.getAttribute("rel")).toContain("noopener");
  });
});
