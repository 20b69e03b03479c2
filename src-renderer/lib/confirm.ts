/**
 * Questions before an action that cannot be taken back (delete a corpus, stop a training run for
 * good), asked in the app's own dialog (views/ConfirmDialog.svelte, mounted once in App): the
 * browser's confirm() is a system box in the page's name ("127.0.0.1 says"), blocks the page and
 * cannot say which button is the dangerous one.
 */
export interface Question {
  title: string;
  detail?: string;
  /** The button that does it, named for what it does ("Delete", "Stop training"). */
  confirm: string;
  cancel?: string;
  /** Drawn as a destructive action; the focus starts on Cancel, so Enter alone never destroys. */
  danger?: boolean;
}

type Asker = (q: Question) => Promise<boolean>;
let asker: Asker | null = null;

export function setAsker(a: Asker | null): void {
  asker = a;
}

/** True when the writer confirms. */
export function ask(q: Question): Promise<boolean> {
  if (asker) return asker(q);
  return Promise.resolve(window.confirm(q.detail ? `${q.title}\n\n${q.detail}` : q.title));
}
