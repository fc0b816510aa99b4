# syntax=docker/dockerfile:1.7
#
# One image per LLMLab service, all from this file:
#   docker build --build-arg SERVICE=auth -t llmlab/auth .
# SERVICE is one of: gateway auth ingestion provider-sync recommendations alerts audit proxy.
#
# Every image carries the whole compiled tree and every migration folder, so any of them can also run the
# migration job: `node dist/libs/persistence/src/migrate.main.js` (docker-compose, the k8s Job and the Helm hook
# use the auth image for it).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------------------------
# build: full dependency tree, Prisma clients, TypeScript compilation. Independent of SERVICE on purpose, so the
# seven images share this stage from the build cache instead of compiling the monorepo seven times.
# ---------------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
# The npm that wrote the lock file: its `allowScripts` policy in package.json decides which install scripts may run,
# whereas npm 10 (bundled with Node 20) would run every script, including downloads of engine binaries the project
# does not use.
ARG NPM_VERSION=11.19.1
RUN npm install --global --no-audit --no-fund "npm@${NPM_VERSION}"
WORKDIR /app
ENV CI=true \
    NPM_CONFIG_UPDATE_NOTIFIER=false

COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

COPY . .
# prisma:generate points PRISMA_SCHEMA_ENGINE_BINARY at a dummy path itself: generating a client needs no engine.
RUN npm run prisma:generate \
 && npm run build \
 && test -f dist/libs/persistence/src/migrate.main.js

# Only what runs in production goes on: dev dependencies pruned from the tree that was just built (no second
# install, so native modules are the ones compiled above), the compiled code, and the SQL migrations, which the
# runner discovers from the repository root, marked by nest-cli.json, at libs/*/migrations and services/*/migrations.
# The dashboard's static build (web/dist, served by the gateway at /) goes along in every image: a few hundred KB.
RUN npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p /out/web \
 && cp -R package.json nest-cli.json node_modules dist /out/ \
 && cp -R web/dist /out/web/dist \
 && for dir in libs/*/migrations services/*/migrations; do \
      if [ -d "$dir" ]; then mkdir -p "/out/$dir" && cp -R "$dir/." "/out/$dir/"; fi; \
    done

# Generated Prisma clients are compiled into dist/ with the rest of the code; whatever in them tsc does not emit
# (engine libraries, wasm, JSON) is copied beside the compiled files, where the client looks for it.
RUN for dir in services/*/src/generated libs/*/src/generated; do \
      if [ -d "$dir" ]; then \
        (cd "$dir" && find . -type f ! -name '*.ts' \
          -exec sh -c 'mkdir -p "/out/dist/$0/$(dirname "$1")" && cp "$1" "/out/dist/$0/$1"' "$dir" {} \;) || exit 1; \
      fi; \
    done

# ---------------------------------------------------------------------------------------------------------------
# runtime: one service
# ---------------------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
# Nothing at run time needs npm or corepack; removing them drops a large tree of packages from every image scan.
RUN case "${SERVICE}" in \
      gateway|auth|ingestion|provider-sync|recommendations|alerts|audit|proxy) ;; \
      *) echo "build with --build-arg SERVICE=<gateway|auth|ingestion|provider-sync|recommendations|alerts|audit|proxy>, got '${SERVICE}'" >&2; exit 1 ;; \
    esac \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack

ENV NODE_ENV=production \
    SERVICE=${SERVICE}
WORKDIR /app

# Owned by root and not writable by the service user: the application never writes its own code, and in
# Kubernetes the root file system is mounted read-only anyway.
COPY --from=build /out/ /app/
# A fixed entry point lets CMD stay in exec form (node is PID 1 and receives SIGTERM directly) while the path
# depends on the build argument. Node resolves the link, so __dirname is the real folder under dist/.
RUN test -f "dist/services/${SERVICE}/src/main.js" \
 && ln -s "dist/services/${SERVICE}/src/main.js" /app/main.js \
 && install -d -o 1000 -g 1000 /var/lib/llmlab/proxy-spool

# The `node` user of the base image, by number so that `runAsNonRoot` can verify it without reading /etc/passwd.
USER 1000:1000

# The gateway answers on PORT (default 3000), the others on HTTP_PORT (defaults 3101-3107, as in
# contracts/src/services.ts; the proxy's calls on PROXY_PORT, 3008); there is no EXPOSE because the port is the deployment's choice. The slim image has no
# curl or wget, so Node's own fetch probes. Liveness (/health), not readiness: /health/ready also fails while a
# dependency is down, which is not the container's fault (docker-compose.yml probes readiness where it orders
# start-up).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "const d={gateway:3000,auth:3101,ingestion:3102,'provider-sync':3103,recommendations:3104,alerts:3105,audit:3106,proxy:3107};const s=process.env.SERVICE;const p=(s==='gateway'?process.env.PORT:process.env.HTTP_PORT)||d[s];fetch('http://127.0.0.1:'+p+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

STOPSIGNAL SIGTERM
CMD ["node", "main.js"]
