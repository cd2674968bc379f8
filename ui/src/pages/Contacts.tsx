import { ImportOutlined, LinkOutlined, PlusOutlined, StopOutlined } from "@ant-design/icons";
import { App, Button, Empty, Input, Space } from "antd";
import { useCallback, useState } from "react";
import * as api from "../api";
import { AddToGroupButton } from "../components/AddToGroupButton";
import { ContactEditDrawer } from "../components/ContactEditDrawer";
import { ContactFormModal } from "../components/ContactFormModal";
import { ContactsTable } from "../components/ContactsTable";
import { ExportContactsButton } from "../components/ExportContactsButton";
import { ImportWizard } from "../components/ImportWizard";
import { LinkIdsModal } from "../components/LinkIdsModal";
import { PageHeader } from "../components/PageHeader";
import { UnsubscribeModal } from "../components/UnsubscribeModal";
import { useDebouncedValue } from "../hooks/useDebouncedValue";
import { useLoader } from "../hooks/useLoader";
import { useT } from "../i18n";

/** The row a contact's detail shows as in the list. */
function toContact(d: api.ContactDetail): api.Contact {
  const address = (kind: string) => d.addresses.find((a) => a.kind === kind)?.address ?? null;
  return {
    id: d.id,
    externalId: d.externalId,
    name: d.name,
    role: d.role,
    department: d.department,
    className: d.className,
    grade: d.grade,
    language: d.language,
    email: address("email"),
    mobile: address("mobile"),
    createdAt: d.createdAt,
  };
}

export default function Contacts() {
  const t = useT();
  const { message } = App.useApp();
  const [search, setSearch] = useState("");
  const query = useDebouncedValue(search.trim(), 300);
  const [reloadKey, setReloadKey] = useState(0);
  const [adding, setAdding] = useState(false);
  const [importing, setImporting] = useState(false);
  const [unsubscribing, setUnsubscribing] = useState(false);
  const [linking, setLinking] = useState(false);
  const [loadingDemo, setLoadingDemo] = useState(false);
  const [editing, setEditing] = useState<number>();
  const [patched, setPatched] = useState<api.Contact>();
  const reload = () => setReloadKey((k) => k + 1);
  const facets = useLoader(
    // reloadKey is a dependency on purpose: new people bring new values to filter by.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    useCallback(() => api.contactFacets(), [reloadKey]),
  );

  const loadDemo = async () => {
    setLoadingDemo(true);
    try {
      const result = await api.loadDemo();
      message.success(t("demo.loaded", { added: result.added }));
      reload();
    } catch (reason) {
      message.error(api.toCommandError(reason).message);
    } finally {
      setLoadingDemo(false);
    }
  };

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
              onChange={(e) => setSearch(e.target.value)}
              style={{ width: 280 }}
              data-testid="contacts-search"
            />
            <Button icon={<ImportOutlined />} onClick={() => setImporting(true)} data-testid="contacts-import">
              {t("contacts.import")}
            </Button>
            <ExportContactsButton />
            <Button icon={<StopOutlined />} onClick={() => setUnsubscribing(true)} data-testid="contacts-unsubscribe">
              {t("contacts.unsubscribe")}
            </Button>
            <Button icon={<LinkOutlined />} onClick={() => setLinking(true)} data-testid="contacts-link-ids">
              {t("linkIds.action")}
            </Button>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="contact-add">
              {t("contacts.add")}
            </Button>
          </Space>
        }
      />
      <ContactsTable
        search={query}
        reloadKey={reloadKey}
        patched={patched}
        onOpen={(contact) => setEditing(contact.id)}
        facets={facets.data}
        selectionActions={(ids) => <AddToGroupButton contactIds={ids} />}
        emptyText={
          <Empty description={t("contacts.empty")}>
            <Button onClick={loadDemo} loading={loadingDemo} data-testid="contacts-demo-load">
              {t("demo.load")}
            </Button>
          </Empty>
        }
      />
      <LinkIdsModal open={linking} onClose={() => setLinking(false)} onStored={reload} />
      <UnsubscribeModal open={unsubscribing} onClose={() => setUnsubscribing(false)} onRecorded={reload} />
      <ContactEditDrawer
        contactId={editing}
        tagOptions={facets.data?.tags.map((f) => f.value)}
        onClose={() => setEditing(undefined)}
        onSaved={(detail) => {
          setEditing(undefined);
          setPatched(toContact(detail));
          facets.reload(true);
          message.success(t("contact.saved", { name: detail.name }));
        }}
        onDeleted={() => {
          setEditing(undefined);
          message.success(t("contact.deleted"));
          reload();
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
          reload();
        }}
      />
      <ContactFormModal
        open={adding}
        onClose={() => setAdding(false)}
        onSaved={(contact) => {
          setAdding(false);
          message.success(t("contacts.added", { name: contact.name }));
          reload();
        }}
      />
    </>
  );
}
