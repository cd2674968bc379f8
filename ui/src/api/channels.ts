import type { Channel } from "./bindings/Channel";
import type { SandboxMessage } from "./bindings/SandboxMessage";
import { call } from "./invoke";

export const listChannels = () => call<Channel[]>("list_channels");

/** Newest first. */
export const listSandboxMessages = (limit: number) =>
  call<SandboxMessage[]>("list_sandbox_messages", { limit });
