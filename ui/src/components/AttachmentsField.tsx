import { DeleteOutlined, PaperClipOutlined } from "@ant-design/icons";
import { Alert, Button, List } from "antd";
import { useState } from "react";
import * as api from "../api";
import { chooseFilesToOpen } from "../api/dialog";
import { useT } from "../i18n";
import { fileErrorMessage } from "./fileErrors";

/** The file name at the end of a path, whichever separator the platform uses. */
export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/**
 * The files a notice carries, as a form control: paths chosen in the native dialog (the only
 * files the shell lets a notice attach), listed by
 * name with a way to remove each. The backend checks size and copies them when the notice is
 * saved, and says which file is the trouble if one cannot be used.
 */
export function AttachmentsField({ value = [], onChange }: { value?: string[]; onChange?: (paths: string[]) => void }) {
  const t = useT();
  const [error, setError] = useState<api.CommandError>();

  const add = async () => {
    setError(undefined);
    try {
      const chosen = await chooseFilesToOpen({ title: t("compose.attachmentsTitle") });
      const added = chosen.filter((p) => !value.includes(p));
      if (added.length > 0) onChange?.([...value, ...added]);
    } catch (reason) {
      setError(api.toCommandError(reason));
    }
  };

  return (
    <>
      {value.length > 0 && (
        <List
          size="small"
          bordered
          style={{ marginBottom: 8 }}
          dataSource={value}
          data-testid="compose-attachments"
          renderItem={(path) => (
            <List.Item
              actions={[
                <Button
                  key="remove"
                  type="link"
                  size="small"
                  icon={<DeleteOutlined />}
                  aria-label={t("compose.attachmentRemove")}
                  onClick={() => onChange?.(value.filter((p) => p !== path))}
                >
                  {t("compose.attachmentRemove")}
                </Button>,
              ]}
            >
              <span title={path}>
                <PaperClipOutlined /> {fileName(path)}
              </span>
            </List.Item>
          )}
        />
      )}
      <Button icon={<PaperClipOutlined />} onClick={() => void add()} data-testid="compose-attachments-add">
        {t("compose.attachmentsAdd")}
      </Button>
      {error && <Alert type="error" showIcon style={{ marginTop: 8 }} message={fileErrorMessage(t, error)} />}
    </>
  );
}
