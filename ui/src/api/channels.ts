import type { Channel } from "./bindings/Channel";
import type { KindChannelConfig } from "./bindings/KindChannelConfig";
import type { KindInfo } from "./bindings/KindInfo";
import type { LinkIdsReport } from "./bindings/LinkIdsReport";
import type { ChannelTestResult } from "./bindings/ChannelTestResult";
import type { NewSmtpChannel } from "./bindings/NewSmtpChannel";
import type { NewWebhookChannel } from "./bindings/NewWebhookChannel";
import type { SandboxMessage } from "./bindings/SandboxMessage";
import type { SmtpChannelConfig } from "./bindings/SmtpChannelConfig";
import type { UpdateSmtpChannel } from "./bindings/UpdateSmtpChannel";
import type { UpdateWebhookChannel } from "./bindings/UpdateWebhookChannel";
import type { WebhookChannelConfig } from "./bindings/WebhookChannelConfig";
import { call } from "./invoke";

export const listChannels = () => call<Channel[]>("list_channels");

/** Newest first. */
export const listSandboxMessages = (limit: number) =>
  call<SandboxMessage[]>("list_sandbox_messages", { limit });

/** Channels are addressed by name, as in the CLI. */
export const pauseChannel = (name: string) => call<Channel>("pause_channel", { name });

/** Also resumes a channel that paused itself after failures. */
export const resumeChannel = (name: string) => call<Channel>("resume_channel", { name });

/** Queues every failed delivery sent through the channel again; resolves to how many. */
export const retryFailedChannel = (channelId: number) => call<number>("retry_failed", { channelId });

/** The signing secret goes to the secret store; it is never sent back. */
export const addWebhookChannel = (input: NewWebhookChannel) => call<Channel>("add_webhook_channel", { input });

/** Only what `input` names changes; a running dispatcher sends with it from its next batch. */
export const updateWebhookChannel = (name: string, input: UpdateWebhookChannel) =>
  call<Channel>("update_webhook_channel", { name, input });

/** Secrets only by name: the signing secret and credential header values never come back. */
export const webhookChannelConfig = (name: string) => call<WebhookChannelConfig>("webhook_channel_config", { name });

export type { NewSmtpChannel } from "./bindings/NewSmtpChannel";
export type { SmtpChannelConfig } from "./bindings/SmtpChannelConfig";
export type { UpdateSmtpChannel } from "./bindings/UpdateSmtpChannel";
export type { ChannelTestResult } from "./bindings/ChannelTestResult";

/** Checks the settings (the server is not contacted); the password goes to the secret store. */
export const addSmtpChannel = (input: NewSmtpChannel) => call<Channel>("add_smtp_channel", { input });

/** An e-mail channel's settings: never the password, only whether one is stored. */
export const smtpChannelConfig = (name: string) => call<SmtpChannelConfig>("smtp_channel_config", { name });
/** A CA certificate file (PEM or DER) as PEM text, checked; refused with the reason otherwise. */
export const readCaFile = (path: string) => call<string>("read_ca_file", { path });

/**
 * Sends one test message (to `to`; into the group for a robot, without it); a refused one
 * resolves with `ok: false` and the reason, it does not reject.
 */
export const testChannel = (name: string, to?: string) => call<ChannelTestResult>("test_channel", { name, to });

/**
 * Only what `input` names changes: an empty `username` turns the login off and forgets the
 * password, an empty `fromName`/`replyTo`/`caPem` clears it, a non-empty `password` replaces it.
 */
export const updateSmtpChannel = (name: string, input: UpdateSmtpChannel) =>
  call<Channel>("update_smtp_channel", { name, input });

export type { KindInfo } from "./bindings/KindInfo";
export type { SettingField } from "./bindings/SettingField";
export type { Bilingual } from "./bindings/Bilingual";
export type { KindChannelConfig } from "./bindings/KindChannelConfig";

/** The kinds the generic form can add, each with its settings schema. */
export const channelKinds = () => call<KindInfo[]>("channel_kinds");

/**
 * Adds a channel of `kind` with its settings as typed, by field key. A refused setting rejects
 * with `code` `setting_*` and `params.field`, `params.reasonZh`, `params.reasonEn`.
 */
export const addKindChannel = (kind: string, name: string, settings: Record<string, string>) =>
  call<Channel>("add_kind_channel", { kind, name, settings });

/** A channel's settings for its form; secret ones only as set or not. */
export const kindChannelConfig = (name: string) => call<KindChannelConfig>("kind_channel_config", { name });

/** Changes only the settings named; an empty value clears an optional one, a secret not named is kept. */
export const updateKindChannel = (name: string, settings: Record<string, string>) =>
  call<Channel>("update_kind_channel", { name, settings });

export type { LinkIdsReport } from "./bindings/LinkIdsReport";
export type { LinkedContact } from "./bindings/LinkedContact";

/** Looks up platform ids by mobile through an app channel; `dryRun` false stores those found. */
export const linkIds = (channel: string, dryRun: boolean) => call<LinkIdsReport>("link_ids", { channel, dryRun });
