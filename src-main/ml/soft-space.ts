/**
 * A suggestion may end with the space after its last word (ml/suggest.ts `trailingSpace`), so that
 * after Tab the cursor stands at the next word. If the writer's next key is a closing mark or a
 * line break instead, the editor takes the space back: "cat" + Tab + "," gives "cat,", not
 * "cat ,". A space typed out of habit replaces it (one space, not two). Opening quotes and dashes
 * keep it (a space before them is what the writer wants), as does any other key.
 *
 * One rule for both sides: the editor applies it (src-renderer/lib/ghost-state.ts), and the
 * simulated writer (ml/typing-sim.ts) never takes a suggestion's space with Tab where the text
 * goes on with such a key, since the editor would take the space back there.
 */
export function takesSpaceBack(typed: string): boolean {
  return /^[ ,.;:!?)\]}”’…\n]/.test(typed);
}
