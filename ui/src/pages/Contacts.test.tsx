import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import * as api from "../api";
import { makeChannel, makeContact, makeRobotKind } from "../test/fixtures";
import { openSelectOption } from "../test/selectOption";
import { db, resetApiMock } from "../test/mockApi";
import { renderApp } from "../test/render";

/**
 * The shared in-memory API, with the contacts screen's own commands: filters, sort and paging
 * as the backend does them, facets, one contact's detail, edit (with its version) and delete.
 */
vi.mock("../api", async () => {
  const base = await import("../test/mockApi");
  const { CommandError } = base;
  const versions = new Map<number, string>();
  const extra = new Map<number, Partial<api.ContactDetail>>();
  const version = (id: number) => versions.get(id) ?? "v1";
  const detail = async (id: number): Promise<api.ContactDetail> => ({
    ...(await base.contactDetail(id)),
    updatedAt: version(id),
    ...extra.get(id),
  });
  const facet = (values: (string | null)[]) => {
    const counts = new Map<string, number>();
    for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts].sort().map(([value, count]) => ({ value, count }));
  };
  return {
    ...base,
    /** Tests set what the next detail holds beyond the list's fields (invalid marks…). */
    setDetail: (id: number, over: Partial<api.ContactDetail>) => extra.set(id, over),
    /** Moves a contact's version on, as an edit elsewhere would. */
    bumpVersion: (id: number) => versions.set(id, `${version(id)}+`),
    listContacts: vi.fn<typeof api.listContacts>(async (query) => {
      const needle = query.search?.toLowerCase();
      let rows = base.db.contacts.filter(
        (c) =>
          (!needle ||
            [c.name, c.externalId, c.email, c.mobile].some((v) => v?.toLowerCase().includes(needle))) &&
          (!query.department || c.department === query.department) &&
          (!query.grade || c.grade === query.grade),
      );
      if (query.sort) {
        const key = query.sort as keyof api.Contact;
        rows = rows.slice().sort((a, b) => String(a[key] ?? "").localeCompare(String(b[key] ?? "")) || a.id - b.id);
        if (query.descending) rows.reverse();
      }
      const offset = query.offset ?? 0;
      return { items: rows.slice(offset, offset + (query.limit ?? 50)), total: rows.length };
    }),
    contactFacets: vi.fn<typeof api.contactFacets>(async () => ({
      departments: facet(base.db.contacts.map((c) => c.department)),
      grades: facet(base.db.contacts.map((c) => c.grade)),
      classes: facet(base.db.contacts.map((c) => c.className)),
      roles: facet(base.db.contacts.map((c) => c.role)),
      tags: [{ value: "住校", count: 1 }],
      languages: facet(base.db.contacts.map((c) => c.language)),
    })),
    contactDetail: vi.fn<typeof api.contactDetail>(detail),
    updateContact: vi.fn<typeof api.updateContact>(async (id, edit) => {
      const at = base.db.contacts.findIndex((x) => x.id === id);
      if (edit.updatedAt !== version(id)) {
        throw new CommandError("conflict", "the contact was changed elsewhere; reload it and make the change again");
      }
      if (base.db.contacts.some((x) => x.id !== id && edit.externalId && x.externalId === edit.externalId)) {
        throw new CommandError("conflict", `another contact already has the external id ${edit.externalId}`);
      }
      const c = base.db.contacts[at];
      const address = (kind: string) => edit.addresses.find((a) => a.kind === kind)?.address ?? null;
      base.db.contacts[at] = {
        ...c,
        name: edit.name,
        department: edit.department,
        email: address("email"),
        mobile: address("mobile"),
      };
      versions.set(id, `${version(id)}+`);
      extra.set(id, { tags: edit.tags, preferred: edit.preferred, optedOut: edit.optedOut });
      return { contact: await detail(id), changed: ["name"] };
    }),
    deleteContacts: vi.fn<typeof api.deleteContacts>(async (ids) => {
      if (ids.includes(1)) {
        throw new CommandError("conflict", "1 of the 1 contacts chosen (张三) have been sent notices");
      }
      base.db.contacts = base.db.contacts.filter((c) => !ids.includes(c.id));
      return ids.length;
    }),
  };
});

type Extra = {
  setDetail: (id: number, over: Partial<api.ContactDetail>) => void;
  bumpVersion: (id: number) => void;
};
const mock = api as unknown as typeof api & Extra;

beforeEach(() => {
  resetApiMock();
  vi.mocked(api.listContacts).mockClear();
  vi.mocked(api.updateContact).mockClear();
  vi.mocked(api.contactDetail).mockClear();
  db.contacts.push(
    makeContact({ id: 1, name: "张三", externalId: "2023001", department: "计算机学院", email: "zs@example.edu.cn" }),
    makeContact({ id: 2, name: "李四", externalId: "2023002", className: "计科 2301", mobile: "13800000002" }),
  );
});

const table = () => screen.getByTestId("contacts-table");

/** `n` people, named so their order by name is their order by id. */
function many(n: number) {
  db.contacts = Array.from({ length: n }, (_, i) =>
    makeContact({ id: i + 1, name: `学生${String(i).padStart(5, "0")}`, externalId: `S${i}` }),
  );
}

describe("Contacts", () => {
  it("lists contacts with the total", async () => {
    renderApp("/contacts");
    expect(await within(table()).findByText("张三")).toBeInTheDocument();
    expect(within(table()).getByText("2023002")).toBeInTheDocument();
    expect(within(table()).getByText("计算机学院")).toBeInTheDocument();
    // A mainland mobile reads in groups of 3-4-4, however it was stored.
    expect(within(table()).getByText("138 0000 0002")).toBeInTheDocument();
    expect(screen.getByText("共 2 人")).toBeInTheDocument();
    expect(api.listContacts).toHaveBeenCalledWith({ search: undefined, limit: 200, offset: 0 });
  });

  it("searches on the server", async () => {
    const { user } = renderApp("/contacts");
    await within(table()).findByText("张三");
    await user.type(screen.getByTestId("contacts-search"), "李");
    await waitFor(() =>
      expect(api.listContacts).toHaveBeenLastCalledWith({ search: "李", limit: 200, offset: 0 }),
    );
    await waitFor(() => expect(within(table()).queryByText("张三")).not.toBeInTheDocument());
    expect(within(table()).getByText("李四")).toBeInTheDocument();
    expect(screen.getByText("共 1 人")).toBeInTheDocument();
  });

  it("loads only the first block, then the block the user scrolls to", async () => {
    many(1000);
    renderApp("/contacts");
    expect(await within(table()).findByText("学生00000")).toBeInTheDocument();
    expect(screen.getByText("共 1000 人")).toBeInTheDocument();
    expect(api.listContacts).toHaveBeenCalledTimes(1);

    // Drag the scrollbar to the middle: the rows there are placeholders until their block comes.
    const holder = table().querySelector(".ant-table-tbody-virtual-holder") as HTMLElement;
    expect(holder).not.toBeNull();
    const rowHeight = 47;
    let top = 500 * rowHeight;
    Object.defineProperty(holder, "scrollTop", {
      configurable: true,
      get: () => top,
      set: (value: number) => (top = value),
    });
    act(() => {
      fireEvent.scroll(holder);
    });
    await waitFor(() =>
      expect(api.listContacts).toHaveBeenCalledWith({ search: undefined, limit: 200, offset: 400 }),
    );
    expect(await within(table()).findByText("学生00500")).toBeInTheDocument();
    // Blocks in between were never asked for.
    const offsets = vi.mocked(api.listContacts).mock.calls.map(([q]) => q.offset);
    expect(offsets).not.toContain(200);
  });

  it("ignores a slow answer for a filter that has since changed", async () => {
    many(300);
    db.contacts[0] = { ...db.contacts[0], department: "数学学院" };
    let release: () => void = () => undefined;
    const { user } = renderApp("/contacts");
    await within(table()).findByText("学生00000");
    // The next request (the search) hangs until released; the one after it answers at once.
    const real = vi.mocked(api.listContacts).getMockImplementation()!;
    vi.mocked(api.listContacts).mockImplementationOnce(
      (q) => new Promise((resolve) => (release = () => resolve(real(q)))),
    );
    await user.type(screen.getByTestId("contacts-search"), "学生00299");
    await waitFor(() => expect(api.listContacts).toHaveBeenCalledTimes(2));
    await user.clear(screen.getByTestId("contacts-search"));
    await user.type(screen.getByTestId("contacts-search"), "学生00001");
    expect(await within(table()).findByText("学生00001")).toBeInTheDocument();
    await act(async () => release());
    expect(within(table()).queryByText("学生00299")).not.toBeInTheDocument();
    expect(screen.getByText("共 1 人")).toBeInTheDocument();
  });

  it("filters and sorts on the server", async () => {
    const { user } = renderApp("/contacts");
    await within(table()).findByText("张三");
    await user.click(within(screen.getByTestId("contacts-filter-department")).getByRole("combobox"));
    await user.click(await screen.findByText("计算机学院（1）"));
    await waitFor(() =>
      expect(api.listContacts).toHaveBeenLastCalledWith({
        search: undefined,
        department: "计算机学院",
        limit: 200,
        offset: 0,
      }),
    );
    await waitFor(() => expect(within(table()).queryByText("李四")).not.toBeInTheDocument());
    expect(screen.getByText("共 1 人")).toBeInTheDocument();

    await user.click(within(screen.getByTestId("contacts-filters")).getByLabelText("close-circle"));
    await within(table()).findByText("李四");
    await user.click(within(table()).getByText("学号/工号"));
    await waitFor(() =>
      expect(api.listContacts).toHaveBeenLastCalledWith({
        search: undefined,
        sort: "externalId",
        descending: false,
        limit: 200,
        offset: 0,
      }),
    );
    await user.click(within(table()).getByText("学号/工号"));
    await waitFor(() =>
      expect(api.listContacts).toHaveBeenLastCalledWith(
        expect.objectContaining({ sort: "externalId", descending: true }),
      ),
    );
  });

  it("keeps the selection and offers the count", async () => {
    const { user } = renderApp("/contacts");
    await within(table()).findByText("张三");
    const boxes = within(table()).getAllByRole("checkbox");
    await user.click(boxes[0]);
    await user.click(boxes[1]);
    expect(screen.getByTestId("contacts-selected")).toHaveTextContent("已选 2 人");
    expect(screen.queryByTestId("contact-drawer")).not.toBeInTheDocument();
    await user.type(screen.getByTestId("contacts-search"), "李");
    await waitFor(() => expect(within(table()).queryByText("张三")).not.toBeInTheDocument());
    expect(screen.getByTestId("contacts-selected")).toHaveTextContent("已选 2 人");
    await user.click(screen.getByTestId("contacts-clear-selection"));
    expect(screen.queryByTestId("contacts-selected")).not.toBeInTheDocument();
  });

  it("edits a contact in the drawer and shows the change in the list", async () => {
    mock.setDetail(2, {
      addresses: [{ kind: "mobile", address: "+8613800000002", invalid: true, invalidReason: "空号" }],
    });
    const { user } = renderApp("/contacts");
    await user.click(await within(table()).findByText("李四"));
    expect(await screen.findByTestId("contact-invalid-mobile")).toHaveTextContent("无效：空号");
    const name = await screen.findByTestId("contact-edit-name");
    await user.clear(name);
    await user.type(name, "李四光");
    await user.type(screen.getByTestId("contact-edit-department"), "地质学院");
    await user.click(screen.getByTestId("contact-mark-valid-mobile"));
    await user.type(screen.getByTestId("contact-edit-address-email"), "lsg@example.edu.cn");
    await user.click(screen.getByTestId("contact-drawer-save"));

    await waitFor(() => expect(api.updateContact).toHaveBeenCalledTimes(1));
    const [id, edit] = vi.mocked(api.updateContact).mock.calls[0];
    expect(id).toBe(2);
    expect(edit).toMatchObject({
      updatedAt: "v1",
      name: "李四光",
      department: "地质学院",
      addresses: [
        { kind: "email", address: "lsg@example.edu.cn", markValid: false },
        { kind: "mobile", address: "+8613800000002", markValid: true },
      ],
    });
    expect(await screen.findByText("已保存：李四光")).toBeInTheDocument();
    expect(await within(table()).findByText("李四光")).toBeInTheDocument();
    expect(within(table()).getByText("地质学院")).toBeInTheDocument();
  });

  it("says to reload when someone else changed the contact meanwhile", async () => {
    const { user } = renderApp("/contacts");
    await user.click(await within(table()).findByText("张三"));
    const name = await screen.findByTestId("contact-edit-name");
    mock.bumpVersion(1);
    await user.type(name, "丰");
    await user.click(screen.getByTestId("contact-drawer-save"));
    expect(await screen.findByTestId("contact-drawer-error")).toHaveTextContent("在别处被修改过");
    await user.click(screen.getByTestId("contact-reload"));
    // Opened, looked at again to tell a stale edit from a taken 学号/工号, reloaded.
    await waitFor(() => expect(api.contactDetail).toHaveBeenCalledTimes(3));
    await waitFor(() => expect(screen.getByTestId("contact-edit-name")).toHaveValue("张三"));
  });

  it("names a 学号/工号 that is another person's", async () => {
    const { user } = renderApp("/contacts");
    await user.click(await within(table()).findByText("李四"));
    await waitFor(() => expect(screen.getByTestId("contact-edit-external-id")).toHaveValue("2023002"));
    const id = screen.getByTestId("contact-edit-external-id");
    await user.clear(id);
    await user.type(id, "2023001");
    await user.click(screen.getByTestId("contact-drawer-save"));
    expect(await screen.findByTestId("contact-drawer-error")).toHaveTextContent(
      "学号/工号 2023001 已是另一位联系人的",
    );
    expect(screen.queryByTestId("contact-reload")).not.toBeInTheDocument();
  });

  it("deletes from the drawer after a confirmation, and explains a refusal", async () => {
    const { user } = renderApp("/contacts");
    await user.click(await within(table()).findByText("张三"));
    await user.click(await screen.findByTestId("contact-delete"));
    await user.click(await screen.findByTestId("contact-delete-ok"));
    expect(await screen.findByTestId("contact-drawer-error")).toHaveTextContent("已收到过通知");
    expect(db.contacts).toHaveLength(2);

    await user.click(screen.getByTestId("contact-drawer-cancel"));
    await user.click(await within(table()).findByText("李四"));
    await user.click(await screen.findByTestId("contact-delete"));
    await user.click(await screen.findByTestId("contact-delete-ok"));
    expect(await screen.findByText("已删除联系人")).toBeInTheDocument();
    await waitFor(() => expect(within(table()).queryByText("李四")).not.toBeInTheDocument());
    expect(api.deleteContacts).toHaveBeenLastCalledWith([2]);
  });

  it("adds a contact and shows the new row", async () => {
    const { user } = renderApp("/contacts");
    await within(table()).findByText("张三");
    await user.click(screen.getByTestId("contact-add"));
    await user.type(await screen.findByTestId("contact-name"), "王五");
    await user.type(screen.getByTestId("contact-external-id"), "T1001");
    await user.type(screen.getByTestId("contact-email"), "wangwu@example.edu.cn");
    await user.type(screen.getByTestId("contact-mobile"), "13900000003");
    await user.click(screen.getByTestId("contact-save"));

    await waitFor(() =>
      expect(api.addContact).toHaveBeenCalledWith({
        name: "王五",
        externalId: "T1001",
        email: "wangwu@example.edu.cn",
        mobile: "13900000003",
      }),
    );
    expect(await within(table()).findByText("王五")).toBeInTheDocument();
    expect(within(table()).getByText("T1001")).toBeInTheDocument();
    expect(screen.getByText("共 3 人")).toBeInTheDocument();
    expect(await screen.findByText("已添加联系人：王五")).toBeInTheDocument();
  });

  it("requires a name", async () => {
    const { user } = renderApp("/contacts");
    await within(table()).findByText("张三");
    await user.click(screen.getByTestId("contact-add"));
    await user.click(await screen.findByTestId("contact-save"));
    expect(await screen.findByText("请填写姓名")).toBeInTheDocument();
    expect(api.addContact).not.toHaveBeenCalled();
  });

  it("shows the backend's message when adding fails and keeps the form open", async () => {
    const { user } = renderApp("/contacts");
    await within(table()).findByText("张三");
    await user.click(screen.getByTestId("contact-add"));
    await user.type(await screen.findByTestId("contact-name"), "张三二");
    await user.type(screen.getByTestId("contact-external-id"), "2023001");
    await user.click(screen.getByTestId("contact-save"));

    expect(await screen.findByTestId("contact-error")).toHaveTextContent("学号/工号 2023001 已存在");
    expect(screen.getByTestId("contact-name")).toHaveValue("张三二");
  });

  it("offers the demo list when there are no contacts", async () => {
    db.contacts = [];
    vi.mocked(api.loadDemo).mockImplementationOnce(async () => {
      db.contacts.push(makeContact({ id: 9, name: "演示学生" }));
      return { added: 1, alreadyPresent: 0 };
    });
    const { user } = renderApp("/contacts");
    await user.click(await screen.findByTestId("contacts-demo-load"));
    expect(await within(table()).findByText("演示学生")).toBeInTheDocument();
    expect(await screen.findByText("已载入 1 位演示联系人")).toBeInTheDocument();
  });
});

describe("Finding platform ids by mobile", () => {
  it("looks them up through an app channel, shows who was found, and stores them on confirmation", async () => {
    db.kinds = [
      ...db.kinds,
      { ...makeRobotKind(), id: "wecom_app", recipients: { to: "person", address: "wecom" }, findsIds: true },
    ];
    db.channels = [...db.channels, makeChannel({ id: 9, name: "企业微信", kind: "wecom_app" })];
    db.contacts = [
      makeContact({ id: 1, name: "张三", mobile: "+8613800001111" }),
      makeContact({ id: 2, name: "孙八", mobile: "+8613800009999" }),
    ];
    db.platformIds.set("张三", "zhangsan");
    const { user } = renderApp("/contacts");
    await user.click(await screen.findByTestId("contacts-link-ids"));
    await user.click(within(await screen.findByTestId("link-ids-channel")).getByRole("combobox"));
    await user.click(await waitFor(() => openSelectOption("企业微信")));
    await user.click(screen.getByTestId("link-ids-look"));
    expect(await screen.findByTestId("link-ids-summary")).toHaveTextContent("找到 1 人，未找到 1 人");
    expect(screen.getByText("zhangsan")).toBeInTheDocument();
    expect(screen.getByText("未找到")).toBeInTheDocument();
    expect(api.linkIds).toHaveBeenLastCalledWith("企业微信", true);

    await user.click(screen.getByTestId("link-ids-store"));
    expect(await screen.findByText("已保存 1 个账号")).toBeInTheDocument();
    expect(api.linkIds).toHaveBeenLastCalledWith("企业微信", false);
  });
});
