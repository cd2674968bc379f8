import { Form, type FormInstance } from "antd";
import { useCallback, useState } from "react";
import { toCommandError, type CommandError } from "../api";
import { useLoader } from "./useLoader";

/** Nothing to load: adding, or the modal is closed. */
const NOTHING = () => Promise.resolve(undefined);

export interface ModalForm<Values, Stored> {
  form: FormInstance<Values>;
  /** The edited entity's settings as loaded; undefined when adding or until they are in. */
  stored: Stored | undefined;
  /** Editing, and the settings are not in yet: show a spinner instead of the form. */
  loading: boolean;
  /** Loading the settings failed: show it with a retry instead of the form. */
  loadError: CommandError | undefined;
  reload: () => void;
  /** The form can be shown and saved: neither loading nor failed to load. */
  ready: boolean;
  saving: boolean;
  /** The backend's message when the last save failed. */
  error: string | undefined;
  /** For the modal's OK button: validates, submits, and on success resets the form and calls onSaved. */
  save: () => Promise<void>;
  /** For the modal's Cancel: forgets the save error and closes. */
  cancel: () => void;
}

/**
 * The workings shared by the modals that add an entity or, given one, edit it (a channel,
 * a contact): while open for editing, its current settings load (spinner, error with retry);
 * OK validates the form and submits it, with a busy button and the backend's CommandError
 * kept to show in an alert; a failed save keeps what the user typed. Written once here so
 * the modals differ only in their fields and in what they send.
 *
 * Use it in a component keyed by the edited entity, so that no values carry over between them.
 */
export function useModalForm<Values, Saved, Stored = undefined>({
  open,
  editing,
  load,
  submit,
  onSaved,
  onClose,
}: {
  open: boolean;
  /** The name of the entity being edited; absent when adding one. */
  editing?: string;
  /** Reads the edited entity's settings by name. A stable function (such as an api call), as it is an effect's dependency. */
  load?: (name: string) => Promise<Stored>;
  /** Sends the validated values; `stored` is what `load` gave, when editing. */
  submit: (values: Values, stored: Stored | undefined) => Promise<Saved>;
  onSaved: (saved: Saved) => void;
  onClose: () => void;
}): ModalForm<Values, Stored> {
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();

  const name = open ? editing : undefined;
  const settings = useLoader<Stored | undefined>(
    useCallback(() => (name && load ? load(name) : NOTHING()), [name, load]),
  );
  const stored = editing !== undefined ? settings.data : undefined;
  const loadError = editing !== undefined ? settings.error : undefined;
  const loading = editing !== undefined && !loadError && (settings.loading || stored === undefined);

  const save = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    setSaving(true);
    setError(undefined);
    try {
      const saved = await submit(values, stored);
      form.resetFields();
      onSaved(saved);
    } catch (reason) {
      setError(toCommandError(reason).message);
    } finally {
      setSaving(false);
    }
  };

  const cancel = () => {
    setError(undefined);
    onClose();
  };

  return {
    form,
    stored,
    loading,
    loadError,
    reload: () => settings.reload(),
    ready: !loading && !loadError,
    saving,
    error,
    save,
    cancel,
  };
}
