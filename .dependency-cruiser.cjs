/**
 * The import rules of kugetsu's source tree, checked by `npm test` (`npm run depcheck`):
 * dependency-cruiser 16 (https://github.com/sverweij/dependency-cruiser), with TypeScript's own
 * parser, so type-only imports count too.
 *
 * The pipeline, and the direction imports point in:
 *   ingress → events → triggers → pipeline (admission, job runner) → engine → worker →
 *   workspace / agents → report → gitea;  domain at the bottom, imported by everyone.
 * The composition roots (src/service.ts with src/service/, src/cli, src/demo, src/bench) wire; the tools (src/sandbox,
 * src/demo, src/bench) are never imported by the product.
 */
const tools = '^src/(sandbox|demo|bench)/';
const roots = '^src/(service\\.ts|service/|cli/|demo/|bench/|sandbox/)';

/** A library only the folder `owner` may import. */
const only = (library, owner, why) => ({
  name: `only-${owner.replace(/[^a-z]/g, '')}-imports-${library.replace(/[^a-z]/g, '')}`,
  comment: why,
  severity: 'error',
  from: { path: '^src/', pathNot: `^src/(${owner})` },
  to: { path: `node_modules/${library}/` },
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No file-level import cycles: a cycle means two files that cannot be understood apart.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-imports-nothing-of-ours',
      comment: 'domain/ holds the words as types (Job, Delivery, IssueKey…): it imports nothing else of kugetsu.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'tools-are-not-product',
      comment: 'The fake Gitea, the scripted model, the demo and the benchmark are never imported by the product.',
      severity: 'error',
      from: { path: '^src/', pathNot: roots },
      to: { path: tools },
    },
    {
      name: 'nothing-imports-the-entry-points',
      comment: 'Nothing imports ingress/, admin/ (the admin API), web/ (the dashboard and its API), cli/ or the composition root: they are the top of the pipeline.',
      severity: 'error',
      from: { path: '^src/', pathNot: `${roots}|^src/(ingress|admin|web)/` },
      to: { path: '^src/(ingress/|admin/|web/|cli/|service\\.ts|service/)' },
    },
    {
      name: 'events-read-only-domain',
      comment: 'events/ turns a delivery into an event: it knows the domain only.',
      severity: 'error',
      from: { path: '^src/events/' },
      to: { path: '^src/', pathNot: '^src/(events|domain)/' },
    },
    {
      name: 'gitea-client-is-a-leaf',
      comment: "gitea/ is the narrow client over Gitea's API: it imports only the domain.",
      severity: 'error',
      from: { path: '^src/gitea/' },
      to: { path: '^src/', pathNot: '^src/(gitea|domain)/' },
    },
    {
      name: 'lower-stages-do-not-import-admission',
      comment: 'The engine, the worker, the workspace, the agents, the report and Gitea do not reach back into admission or routing.',
      severity: 'error',
      from: { path: '^src/(engine|store|engine-postgres|worker|workspace|agents|report|gitea)/' },
      to: { path: '^src/(pipeline|triggers|events)/' },
    },
    {
      name: 'metrics-are-wired-by-the-root',
      comment: 'metrics/ (prom-client) observes every layer through small observer callbacks: only the composition root imports it; the layers never see prom-client.',
      severity: 'error',
      from: { path: '^src/', pathNot: `${roots}|^src/metrics/` },
      to: { path: '^src/metrics/' },
    },
    only('prom-client', 'metrics/', 'metrics/ is the only importer of prom-client (the layers get observer callbacks).'),
    only('gitea-js', 'gitea/', 'gitea/ is the only importer of gitea-js (its traps are handled there once).'),
    only('simple-git', 'workspace/', 'workspace/ is the only importer of simple-git.'),
    only('execa', 'agents/', 'agents/ is the only importer of execa: processes are started and killed in one place.'),
    only('hono', 'ingress/|admin/|web/|sandbox/|service\\.ts|service/', 'Only the HTTP doors (the webhook, the admin API, the dashboard) and the fake Gitea import Hono.'),
    only('arctic', 'web/', 'web/ is the only importer of arctic (sign-in with Gitea).'),
    only('@hono/node-server', 'ingress/|sandbox/|bench/|demo/', 'Only the door starts HTTP servers (and the tools).'),
    only('better-sqlite3', 'store/|cli/', 'The SQLite engine (and the CLI reading its file) are the only importers of better-sqlite3.'),
    only('pg', 'engine-postgres/|bench/', 'The PostgreSQL engine is the only importer of pg (and the benchmark, for its throwaway databases).'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
