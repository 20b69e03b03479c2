/**
 * A Svelte action: focuses a field as it appears and selects its text, so a rename opened from a
 * button (by click or keyboard) is typed into at once. The `autofocus` attribute does not do this
 * for fields added after the page has loaded.
 */
export function focusSelect(node: HTMLInputElement): void {
  queueMicrotask(() => {
    node.focus();
    node.select();
  });
}
