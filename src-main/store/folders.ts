import fs from 'node:fs';
import path from 'node:path';

/** Why a folder cannot be made, in words a front end can show after "cannot use FOLDER: ". */
export class FolderError extends Error {
  constructor(readonly why: string) {
    super(why);
    this.name = 'FolderError';
  }
}

/**
 * Makes a folder and the folders above it, after checking where it would go: Node's recursive
 * mkdir spins for ever on a path under /proc (it never finds a parent it can create in), and says
 * only EEXIST or ENOTDIR where a file stands in the way. So the nearest part of the path that
 * exists is found first: a file there, or a folder of the kernel's (/proc, /sys), is refused with
 * its name.
 */
export function makeFolder(dir: string, mode?: number): void {
  const full = path.resolve(dir);
  let existing = full;
  let stat: fs.Stats | undefined;
  for (;;) {
    try {
      stat = fs.statSync(existing);
      break;
    } catch {
      const up = path.dirname(existing);
      if (up === existing) break;
      existing = up;
    }
  }
  if (stat && !stat.isDirectory())
    throw new FolderError(existing === full ? 'it is a file, not a folder' : `${existing} is a file, not a folder`);
  if (process.platform === 'linux' && /^\/(proc|sys)(\/|$)/.test(full))
    throw new FolderError(`it is inside /${full.split('/')[1]}, the kernel's own files, where nothing can be written`);
  fs.mkdirSync(full, { recursive: true, ...(mode !== undefined && { mode }) });
}
