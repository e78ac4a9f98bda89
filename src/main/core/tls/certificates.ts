import { newHandle, openLocalCa, type LocalCa, type LocalCaOptions } from './local-ca';
import { normalizeName, permittedDomains } from './name-constraints';

/** Where the user's own domains are kept for the next start (the app settings). */
export interface DomainStore {
  get(): string[];
  set(domains: readonly string[]): void;
}

/** What a domain change did: the stored list before and after (normalised, sorted); equal when there was nothing to change. */
export interface DomainChange {
  before: string[];
  after: string[];
}

/**
 * The core's hold on the local CA: opened at start, replaced when the user's
 * permitted domains change (a new intermediate), read by the HTTPS listener
 * through `ca` at each new certificate it needs, so a change applies without
 * a restart.
 */
export class Certificates {
  /** Changes one after another: two at once would each re-issue from, and store over, what the other is replacing. */
  private changing: Promise<unknown> = Promise.resolve();

  private constructor(
    private current: LocalCa,
    /** Its `domains` are the user's own, as last opened with. */
    private options: LocalCaOptions,
  ) {}

  static async open(options: LocalCaOptions): Promise<Certificates> {
    return new Certificates(await openLocalCa(options), options);
  }

  get ca(): LocalCa {
    return this.current;
  }

  /**
   * Sets the user's domains to what `edit` makes of the stored list. The list
   * is read inside the serialised section, so a change that ran meanwhile is
   * edited, not overwritten (two `cert domains add` at once keep both), and
   * the list to go back to is the one really replaced. The CA is re-opened
   * permitting the defaults plus the result (VALIDATION_FAILED, with its index
   * in the edited list, for one that is not a domain of two labels or more):
   * the intermediate is re-issued with the same key, so leaves issued before
   * still chain; the current CA stays in use until the new one is ready. Then
   * the list is stored; when that fails the CA goes back to the list before.
   */
  async changeDomains(edit: (before: readonly string[]) => readonly string[], store: DomainStore): Promise<DomainChange> {
    return this.serially(async () => {
      const before = store.get();
      const raw = edit(before);
      permittedDomains(raw);
      const after = [...new Set(raw.map(normalizeName))].sort();
      // Stored even when the same (a command accepted is a command recorded), but nothing to re-issue then.
      if (after.join() === [...before].sort().join()) {
        store.set(after);
        return { before, after };
      }
      this.current = await openLocalCa({ ...this.options, domains: after });
      try {
        store.set(after);
      } catch (error) {
        this.current = await openLocalCa({ ...this.options, domains: before });
        throw error;
      }
      this.options = { ...this.options, domains: after };
      return { before, after };
    });
  }

  /**
   * After a command issued, re-issued or removed a leaf: the HTTPS listener
   * holds its certificates per CA handle, so with a new handle it reads them
   * from the files again at its next handshake and serves what the user just
   * made (or issues a removed one anew), without a restart.
   */
  async reload(): Promise<LocalCa> {
    return this.serially(() => {
      this.current = newHandle(this.current);
      return this.current;
    });
  }

  /** Runs `work` after any change still under way. */
  private async serially<T>(work: () => T | Promise<T>): Promise<T> {
    const done = this.changing.then(work);
    this.changing = done.catch(() => undefined);
    return done;
  }
}
