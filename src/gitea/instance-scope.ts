import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<string>();

/**
 * Runs `fn` for the Gitea/Forgejo instance named `instance` (`undefined`: the first instance):
 * every call of a routed client (`InstanceRegistry.client`) made by `fn` and the work it starts
 * (promises, timers) goes to that instance, with its token. The entry points set it — a delivery
 * by the path it came to, a job and an outbox item by their issue key, the reconciler per instance.
 */
export function inInstance<T>(instance: string | undefined, fn: () => T): T {
  return instance === undefined ? scope.exit(fn) : scope.run(instance, fn);
}

/** The instance the current work is for (see {@link inInstance}); `undefined` for the first. */
export function currentInstance(): string | undefined {
  return scope.getStore();
}
