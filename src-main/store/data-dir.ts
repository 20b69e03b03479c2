import os from 'node:os';
import path from 'node:path';

/**
 * The folder the desktop app keeps its data in (Electron's `userData` for an app named Nib),
 * so the CLI and the app share one library by default. `NIB_DATA_DIR` overrides.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NIB_DATA_DIR) return path.resolve(env.NIB_DATA_DIR);
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Nib');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Nib');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Nib');
  }
}
