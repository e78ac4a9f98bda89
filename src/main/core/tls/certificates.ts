import { newHandle, openLocalCa, type LocalCa, type LocalCaOptions } from './local-ca';
import { permittedDomains } from './name-constraints';

/**
 * The core's hold on the local CA: opened at start, replaced when the user's
 * permitted domains change (a new intermediate), read by the HTTPS listener
 * through `ca` at each new certificate it needs, so a change applies without
 * a restart.
 */
export class Certificates {
  /** Domain changes one after another: two at once would each re-issue from what the other is replacing. */
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
   * Re-opens the CA permitting the defaults plus `domains` (VALIDATION_FAILED
   * for one that is not a domain of two labels or more): the intermediate is
   * re-issued with the same key, so leaves issued before still chain. The
   * current CA stays in use until the new one is ready.
   */
  async setDomains(domains: readonly string[]): Promise<LocalCa> {
    permittedDomains(domains);
    return this.serially(async () => {
      const ca = await openLocalCa({ ...this.options, domains });
      this.options = { ...this.options, domains };
      return ca;
    });
  }

  /**
   * After a command issued, re-issued or removed a leaf: the HTTPS listener
   * holds its certificates per CA handle, so with a new handle it reads them
   * from the files again at its next handshake and serves what the user just
   * made (or issues a removed one anew), without a restart.
   */
  async reload(): Promise<LocalCa> {
    return this.serially(() => newHandle(this.current));
  }

  /** Replaces `current` with what `next` makes, after any change still under way. */
  private async serially(next: () => LocalCa | Promise<LocalCa>): Promise<LocalCa> {
    const done = this.changing.then(async () => {
      this.current = await next();
      return this.current;
    });
    this.changing = done.catch(() => undefined);
    return done;
  }
}
