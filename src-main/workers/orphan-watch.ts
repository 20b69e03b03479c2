import { Worker } from 'node:worker_threads';

/**
 * Ends an ML host whose parent (the app, web mode's server, a `nib` command) has gone, even while
 * its main thread is busy. A host learns of its parent's end from its IPC channel or a signal, but
 * only between calls: a long generation, an evaluation, or a call stuck in the operating system
 * (opening a FIFO with no writer) would run on for seconds or forever, at full CPU and holding the
 * data folder open, after Ctrl+C had ended `nib`. So a worker thread, which runs whatever the main
 * thread is doing, checks twice a second whether the parent process is still the one that started
 * this host. Once it is not, the host is ended at once — unless a training or learning call runs,
 * which stops by itself at its next step and writes its checkpoint (ml-host-child.ts): that gets
 * `graceMs`, then it is ended too (a checkpoint is written in one SQLite transaction, so even an
 * end during one loses nothing but the steps since the last).
 */
export function watchForOrphaning(graceMs = 30_000): { setSafeStopping(on: boolean): void } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `
    const { workerData } = require('node:worker_threads');
    const flag = new Int32Array(workerData.buffer);
    const parent = process.ppid;
    let goneAt = 0;
    setInterval(() => {
      if (process.ppid === parent) return;
      goneAt ||= Date.now();
      if (Atomics.load(flag, 0) === 0 || Date.now() - goneAt > workerData.graceMs) process.kill(process.pid, 'SIGKILL');
    }, 500);
    `,
    { eval: true, workerData: { buffer: flag.buffer, graceMs } },
  );
  // The watch never keeps the host alive by itself.
  worker.unref();
  return { setSafeStopping: (on) => Atomics.store(flag, 0, on ? 1 : 0) };
}
