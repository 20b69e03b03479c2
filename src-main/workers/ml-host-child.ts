/**
 * The ML host process: loads tfjs once, then serves training, generation and suggestion calls for
 * one data folder. Runs as a child process (CLI, web mode, tests) or an Electron utility process.
 */
import os from 'node:os';
import { toWire } from '../api/errors.ts';
import { initBackend } from '../ml/backend.ts';
import { openService } from './ml-service.ts';
import { watchForOrphaning } from './orphan-watch.ts';
import type { HostReply, HostRequest } from './protocol.ts';

// In Electron's utility process messages travel over process.parentPort; under Node, over IPC.
interface ParentPort {
  postMessage(m: unknown): void;
  on(ev: 'message', fn: (e: { data: unknown }) => void): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const send = (m: HostReply) =>
  new Promise<void>((resolve) => {
    if (parentPort) {
      parentPort.postMessage(m);
      return resolve();
    }
    if (!process.connected || !process.send) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });
const onMessage = (fn: (m: unknown) => void) =>
  parentPort ? parentPort.on('message', (e) => fn(e.data)) : process.on('message', fn);
const cancelled = new Set<number>();
const running = new Set<number>();
/** The calls that stop by themselves at a safe point when asked (and checkpoint): training, learning. */
const stopsSafely = new Set<number>();
const orphanWatch = watchForOrphaning();
let stopping = false;

function stopSoon(): void {
  stopping = true;
  if (running.size === 0) process.exit(0);
}
// Ctrl+C and a closed terminal (SIGHUP) reach the whole process group; SIGTERM comes from the
// parent or the OS. Either way: let running calls reach a safe point (training writes its
// checkpoint), then leave.
process.on('SIGINT', stopSoon);
process.on('SIGTERM', stopSoon);
process.on('SIGHUP', stopSoon);
process.on('disconnect', stopSoon);

// A lower priority, set before any thread exists (the kernel's pool, libuv's) so all inherit it.
if (process.env.NIB_NICE) {
  try {
    os.setPriority(Math.min(19, Math.max(0, Number(process.env.NIB_NICE))));
  } catch {
    // Not permitted here: run at the normal priority.
  }
}

try {
  const backend = await initBackend();
  const service = openService(process.env.NIB_DATA_DIR ?? '', backend);
  onMessage(async (raw) => {
    const m = raw as HostRequest;
    if (m.kind === 'cancel') {
      cancelled.add(m.id);
      return;
    }
    running.add(m.id);
    if (m.method === 'train' || m.method === 'learn') stopsSafely.add(m.id);
    orphanWatch.setSafeStopping(stopsSafely.size > 0);
    try {
      const result = await service.call(m.method, m.params, {
        emit: (event) => void send({ kind: 'event', id: m.id, event }),
        isCancelled: () => stopping || cancelled.has(m.id),
      });
      await send({ kind: 'result', id: m.id, result });
    } catch (e) {
      await send({ kind: 'error', id: m.id, error: toWire(e) });
    } finally {
      running.delete(m.id);
      cancelled.delete(m.id);
      stopsSafely.delete(m.id);
      orphanWatch.setSafeStopping(stopsSafely.size > 0);
      if (stopping && running.size === 0) process.exit(0);
    }
  });
  await send({ kind: 'ready', backend });
} catch (e) {
  await send({ kind: 'fatal', error: toWire(e) });
  process.exit(1);
}
