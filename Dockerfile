# syntax=docker/dockerfile:1
# One image for all six services; the command picks the service:
#   node dist/apps/<name>/src/main.js        (default: api)
#   node dist/tools/create-topics.js         (one-shot topic creation)
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
# package.json's `allowScripts` is honoured by npm 11 but ignored by npm 10 (node:20's npm), which
# would run every install script. So installs run with --ignore-scripts, then this runs the scripts
# of exactly the installed packages that allowScripts sets to true: same result under either npm.
COPY --chmod=755 <<'EOF' /usr/local/bin/npm-rebuild-allowed
#!/bin/sh
set -eu
pkgs=$(node -p "const a = require('./package.json').allowScripts ?? {}; Object.keys(a).filter((n) => a[n] === true && require('fs').existsSync('node_modules/' + n)).join(' ')")
if [ -n "$pkgs" ]; then npm rebuild $pkgs; fi
EOF
COPY package.json package-lock.json ./

FROM base AS build
RUN npm ci --ignore-scripts --no-audit --no-fund && npm-rebuild-allowed
COPY . .
RUN npm run build

# The intent model (docs/triggers.md): fetched from Maven Central and sha256-checked by the same
# code as `npm start` (libs/infra/src/intent-model.ts), which needs mvn and the JDK's `jar`.
FROM build AS intent-model
RUN apt-get update && apt-get install -y --no-install-recommends maven openjdk-17-jdk-headless \
    && rm -rf /var/lib/apt/lists/*
RUN node -e "require('./dist/libs/infra/src').installIntentModel({ modelDir: '/app/intent-model', log: console.log })"

FROM base AS prod-deps
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm-rebuild-allowed && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, read-only to the service user: the services write nothing to disk.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=intent-model /app/intent-model ./intent-model
COPY package.json ./
ENV INTENT_MODEL_DIR=/app/intent-model
# `node` (uid 1000) comes with the base image.
USER node
CMD ["node", "dist/apps/api/src/main.js"]
