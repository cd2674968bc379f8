import { ExportOutlined } from "@ant-design/icons";
import { App, Button } from "antd";
import dayjs from "dayjs";
import { useState, type ReactNode } from "react";
import * as api from "../api";
import * as dialog from "../api/dialog";
import { useT } from "../i18n";
import { fileErrorMessage } from "./fileErrors";

/**
 * A button that asks where to save (the native "save as" dialog, offering .xlsx and .csv),
 * then writes there and says what happened. Cancelling the dialog does nothing. The shell
 * lets the path be written once, so every save asks again.
 */
export function SaveAsButton({
  dialogTitle,
  defaultPath,
  write,
  failed,
  icon,
  children,
  testId,
}: {
  dialogTitle: string;
  /** A file name, or a full path to start in its folder; its extension picks the default type. */
  defaultPath: string;
  /** Writes to the chosen path; resolves to the text that tells the user it is done. */
  write: (path: string) => Promise<string>;
  /** The text for a failure, given the backend's message. */
  failed: (message: string) => string;
  icon?: ReactNode;
  children: ReactNode;
  testId: string;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);

  const saveAs = async () => {
    setBusy(true);
    try {
      const path = await dialog.chooseFileToSave({
        title: dialogTitle,
        defaultPath,
        filters: [
          { name: t("export.filterXlsx"), extensions: ["xlsx"] },
          { name: t("export.filterCsv"), extensions: ["csv"] },
        ],
      });
      if (!path) return;
      message.success(await write(path));
    } catch (reason) {
      // Long enough to read a path in the message.
      message.error(failed(fileErrorMessage(t, api.toCommandError(reason))), 8);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Button icon={icon} onClick={saveAs} loading={busy} data-testid={testId}>
      {children}
    </Button>
  );
}

/** Exports every contact to a workbook or CSV the user picks, in the layout imports read. */
export function ExportContactsButton() {
  const t = useT();
  return (
    <SaveAsButton
      dialogTitle={t("export.title")}
      defaultPath={`contacts-${dayjs().format("YYYY-MM-DD")}.xlsx`}
      write={async (path) => t("export.done", { count: await api.exportContacts(path), path })}
      failed={(message) => t("export.failed", { message })}
      icon={<ExportOutlined />}
      testId="contacts-export"
    >
      {t("export.button")}
    </SaveAsButton>
  );
}
