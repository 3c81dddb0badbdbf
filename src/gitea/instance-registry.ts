import { parseIssueKey } from '../domain/issue-key.js';
import type { RepoRef } from '../domain/repo-ref.js';
import { BotIdentity } from './bot-identity.js';
import { currentInstance, inInstance } from './instance-scope.js';
import type { GiteaClient } from './types.js';

/** One Gitea or Forgejo server kugetsu serves, with its own client (its own token) and bot account. */
export interface Instance {
  /** `[a-z0-9-]` name: `/webhooks/<name>`, `--instance <name>`. */
  name: string;
  /** Lowercase `host[:port]` of `url`: what issue keys are qualified with when several are configured. */
  host: string;
  /** Base URL, e.g. `https://codeberg.org`. */
  url: string;
  kind: 'gitea' | 'forgejo';
  /** The client of this instance, with this instance's token only. */
  gitea: GiteaClient;
  /** The bot account on this instance (`GET /user` with its token). */
  identity: BotIdentity;
}

/**
 * The configured instances, first one first. The first is the one of `/webhooks/gitea`, of issue
 * keys without a host and of every job a one-instance kugetsu stored (its `RepoRef.instance` is
 * absent); repositories of the others carry `instance` (their name). With several instances every
 * repository carries `host`, so issue keys are qualified (`host/owner/repo#n`).
 */
export class InstanceRegistry {
  readonly all: readonly Instance[];
  private readonly routed: GiteaClient;

  /** @throws {RangeError} for an empty list. */
  constructor(instances: ReadonlyArray<Omit<Instance, 'identity'> & { identity?: BotIdentity }>) {
    if (instances.length === 0) throw new RangeError('at least one instance is needed');
    this.all = instances.map((i) => ({ ...i, identity: i.identity ?? new BotIdentity(i.gitea) }));
    this.routed = this.several ? routedClient(this) : this.first.gitea;
  }

  get first(): Instance {
    return this.all[0]!;
  }

  /** True when more than one instance is configured (issue keys are then qualified by host). */
  get several(): boolean {
    return this.all.length > 1;
  }

  /** The instance called `name` (`undefined`: the first), or `undefined` for an unknown name. */
  byName(name: string | undefined): Instance | undefined {
    return name === undefined ? this.first : this.all.find((i) => i.name === name);
  }

  /** The instance a repository lives on (absent or unknown `instance`: the first). */
  of(repo: Pick<RepoRef, 'instance'> | undefined): Instance {
    return this.byName(repo?.instance) ?? this.first;
  }

  /** The instance of an issue key (by its host; an unqualified key or an unknown host: the first). */
  ofIssueKey(key: string): Instance {
    const host = parseIssueKey(key)?.host;
    return (host && this.all.find((i) => i.host === host)) || this.first;
  }

  /** The instance the current work runs for (see `inInstance`). */
  current(): Instance {
    return this.byName(currentInstance()) ?? this.first;
  }

  /**
   * `repo` marked as living on `instance`: `instance` set for all but the first, `host` set when
   * several instances are configured (both removed otherwise).
   */
  tag<R extends RepoRef>(repo: R, instance: Instance): R {
    const { instance: _i, host: _h, ...rest } = repo;
    return {
      ...rest,
      ...(instance !== this.first ? { instance: instance.name } : {}),
      ...(this.several ? { host: instance.host } : {}),
    } as R;
  }

  /** Runs `fn` for `instance` (its routed client calls and bot identity). */
  run<T>(instance: Instance, fn: () => T): T {
    return inInstance(instance === this.first ? undefined : instance.name, fn);
  }

  /**
   * A client for every stage: with one instance that instance's own client; with several, each
   * call goes to the instance of the current work (`inInstance`), and the repositories it returns
   * are tagged with that instance.
   */
  client(): GiteaClient {
    return this.routed;
  }
}

/** A {@link GiteaClient} whose every call goes to `registry.current()`. */
function routedClient(registry: InstanceRegistry): GiteaClient {
  return new Proxy({} as GiteaClient, {
    get(_target, method: string | symbol) {
      if (typeof method === 'symbol' || method === 'then') return undefined;
      return async (...args: unknown[]) => {
        const instance = registry.current();
        const fn = (instance.gitea as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method];
        if (typeof fn !== 'function') throw new TypeError(`GiteaClient has no method ${method}`);
        const result = await fn.apply(instance.gitea, args);
        return method === 'getRepository' ? registry.tag(result as RepoRef, instance) : result;
      };
    },
  });
}
