import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Form, Input } from "antd";
import { describe, expect, it, vi } from "vitest";
import { CommandError } from "../api";
import { useModalForm } from "./useModalForm";

type Values = { name?: string };
type Stored = { name: string };

/** A bare add-or-edit form, showing each thing the hook reports. */
function Harness({
  open = true,
  editing,
  load,
  submit,
  onSaved = () => undefined,
  onClose = () => undefined,
}: {
  open?: boolean;
  editing?: string;
  load?: (name: string) => Promise<Stored>;
  submit: (values: Values, stored: Stored | undefined) => Promise<string>;
  onSaved?: (saved: string) => void;
  onClose?: () => void;
}) {
  const m = useModalForm<Values, string, Stored>({ open, editing, load, submit, onSaved, onClose });
  return (
    <>
      {m.loading && <span data-testid="loading" />}
      {m.loadError && (
        <button data-testid="retry" onClick={m.reload}>
          {m.loadError.message}
        </button>
      )}
      {m.error && <span data-testid="error">{m.error}</span>}
      {m.saving && <span data-testid="saving" />}
      {m.ready && (
        <Form form={m.form} initialValues={{ name: m.stored?.name ?? "" }}>
          <Form.Item name="name" rules={[{ required: true, message: "name?" }]}>
            <Input data-testid="name" />
          </Form.Item>
        </Form>
      )}
      <button data-testid="save" disabled={!m.ready} onClick={() => void m.save()}>
        save
      </button>
      <button data-testid="cancel" onClick={m.cancel}>
        cancel
      </button>
    </>
  );
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("useModalForm", () => {
  it("loads nothing when adding, and sends what was typed", async () => {
    const user = userEvent.setup({ delay: null });
    const load = vi.fn<(name: string) => Promise<Stored>>();
    const submit = vi.fn(async (values: Values) => `added ${values.name}`);
    const onSaved = vi.fn();
    render(<Harness load={load} submit={submit} onSaved={onSaved} />);

    expect(screen.queryByTestId("loading")).not.toBeInTheDocument();
    await user.type(screen.getByTestId("name"), "教务处");
    await user.click(screen.getByTestId("save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith("added 教务处"));
    expect(submit).toHaveBeenCalledWith({ name: "教务处" }, undefined);
    expect(load).not.toHaveBeenCalled();
    // Saved: the form starts over.
    expect(screen.getByTestId("name")).toHaveValue("");
  });

  it("loads the edited entity only while open, with a spinner, and fills the form from it", async () => {
    const load = vi.fn(async (name: string) => ({ name }));
    const submit = vi.fn(async () => "saved");
    const { rerender } = render(<Harness open={false} editing="教务群" load={load} submit={submit} />);
    expect(load).not.toHaveBeenCalled();

    rerender(<Harness open editing="教务群" load={load} submit={submit} />);
    expect(screen.getByTestId("loading")).toBeInTheDocument();
    expect(screen.getByTestId("save")).toBeDisabled();
    expect(await screen.findByTestId("name")).toHaveValue("教务群");
    expect(load).toHaveBeenCalledExactlyOnceWith("教务群");
    expect(screen.queryByTestId("loading")).not.toBeInTheDocument();
    expect(screen.getByTestId("save")).toBeEnabled();
  });

  it("shows a failed load, and a retry loads again", async () => {
    const user = userEvent.setup({ delay: null });
    const second = deferred<Stored>();
    const load = vi
      .fn<(name: string) => Promise<Stored>>()
      .mockRejectedValueOnce(new CommandError("secret_store", "secrets.json is damaged"))
      .mockReturnValueOnce(second.promise);
    const submit = vi.fn(async (_values: Values, stored: Stored | undefined) => `saved ${stored?.name}`);
    const onSaved = vi.fn();
    render(<Harness editing="教务群" load={load} submit={submit} onSaved={onSaved} />);

    expect(await screen.findByTestId("retry")).toHaveTextContent("secrets.json is damaged");
    expect(screen.queryByTestId("loading")).not.toBeInTheDocument();
    expect(screen.queryByTestId("name")).not.toBeInTheDocument();
    expect(screen.getByTestId("save")).toBeDisabled();

    await user.click(screen.getByTestId("retry"));
    expect(load).toHaveBeenCalledTimes(2);
    second.resolve({ name: "教务群" });
    expect(await screen.findByTestId("name")).toHaveValue("教务群");
    expect(screen.queryByTestId("retry")).not.toBeInTheDocument();

    // What was loaded goes along with the values.
    await user.click(screen.getByTestId("save"));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith("saved 教务群"));
  });

  it("shows the backend's message when saving fails and keeps what was typed; cancel forgets it", async () => {
    const user = userEvent.setup({ delay: null });
    const attempt = deferred<string>();
    const submit = vi.fn(() => attempt.promise);
    const onSaved = vi.fn();
    const onClose = vi.fn();
    render(<Harness submit={submit} onSaved={onSaved} onClose={onClose} />);

    // Invalid: nothing is sent.
    await user.click(screen.getByTestId("save"));
    expect(await screen.findByText("name?")).toBeInTheDocument();
    expect(submit).not.toHaveBeenCalled();

    await user.type(screen.getByTestId("name"), "王小明");
    await user.click(screen.getByTestId("save"));
    expect(await screen.findByTestId("saving")).toBeInTheDocument();
    attempt.reject(new CommandError("conflict", "学号/工号 2023001 已存在"));
    expect(await screen.findByTestId("error")).toHaveTextContent("学号/工号 2023001 已存在");
    expect(screen.queryByTestId("saving")).not.toBeInTheDocument();
    expect(screen.getByTestId("name")).toHaveValue("王小明");
    expect(onSaved).not.toHaveBeenCalled();

    await user.click(screen.getByTestId("cancel"));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("error")).not.toBeInTheDocument();
  });
});
