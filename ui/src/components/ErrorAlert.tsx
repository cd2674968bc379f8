import { Alert, Button } from "antd";
import type { CommandError } from "../api";
import { useT } from "../i18n";

/** A failed load, with the backend's own message and a way to try again. */
export function ErrorAlert({
  error,
  onRetry,
  testId,
}: {
  error: CommandError | undefined;
  onRetry?: () => void;
  testId?: string;
}) {
  const t = useT();
  if (!error) return null;
  return (
    <Alert
      type="error"
      showIcon
      data-testid={testId}
      message={t("common.loadFailed")}
      description={error.message}
      action={
        onRetry && (
          <Button size="small" onClick={onRetry}>
            {t("common.retry")}
          </Button>
        )
      }
      style={{ marginBottom: 16 }}
    />
  );
}
