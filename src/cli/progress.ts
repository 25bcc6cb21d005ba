/** A one-line progress bar for stderr; a no-op unless stderr is a terminal. */
export function progressBar(write: (s: string) => void, enabled: boolean, label: string): { update(done: number, total: number): void; finish(): void } {
  let last = -1;
  let drawn = false;
  return {
    update(done, total) {
      if (!enabled || total === 0) return;
      const pct = Math.floor((done / total) * 100);
      if (pct === last && done !== total) return;
      last = pct;
      const width = 30;
      const filled = Math.round((done / total) * width);
      write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
      drawn = true;
    },
    finish() {
      if (drawn) write('\n');
    },
  };
}
