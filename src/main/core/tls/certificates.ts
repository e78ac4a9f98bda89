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
    private readonly options: LocalCaOptions,
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
    const next = this.changing.then(async () => {
      this.current = await openLocalCa({ ...this.options, domains });
      return this.current;
    });
    this.changing = next.catch(() => undefined);
    return next;
  }
}
