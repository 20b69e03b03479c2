/**
 * F6 / Shift+F6: move focus to the next (previous) region of the window — the views bar, the
 * document bar, the editor, the status bar, or the page of another view — as desktop apps and
 * browsers do. Regions are the elements marked `data-region`, in document order; focus lands on
 * the region's first control (the editor's text for the editor).
 */
const FOCUSABLE =
  '.cm-content, button:not([disabled]), select:not([disabled]), input:not([disabled]), textarea:not([disabled]), a[href], [tabindex]:not([tabindex="-1"])';

export function cycleRegion(backwards = false): boolean {
  const regions = [...document.querySelectorAll<HTMLElement>('[data-region]')];
  if (!regions.length) return false;
  const active = document.activeElement;
  const current = regions.findIndex((r) => active && r.contains(active));
  for (let k = 1; k <= regions.length; k++) {
    const i =
      ((((current < 0 ? (backwards ? 0 : -1) : current) + (backwards ? -k : k)) % regions.length) + regions.length) %
      regions.length;
    const r = regions[i];
    const target = r.matches(FOCUSABLE) ? r : r.querySelector<HTMLElement>(FOCUSABLE);
    if (target) {
      target.focus();
      return true;
    }
  }
  return false;
}
