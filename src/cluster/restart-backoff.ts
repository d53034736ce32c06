/**
 * How long the primary waits before restarting a node that died: a node that keeps dying soon after its start is
 * restarted less and less often (0.5 s, 1 s, 2 s, ... up to 30 s), so a node that cannot start (a full disk, a broken
 * store) does not spin the machine; one that ran a while before dying is restarted at once again.
 */
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
/** A node that ran this long before dying counts as healthy: its next death starts the schedule again. */
const STABLE_RUN_MS = 60_000;

export class RestartBackoff {
  #quickDeaths = 0;

  /** The delay before the next start, given how long the node ran before this death. */
  nextDelayMs(ranMs: number): number {
    if (ranMs >= STABLE_RUN_MS) this.#quickDeaths = 0;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.#quickDeaths);
    this.#quickDeaths = Math.min(this.#quickDeaths + 1, 16);
    return delay;
  }
}
