# syntax=docker/dockerfile:1
# statelab replica image. Stages: deps (all npm deps) → build (Prisma client + tsc) →
# prod-deps (runtime deps only) → runtime (slim, non-root). The same image runs a replica
# (default CMD) and the one-shot migrate+seed job (compose/Swarm override the command:
# `node scripts/prisma.mjs migrate deploy && node dist/prisma/seed.js`).
ARG NODE_VERSION=20-bookworm-slim

FROM node:${NODE_VERSION} AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Install scripts are skipped, as npm 11 does on our machines: nothing in the stack needs them.
# Packages only other packages' peers (aws-cdk-lib, pulled in by the dev-only kubectl package:
# ~180 MB) are not needed to build.
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --omit=peer

FROM deps AS build
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
# Only the Prisma launcher and its WASM bridge: the rest of scripts/ (the native launcher) is not
# needed in the image, and copying it would rebuild every layer below on each launcher change.
COPY scripts/prisma.mjs ./scripts/prisma.mjs
COPY scripts/prisma-engine ./scripts/prisma-engine
COPY src ./src
# `npm run build` generates the Prisma client (WASM only, no database needed), then runs tsc.
RUN npm run build

FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

FROM base AS runtime
# MALLOC_MMAP_THRESHOLD_: the allocator setting of every replica (scripts/lib/replica-runtime.json,
# why in scripts/lib/components.mjs): scrypt's 16 MiB blocks go back to the system when freed.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    MALLOC_MMAP_THRESHOLD_=131072
# Files stay owned by root, so the app user can run but not modify them. Migrations use the
# WASM schema engine through scripts/prisma.mjs and write nothing under /app.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json prisma.config.ts ./
COPY prisma ./prisma
COPY --from=build /app/scripts ./scripts
USER node
EXPOSE 3000
# Slim images have no curl; Node 20 has fetch. /ready checks Redis and PostgreSQL, so a replica
# that lost a dependency turns unhealthy and compose/Swarm can act on it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ready',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Heap cap: the same flags as the native launcher (scripts/lib/replica-runtime.json).
CMD ["node", "--max-old-space-size=96", "dist/src/server.js"]
