// Runs src-main/app/main.ts against the stand-in `electron` module in this process, then exits
// with the code main.ts gave app.exit (test/electron-main.test.ts: the packaged `nib` command).
import { register } from 'node:module';

register('./electron-loader.mjs', import.meta.url);
const { record } = await import('./electron.ts');
await import('../../src-main/app/main.ts');
const timer = setInterval(() => {
  if (record.exitCode !== null) {
    clearInterval(timer);
    process.exit(record.exitCode);
  }
}, 20);
