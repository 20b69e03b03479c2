// npm start: the desktop app where Electron's binary is installed; otherwise (offline machines,
// CI) it says so and opens web mode, the same app served to the browser on 127.0.0.1.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'node_modules', 'electron');
const pathTxt = path.join(dir, 'path.txt');
const exe = fs.existsSync(pathTxt) ? path.join(dir, 'dist', fs.readFileSync(pathTxt, 'utf8')) : null;
const args = process.argv.slice(2);

if (exe && fs.existsSync(exe)) {
  const child = spawn(exe, [root, ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(
    "Nib: Electron's binary is not installed on this machine (its download was skipped or blocked; `npx install-electron` fetches it where the network allows). Starting web mode instead: open the address below in your browser.",
  );
  const child = spawn(process.execPath, [path.join(root, 'bin', 'nib.js'), 'serve', ...args], { stdio: 'inherit' });
  const stop = () => child.kill('SIGINT');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  child.on('exit', (code) => process.exit(code ?? 0));
}
