/**
 * A line for the second Ctrl-C, which leaves at once without the command's
 * own cleanup: the command that runs sets what the user should know then
 * (for migrate, that the state file is safe to resume from).
 */
let note: string | undefined;

export function setInterruptNote(text: string | undefined): void {
  note = text;
}

export function interruptNote(): string | undefined {
  return note;
}
