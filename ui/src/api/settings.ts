import type { TestSendResult } from "./bindings/TestSendResult";
import type { UserSettings } from "./bindings/UserSettings";
import { call } from "./invoke";

/** The user's settings, defaults filled in: who “me” is, the typed-confirmation threshold. */
export const userSettings = () => call<UserSettings>("user_settings");

/** Sets (a contact id) or clears (`null`) who “me” is: tests go to this contact. */
export const setMe = (contactId: number | null) => call<UserSettings>("set_me", { contactId });

/** Above this many recipients a send asks for the number to be typed. */
export const setConfirmAbove = (count: number) => call<UserSettings>("set_confirm_above", { count });

/** The draft sent to “me” alone on each of its channels; it stays a draft. */
export const sendTest = (noticeId: number) => call<TestSendResult>("send_test", { noticeId });
