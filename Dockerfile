# kugetsu container image: non-root, with git, ripgrep, bubblewrap and the opencode CLI, and a HEALTHCHECK.
# It cannot be built on kugetsu's development machines (they have no Docker engine), so keep it
# plain; build with `docker build -t kugetsu .` and run with the env vars from README "Configuration".
# Every agent turn runs in a bubblewrap sandbox, which needs user namespaces inside the container:
#   docker run --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#              --security-opt systempaths=unconfined …
# (README "Security model" says what each flag is for; `kugetsu doctor` checks the sandbox.)

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles its native module at install time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY fixtures ./fixtures
# `npm ci` installs exactly package-lock.json, builds the native modules and, through `prepare`, dist/.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ripgrep bubblewrap ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*
# The default agent. Its binary ships inside the npm package (no download at install).
RUN npm install -g --no-audit --no-fund opencode-ai@1.18.33
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY webhooks ./webhooks
RUN mkdir -p /data && chown node:node /data
USER node
# opencode's configuration directory: shown read-only to the sandboxed agent, so opencode's first
# run (which writes a .gitignore and its plugin package there) happens now. Mount your
# opencode.json at /home/node/.config/opencode/opencode.json, or set OPENCODE_CONFIG to a file.
ENV XDG_CONFIG_HOME=/home/node/.config
RUN mkdir -p /home/node/.config/opencode && (opencode debug config >/dev/null 2>&1 || true)
ENV NODE_ENV=production \
    PORT=8080 \
    KUGETSU_STATE_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/kugetsu.js", "serve"]
