import type { ChannelLimits } from "./bindings/ChannelLimits";
import type { Channel } from "./bindings/Channel";
import type { KindChannelConfig } from "./bindings/KindChannelConfig";
import type { KindInfo } from "./bindings/KindInfo";
import type { LinkIdsReport } from "./bindings/LinkIdsReport";
import type { ChannelTestResult } from "./bindings/ChannelTestResult";
import type { SandboxMessage } from "./bindings/SandboxMessage";
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

export type { ChannelTestResult } from "./bindings/ChannelTestResult";

/**
 * Sends one test message (to `to`; into the group for a robot, without it); a refused one
 * resolves with `ok: false` and the reason, it does not reject.
 */
export const testChannel = (name: string, to?: string) => call<ChannelTestResult>("test_channel", { name, to });

export type { KindInfo } from "./bindings/KindInfo";
export type { SettingField } from "./bindings/SettingField";
export type { Bilingual } from "./bindings/Bilingual";
export type { SettingHeader } from "./bindings/SettingHeader";
export type { SettingGroup } from "./bindings/SettingGroup";
export type { KindChannelConfig } from "./bindings/KindChannelConfig";

/** The kinds the generic form can add, each with its settings schema. */
export const channelKinds = () => call<KindInfo[]>("channel_kinds");

/**
 * Adds a channel of `kind` with its settings as typed, by field key. A refused setting rejects
 * with `code` `setting_*` and `params.field`, `params.reasonZh`, `params.reasonEn`.
 */
export const addKindChannel = (
  kind: string,
  name: string,
  settings: Record<string, string>,
  limits?: ChannelLimits,
) => call<Channel>("add_kind_channel", limits ? { kind, name, settings, limits } : { kind, name, settings });

/** A channel's settings for its form; secret ones only as set or not. */
export const kindChannelConfig = (name: string) => call<KindChannelConfig>("kind_channel_config", { name });

/** Changes only the settings named; an empty value clears an optional one, a secret not named is kept. */
export const updateKindChannel = (name: string, settings: Record<string, string>, limits?: ChannelLimits) =>
  call<Channel>("update_kind_channel", limits ? { name, settings, limits } : { name, settings });

/**
 * A file the user picked (`path`, from the open dialog) for the file setting `key` of `kind`
 * (a CA certificate), as the text the setting takes: read by the field's own reader (PEM or
 * DER made PEM); refused with the reason otherwise.
 */
export const readSettingFile = (kind: string, key: string, path: string) =>
  call<string>("read_setting_file", { kind, key, path });

export type { LinkIdsReport } from "./bindings/LinkIdsReport";
export type { LinkedContact } from "./bindings/LinkedContact";

/** Looks up platform ids by mobile through an app channel; `dryRun` false stores those found. */
export const linkIds = (channel: string, dryRun: boolean) => call<LinkIdsReport>("link_ids", { channel, dryRun });
