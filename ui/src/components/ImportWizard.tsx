import { Alert, Button, Descriptions, Input, Modal, Select, Space, Statistic, Steps, Table, Tag, Typography } from "antd";
import { FolderOpenOutlined } from "@ant-design/icons";
import { useState } from "react";
import * as api from "../api";
import * as dialog from "../api/dialog";
import { useT, type MessageKey, type Translate } from "../i18n";
import { SaveAsButton } from "./ExportContactsButton";
import { fileErrorMessage } from "./fileErrors";

const FIELDS: { field: api.Field; label: MessageKey }[] = [
  { field: "external_id", label: "import.field.external_id" },
  { field: "name", label: "import.field.name" },
  { field: "role", label: "import.field.role" },
  { field: "department", label: "import.field.department" },
  { field: "class_name", label: "import.field.class_name" },
  { field: "grade", label: "import.field.grade" },
  { field: "email", label: "import.field.email" },
  { field: "mobile", label: "import.field.mobile" },
  { field: "wecom", label: "import.field.wecom" },
  { field: "dingtalk", label: "import.field.dingtalk" },
  { field: "feishu", label: "import.field.feishu" },
  { field: "preferred", label: "import.field.preferred" },
  { field: "language", label: "import.field.language" },
  { field: "tags", label: "import.field.tags" },
];

/** What the import reads (the core tells the format by its content, not by this list). */
const SPREADSHEET_EXTENSIONS = ["csv", "xlsx", "xls", "ods"];

/** The text of each problem code; `tsc` fails when the core adds a code this map lacks. */
export const PROBLEM_MESSAGES: Record<api.ProblemCode, MessageKey> = {
  name_missing: "import.problem.name_missing",
  email_invalid: "import.problem.email_invalid",
  mobile_invalid: "import.problem.mobile_invalid",
  mobile_not_mobile: "import.problem.mobile_not_mobile",
  excel_float: "import.problem.excel_float",
  precision_lost: "import.problem.precision_lost",
  leading_zeros_lost: "import.problem.leading_zeros_lost",
  phone_stored_as_number: "import.problem.phone_stored_as_number",
  ids_stored_as_numbers: "import.problem.ids_stored_as_numbers",
  duplicate_id: "import.problem.duplicate_id",
  cell_error: "import.problem.cell_error",
  encoding_damage: "import.problem.encoding_damage",
  unknown_channel: "import.problem.unknown_channel",
  extra_cells: "import.problem.extra_cells",
  unnamed_column: "import.problem.unnamed_column",
  attribute_not_variable: "import.problem.attribute_not_variable",
};

/** A problem in the user's language; the core's English message for a code this UI does not know. */
export function problemMessage(t: Translate, problem: api.Problem): string {
  const key = Object.prototype.hasOwnProperty.call(PROBLEM_MESSAGES, problem.code)
    ? PROBLEM_MESSAGES[problem.code]
    : undefined;
  if (!key) return problem.message;
  return t(key, { row: problem.row, column: problem.column, value: problem.value });
}

/** The text of each error that refuses a whole file; other codes show the core's message. */
export const IMPORT_ERROR_MESSAGES: Record<string, MessageKey> = {
  import_not_found: "import.error.import_not_found",
  import_is_directory: "import.error.import_is_directory",
  import_io: "import.error.import_io",
  import_not_spreadsheet: "import.error.import_not_spreadsheet",
  import_too_large: "import.error.import_too_large",
  import_too_large_unpacked: "import.error.import_too_large_unpacked",
  import_too_many_rows: "import.error.import_too_many_rows",
  import_too_many_columns: "import.error.import_too_many_columns",
  import_too_many_cells: "import.error.import_too_many_cells",
  import_cell_too_long: "import.error.import_cell_too_long",
};

/** `/data/名单.csv` or `C:\data\名单.csv` → `名单.csv`. */
function fileName(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return path.slice(cut + 1) || path;
}

/** Why a file was refused, in the user's language, with its name; the core's message otherwise. */
export function importErrorMessage(t: Translate, error: api.CommandError, path: string): string {
  const key = Object.prototype.hasOwnProperty.call(IMPORT_ERROR_MESSAGES, error.code)
    ? IMPORT_ERROR_MESSAGES[error.code]
    : undefined;
  if (!key) return fileErrorMessage(t, error);
  return t(key, { reason: "", ...error.params, file: fileName(path.trim()) });
}

/** `名单.csv` → `名单`. */
function stem(file: string): string {
  const dot = file.lastIndexOf(".");
  return dot > 0 ? file.slice(0, dot) : file;
}

/** The folder part of a path as the user's platform writes it, with its separator; "" if none. */
function folderOf(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return cut >= 0 ? path.slice(0, cut + 1) : "";
}

const ATTRIBUTE = "attribute";
const IGNORE = "ignore";

/** A Select holds strings; a field is `field:<name>`. */
function toOption(target: api.ColumnTarget): string {
  if (target.type === "field") return `field:${target.value}`;
  return target.type === "attribute" ? ATTRIBUTE : IGNORE;
}

/** An attribute keeps the name the core suggested, else the column's header. */
function fromOption(option: string, header: string, suggested: api.ColumnTarget | undefined): api.ColumnTarget {
  if (option.startsWith("field:")) return { type: "field", value: option.slice("field:".length) as api.Field };
  if (option === ATTRIBUTE) {
    return { type: "attribute", value: suggested?.type === "attribute" ? suggested.value : header };
  }
  return { type: "ignore" };
}

type Encoding = "auto" | "utf-8" | "gbk";

/**
 * The import wizard: file → mapping → dry run → import. Each step calls the core, so what the
 * dry run counts is exactly what the import will do with the same mapping.
 */
export function ImportWizard({
  open,
  onClose,
  onImported,
}: {
  open: boolean;
  onClose: () => void;
  onImported: (report: api.ImportReport) => void;
}) {
  const t = useT();
  const [step, setStep] = useState(0);
  const [path, setPath] = useState("");
  const [encoding, setEncoding] = useState<Encoding>("auto");
  const [preview, setPreview] = useState<api.ImportPreview>();
  const [mapping, setMapping] = useState<string[]>([]);
  // Each with the id under which the shell keeps its report for saving.
  const [dryRun, setDryRun] = useState<api.ImportOutcome>();
  const [result, setResult] = useState<api.ImportOutcome>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<api.CommandError>();

  const encodingArg = encoding === "auto" ? undefined : encoding;

  const reset = () => {
    setStep(0);
    setPreview(undefined);
    setMapping([]);
    setDryRun(undefined);
    setResult(undefined);
    setError(undefined);
  };

  const close = () => {
    reset();
    setPath("");
    setEncoding("auto");
    onClose();
  };

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (reason) {
      setError(api.toCommandError(reason));
    } finally {
      setBusy(false);
    }
  };

  const loadPreview = (file = path.trim()) =>
    run(async () => {
      const found = await api.previewImport(file, encodingArg);
      setPreview(found);
      setMapping(found.suggested.map(toOption));
      setDryRun(undefined);
      setResult(undefined);
    });

  /** The native dialog fills the path field (which stays: tests and power users type into it) and previews. */
  const chooseFile = () =>
    run(async () => {
      const chosen = await dialog.chooseFileToOpen({
        title: t("import.chooseFileTitle"),
        filters: [{ name: t("import.filterSpreadsheets"), extensions: SPREADSHEET_EXTENSIONS }],
      });
      if (!chosen) return;
      setPath(chosen);
      setPreview(undefined);
      await loadPreview(chosen);
    });

  const options = (dry: boolean): api.ImportOptions => ({
    encoding: encodingArg,
    mapping: preview ? mapping.map((o, i) => fromOption(o, preview.headers[i] ?? "", preview.suggested[i])) : undefined,
    dryRun: dry,
  });

  const check = () =>
    run(async () => {
      setDryRun(await api.importContacts(path.trim(), options(true)));
      setStep(2);
    });

  const commit = () =>
    run(async () => {
      const outcome = await api.importContacts(path.trim(), options(false));
      setResult(outcome);
      setStep(3);
      onImported(outcome.report);
    });

  const selectOptions = [
    ...FIELDS.map(({ field, label }) => ({ value: `field:${field}`, label: t(label) })),
    { value: ATTRIBUTE, label: t("import.keepAttribute") },
    { value: IGNORE, label: t("import.ignore") },
  ];

  const counts = (report: api.ImportReport, testId: string) => (
    <Space size="large" data-testid={testId}>
      <Statistic title={t("import.added")} value={report.added} />
      <Statistic title={t("import.updated")} value={report.updated} />
      <Statistic title={t("import.unchanged")} value={report.unchanged} />
      <Statistic title={t("import.rejected")} value={report.rejected} />
      <Statistic title={t("import.warnings")} value={report.warnings} />
    </Space>
  );

  const problems = (report: api.ImportReport) => (
    <Table<api.Problem>
      size="small"
      data-testid="import-problems"
      rowKey={(p) => `${p.row}:${p.column}:${p.code}:${p.value}`}
      dataSource={report.problems}
      pagination={{ pageSize: 10, hideOnSinglePage: true }}
      locale={{ emptyText: t("import.noProblems") }}
      columns={[
        { title: t("import.row"), dataIndex: "row", width: 70 },
        { title: t("import.column"), dataIndex: "column" },
        { title: t("import.value"), dataIndex: "value" },
        {
          title: t("import.message"),
          key: "message",
          render: (_, p) => (
            <>
              <Tag color={p.severity === "error" ? "red" : "gold"}>{p.code}</Tag>
              {problemMessage(t, p)}
            </>
          ),
        },
      ]}
    />
  );

  /**
   * Saves the report's problems where the user picks, next to the imported file by default.
   * The shell writes the report it kept; only its id goes from here.
   */
  const saveReport = ({ reportId, report }: api.ImportOutcome) =>
    report.problems.length > 0 && (
      <SaveAsButton
        dialogTitle={t("import.reportTitle")}
        defaultPath={`${folderOf(path.trim())}${t("import.reportName", { name: stem(report.file) })}.xlsx`}
        write={async (file) => {
          await api.writeImportReport(reportId, file);
          return t("import.reportSaved", { path: file });
        }}
        failed={(message) => t("import.reportFailed", { message })}
        testId="import-save-report"
      >
        {t("import.saveReport")}
      </SaveAsButton>
    );

  const body = () => {
    if (step === 0) {
      return (
        <Space direction="vertical" style={{ width: "100%" }}>
          <Space.Compact style={{ width: "100%" }}>
            <Input
              value={path}
              onChange={(e) => {
                setPath(e.target.value);
                // The mapping belongs to the file previewed; another file must be previewed again.
                setPreview(undefined);
              }}
              placeholder={t("import.pathPlaceholder")}
              onPressEnter={() => path.trim() && loadPreview()}
              data-testid="import-path"
            />
            <Button icon={<FolderOpenOutlined />} onClick={chooseFile} disabled={busy} data-testid="import-choose-file">
              {t("import.chooseFile")}
            </Button>
            <Select<Encoding>
              value={encoding}
              onChange={(value) => {
                setEncoding(value);
                setPreview(undefined);
              }}
              style={{ width: 140 }}
              data-testid="import-encoding"
              options={[
                { value: "auto", label: t("import.encodingAuto") },
                { value: "utf-8", label: "UTF-8" },
                { value: "gbk", label: "GBK" },
              ]}
            />
            <Button onClick={() => loadPreview()} loading={busy} disabled={!path.trim()} data-testid="import-preview">
              {t("import.preview")}
            </Button>
          </Space.Compact>
          <Typography.Text type="secondary">{t("import.pathHint")}</Typography.Text>
          {preview && (
            <>
              <Descriptions size="small" column={3} data-testid="import-detected">
                <Descriptions.Item label={t("import.format")}>
                  {preview.format === "csv" ? "CSV" : t("import.workbook")}
                </Descriptions.Item>
                <Descriptions.Item label={preview.format === "csv" ? t("import.encoding") : t("import.sheet")}>
                  {(preview.format === "csv" ? preview.encoding : preview.sheet) ?? "—"}
                </Descriptions.Item>
                <Descriptions.Item label={t("import.totalRows")}>{preview.totalRows}</Descriptions.Item>
              </Descriptions>
              <Table<[number, string[]]>
                size="small"
                data-testid="import-preview-table"
                rowKey={(r) => r[0]}
                dataSource={preview.rows}
                pagination={false}
                scroll={{ x: "max-content", y: 300 }}
                columns={[
                  { title: t("import.row"), key: "row", render: (_, r) => r[0], width: 60, fixed: "left" },
                  ...preview.headers.map((h, i) => ({ title: h, key: `c${i}`, render: (_: unknown, r: [number, string[]]) => r[1][i] ?? "" })),
                ]}
              />
            </>
          )}
        </Space>
      );
    }
    if (step === 1 && preview) {
      return (
        <Table<{ header: string; index: number }>
          size="small"
          data-testid="import-mapping"
          rowKey="index"
          pagination={false}
          dataSource={preview.headers.map((header, index) => ({ header, index }))}
          columns={[
            { title: t("import.header"), dataIndex: "header" },
            {
              title: t("import.target"),
              key: "target",
              render: (_, { index }) => (
                <Select
                  value={mapping[index]}
                  options={selectOptions}
                  // Sixteen options need no virtual list, and without one every option is in the DOM.
                  virtual={false}
                  style={{ width: 220 }}
                  data-testid={`import-map-${index}`}
                  onChange={(value: string) => {
                    setMapping((m) => m.map((o, i) => (i === index ? value : o)));
                    setDryRun(undefined);
                  }}
                />
              ),
            },
          ]}
        />
      );
    }
    if (step === 2 && dryRun) {
      return (
        <Space direction="vertical" style={{ width: "100%" }}>
          <Alert type="info" showIcon message={t("import.dryRunNote")} />
          {counts(dryRun.report, "import-dry-counts")}
          {problems(dryRun.report)}
          {saveReport(dryRun)}
        </Space>
      );
    }
    if (step === 3 && result) {
      return (
        <Space direction="vertical" style={{ width: "100%" }}>
          <Alert type="success" showIcon message={t("import.done", { file: result.report.file })} />
          {counts(result.report, "import-result-counts")}
          {problems(result.report)}
          {saveReport(result)}
        </Space>
      );
    }
    return null;
  };

  const footer = () => {
    const cancel = (
      <Button key="cancel" onClick={close}>
        {step === 3 ? t("common.close") : t("common.cancel")}
      </Button>
    );
    if (step === 0)
      return [
        cancel,
        <Button key="next" type="primary" disabled={!preview} onClick={() => setStep(1)} data-testid="import-next">
          {t("import.next")}
        </Button>,
      ];
    if (step === 1)
      return [
        cancel,
        <Button key="back" onClick={() => setStep(0)}>
          {t("import.back")}
        </Button>,
        <Button key="check" type="primary" loading={busy} onClick={check} data-testid="import-dry-run">
          {t("import.dryRun")}
        </Button>,
      ];
    if (step === 2)
      return [
        cancel,
        <Button key="back" onClick={() => setStep(1)}>
          {t("import.back")}
        </Button>,
        <Button key="commit" type="primary" loading={busy} onClick={commit} data-testid="import-commit">
          {t("import.commit")}
        </Button>,
      ];
    return [cancel];
  };

  return (
    <Modal
      open={open}
      title={t("import.title")}
      width={900}
      onCancel={close}
      footer={footer()}
      destroyOnHidden
      maskClosable={false}
    >
      <Steps
        current={step}
        size="small"
        style={{ marginBottom: 16 }}
        items={[
          { title: t("import.stepFile") },
          { title: t("import.stepMapping") },
          { title: t("import.stepCheck") },
          { title: t("import.stepImport") },
        ]}
      />
      {error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={t("import.failed")}
          description={importErrorMessage(t, error, path)}
          data-testid="import-error"
        />
      )}
      {body()}
    </Modal>
  );
}
