import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { Composer } from "./Composer";

describe("Composer", () => {
  it("sends on Enter and keeps Shift+Enter for new lines", async () => {
    const onSubmit = vi.fn(async () => undefined);
    render(<Composer onSubmit={onSubmit} busy={false} uploadProgress={null} />);
    const box = screen.getByRole("textbox", { name: "Message" });
    await userEvent.type(box, "first line{Shift>}{Enter}{/Shift}second{Enter}");
    expect(onSubmit).toHaveBeenCalledWith({ text: "first line\nsecond", file: null });
    expect(box).toHaveValue("");
  });

  it("attaches a file and shows the upload's progress", async () => {
    const onSubmit = vi.fn(async () => undefined);
    const { rerender } = render(<Composer onSubmit={onSubmit} busy={false} uploadProgress={null} />);
    const file = new File(["notes"], "notes.txt", { type: "text/plain" });
    await userEvent.upload(screen.getByLabelText("Attach a file", { selector: "input" }), file);
    expect(screen.getByRole("button", { name: "Remove notes.txt" })).toBeInTheDocument();
    rerender(<Composer onSubmit={onSubmit} busy uploadProgress={0.42} />);
    const bar = screen.getByRole("progressbar", { name: /Uploading notes.txt/ });
    expect(bar).toHaveAttribute("value", "42");
  });

  it("refuses files over 25 MB before uploading", async () => {
    render(<Composer onSubmit={vi.fn()} busy={false} uploadProgress={null} />);
    const big = new File(["x"], "video.mp4", { type: "video/mp4" });
    Object.defineProperty(big, "size", { value: 26 * 1024 * 1024 });
    await userEvent.upload(screen.getByLabelText("Attach a file", { selector: "input" }), big);
    expect(screen.getByRole("alert")).toHaveTextContent("files can be 25 MB at most");
  });

  it("keeps the draft when sending fails", async () => {
    const onSubmit = vi.fn(async () => {
      throw new Error("offline");
    });
    render(<Composer onSubmit={onSubmit} busy={false} uploadProgress={null} />);
    const box = screen.getByRole("textbox", { name: "Message" });
    await userEvent.type(box, "keep me{Enter}");
    expect(box).toHaveValue("keep me");
  });
});
