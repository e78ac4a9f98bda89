import { openLocalCa, type LocalCa, type LocalCaOptions } from './local-ca';
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
    return this.reopen(domains);
  }

  /**
   * Opens the CA again from its folder after a leaf was issued, re-issued or
   * removed by a command: the HTTPS listener holds its certificates per CA
   * object, so at its next handshake it reads them from the files again and
   * serves what the user just made (or issues a removed one anew), without a
   * restart.
   */
  async reload(): Promise<LocalCa> {
    return this.reopen(this.options.domains ?? []);
  }

  private async reopen(domains: readonly string[]): Promise<LocalCa> {
    const next = this.changing.then(async () => {
      this.current = await openLocalCa({ ...this.options, domains });
      this.options = { ...this.options, domains };
      return this.current;
    });
    this.changing = next.catch(() => undefined);
    return next;
  }
}
