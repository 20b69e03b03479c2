import type { BrowserWindowConstructorOptions } from 'electron';

/** Where the renderer is served from inside the app: a custom scheme, never a dev server. */
export const APP_ORIGIN = 'nib://app';

/** The strict Content-Security-Policy every renderer response carries. */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // CodeMirror adds style elements at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The main window's options. Kept apart from main.ts so a test can check every security setting
 * without Electron's binary: context isolation, the sandbox and web security on, Node integration
 * off everywhere, and only our preload.
 */
export function mainWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Nib',
    show: false,
    backgroundColor: '#fbfaf7',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: true,
    },
  };
}
