import type { Contact } from "./bindings/Contact";
import type { ContactPage } from "./bindings/ContactPage";
import type { ContactQuery } from "./bindings/ContactQuery";
import type { NewContact } from "./bindings/NewContact";
import { call } from "./invoke";

export const listContacts = (query: ContactQuery) => call<ContactPage>("list_contacts", { query });

export const addContact = (input: NewContact) => call<Contact>("add_contact", { input });
