import type { Hono } from 'hono';
import { signInApps } from '../config/sign-in-apps.js';
import { createGiteaClient } from '../gitea/create-gitea-client.js';
import type { ControlCommands } from '../pipeline/control-commands.js';
import type { CancelOutcome } from '../pipeline/job-machine.js';
import type { Job } from '../domain/job.js';
import { createWebApp } from '../web/create-web-app.js';
import { createDashboardData } from '../web/dashboard-data.js';
import { createPageRoutes } from '../web/pages/page-routes.js';
import { readPrompt } from '../web/read-prompt.js';
import { dashboardRetry } from '../web/retry-request.js';
import { sessionKey } from '../web/session-key.js';
import { ViewerAccess } from '../web/viewer-access.js';
import type { ServiceCore } from './service-core.js';

/**
 * Mounts the dashboard, its API and its event stream on `app` (the ingress's port; a `kugetsu
 * worker` serves none): each repository's role check goes to its own instance with that
 * instance's token; sign-in with each instance that has an OAuth2 application, through the one
 * redirect URI, a person's token going to their own instance only.
 */
export function mountDashboard(app: Hono, core: ServiceCore, parts: { cancel: (job: Job) => Promise<CancelOutcome>; control: ControlCommands; adminToken: string }): void {
  const { config, instances, store, authorizer, settingsFor } = core;
  const access = new ViewerAccess({
    role: (repo, login) => core.inRepoInstance(repo, () => authorizer.role(repo, login)),
    authorize: (repo, actor) => core.inRepoInstance(repo, () => authorizer.check(repo, actor, settingsFor(repo.owner, repo.name).minRole)),
  });
  const data = createDashboardData({
    reader: store,
    redact: core.redact,
    access,
    cancel: parts.cancel,
    retry: (job, sender) => {
      const { request, source } = dashboardRetry(job, sender);
      return core.inRepoInstance(job.repo, () => parts.control.handle({ action: 'retry', request }, source));
    },
    prompt: (job) => readPrompt(config.stateDir, job),
    ...(instances.several ? { firstHost: instances.first.host } : {}),
  });
  const publicUrls = config.web?.signIn ?? config.web?.oauth;
  const signIn = signInApps(config, core.instanceSettings).map((app) => ({
    ...app,
    userOf: (token: string) => createGiteaClient({ baseUrl: app.url, token }).currentUser(),
  }));
  const web = core.overrides.web;
  app.route(
    '/',
    createWebApp({
      data,
      engine: store,
      redact: core.redact,
      logger: core.logger,
      adminToken: parts.adminToken,
      sessionKey: sessionKey(config.stateDir, config.web?.sessionSecret),
      ...(publicUrls && signIn.length > 0
        ? {
            oauth: {
              instances: signIn,
              withoutSignIn: instances.all.filter((i) => !signIn.some((a) => a.name === i.name)).map((i) => i.name),
              redirectUrl: publicUrls.redirectUrl,
              publicUrl: publicUrls.publicUrl,
              sessionTtlMs: config.web?.sessionTtlMs ?? 12 * 3600 * 1000,
            },
          }
        : {}),
      pages: web?.pages ?? createPageRoutes({ data, oauth: signIn.length > 0, ...(instances.several ? { signIn: signIn.map((i) => ({ name: i.name, host: i.host })) } : {}) }),
      ...(web?.events ? { events: web.events } : {}),
    }),
  );
}
