import type { WireError } from '../api/errors.ts';

/** Parent → ML host. */
export type HostRequest =
  { kind: 'call'; id: number; method: string; params: unknown } | { kind: 'cancel'; id: number };

/** ML host → parent. */
export type HostReply =
  | { kind: 'ready'; backend: unknown }
  | { kind: 'event'; id: number; event: unknown }
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; error: WireError }
  | { kind: 'fatal'; error: WireError };

/**
 * What the host needs of a child process: Node's `child_process.fork` in plain Node, Electron's
 * `utilityProcess.fork` in the app. Both deliver structured-cloned messages.
 */
export interface ChildHandle {
  send(msg: HostRequest): void;
  onMessage(fn: (msg: HostReply) => void): void;
  onExit(fn: (code: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
  readonly pid: number | undefined;
}

export type ChildLauncher = (modulePath: string, env: Record<string, string>) => ChildHandle;
