/**
 * Puts `text` on the clipboard. The async Clipboard API first; the desktop
 * shell grants the page no web permission (security-policy.ts), so where it
 * is refused the editing command copies a selected, hidden text area, which
 * needs none. `near` is where that area goes: inside an open modal <dialog>
 * everything outside is inert and could not be selected.
 */
export async function copyText(text: string, near: HTMLElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.readOnly = true;
    area.className = 'sr-only';
    near.after(area);
    area.select();
    // Deprecated, but the one copy that works without the clipboard permission.
    const copied = document.execCommand('copy');
    area.remove();
    near.focus();
    return copied;
  }
}

const revokeAfterMs = 40_000;

/**
 * Saves `text` as a file through the browser's own download (a Blob link),
 * which works the same in the desktop window and in a browser tab on `serve`.
 */
export function saveFile(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  // Revoked later, not at once: a browser may still be reading the Blob when click() returns (FileSaver.js waits 40 s too).
  setTimeout(() => URL.revokeObjectURL(url), revokeAfterMs);
}
