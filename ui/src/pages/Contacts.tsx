import { ImportOutlined, PlusOutlined } from "@ant-design/icons";
import { App, Button, Empty, Input, Space, Table, type TableColumnsType } from "antd";
import { useCallback, useState } from "react";
import * as api from "../api";
import { ContactFormModal } from "../components/ContactFormModal";
import { ErrorAlert } from "../components/ErrorAlert";
import { ExportContactsButton } from "../components/ExportContactsButton";
import { ImportWizard } from "../components/ImportWizard";
import { PageHeader } from "../components/PageHeader";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";

const dash = (value: string | null) => value ?? "—";

export default function Contacts() {
  const t = useT();
  const { message } = App.useApp();
  const [search, setSearch] = useState("");
  const query = useDebouncedValue(search.trim(), 300);
  const [page, setPage] = useState({ current: 1, pageSize: 20 });
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [loadingDemo, setLoadingDemo] = useState(false);

  const contacts = useLoader(
    useCallback(
      () =>
        api.listContacts({
          search: query || undefined,
          limit: page.pageSize,
          offset: (page.current - 1) * page.pageSize,
        }),
      [query, page],
    ),
  );

  const onSearch = (value: string) => {
    setSearch(value);
    setPage((p) => ({ ...p, current: 1 }));
  };

  const loadDemo = async () => {
    setLoadingDemo(true);
    try {
      const result = await api.loadDemo();
      message.success(t("demo.loaded", { added: result.added }));
      contacts.reload();
    } catch (reason) {
      message.error(api.toCommandError(reason).message);
    } finally {
      setLoadingDemo(false);
    }
  };

  const columns: TableColumnsType<api.Contact> = [
    { title: t("contacts.name"), dataIndex: "name" },
    { title: t("contacts.externalId"), dataIndex: "externalId", render: dash },
    { title: t("contacts.department"), dataIndex: "department", render: dash },
    { title: t("contacts.className"), dataIndex: "className", render: dash },
    { title: t("contacts.grade"), dataIndex: "grade", render: dash },
    { title: t("contacts.email"), dataIndex: "email", render: dash },
    { title: t("contacts.mobile"), dataIndex: "mobile", render: dash },
  ];

  const isEmpty = contacts.data?.total === 0 && !query;

  return (
    <>
      <PageHeader
        title={t("contacts.title")}
        extra={
          <Space>
            <Input.Search
              allowClear
              placeholder={t("contacts.search")}
              value={search}
              onChange={(e) => onSearch(e.target.value)}
              style={{ width: 280 }}
              data-testid="contacts-search"
            />
            <Button icon={<ImportOutlined />} onClick={() => setImporting(true)} data-testid="contacts-import">
              {t("contacts.import")}
            </Button>
            <ExportContactsButton />
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="contact-add">
              {t("contacts.add")}
            </Button>
          </Space>
        }
      />
      <ErrorAlert error={contacts.error} onRetry={() => contacts.reload()} />
      <Table<api.Contact>
        rowKey="id"
        columns={columns}
        dataSource={contacts.data?.items ?? []}
        loading={contacts.loading}
        data-testid="contacts-table"
        pagination={{
          current: page.current,
          pageSize: page.pageSize,
          total: contacts.data?.total ?? 0,
          showSizeChanger: true,
          showTotal: (total) => t("contacts.total", { total }),
          onChange: (current, pageSize) => setPage({ current, pageSize }),
        }}
        locale={{
          emptyText: isEmpty ? (
            <Empty description={t("contacts.empty")}>
              <Button onClick={loadDemo} loading={loadingDemo} data-testid="contacts-demo-load">
                {t("demo.load")}
              </Button>
            </Empty>
          ) : (
            t("contacts.noMatch")
          ),
        }}
      />
      <ImportWizard
        open={importing}
        onClose={() => setImporting(false)}
        onImported={(report) => {
          message.success(
            t("contacts.imported", {
              added: report.added,
              updated: report.updated,
              unchanged: report.unchanged,
              rejected: report.rejected,
            }),
          );
          contacts.reload();
        }}
      />
      <ContactFormModal
        open={adding}
        onClose={() => setAdding(false)}
        onSaved={(contact) => {
          setAdding(false);
          message.success(t("contacts.added", { name: contact.name }));
          contacts.reload();
        }}
      />
    </>
  );
}
