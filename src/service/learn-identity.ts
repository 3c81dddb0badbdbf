import type { Instance } from '../gitea/instance-registry.js';
import type { Logger } from '../log/logger.js';

/**
 * Reads the bot account of `instance` (`GET /user`) and logs it; on failure logs a warning and
 * tries again after 1 s, 2 s, 4 s… (at most 60 s apart) until it succeeds or `stopped()` is true.
 * Each retry's timer (`unref()`'d) is handed to `keep` so shutdown can clear it. `several`: log
 * the instance's name too. Never rejects.
 */
export async function learnIdentity(
  instance: Instance,
  deps: { logger: Logger; several: boolean; stopped: () => boolean; keep: (timer: NodeJS.Timeout) => void },
  attempt = 0,
): Promise<void> {
  const named = deps.several ? { instance: instance.name } : {};
  try {
    const me = await instance.identity.resolve();
    deps.logger.info({ bot: me.login, id: me.id, ...named }, instance.kind === 'forgejo' ? 'connected to Forgejo' : 'connected to Gitea');
  } catch (err) {
    if (deps.stopped()) return;
    const delay = Math.min(60_000, 1000 * 2 ** attempt);
    deps.logger.warn({ err, retryInMs: delay, ...named }, 'cannot read the bot account from Gitea (GET /user); comments with the kugetsu marker are still ignored');
    const t = setTimeout(() => void learnIdentity(instance, deps, attempt + 1), delay);
    t.unref();
    deps.keep(t);
  }
}
