# The kch CLI as an image; docker-compose.yml runs it as migrate, generator and dashboard.
# Plain Dockerfile syntax (no BuildKit-only features) so that docker-compose 1.29's classic
# builder builds it as well as Compose v2.

# --- build: every dependency (TypeScript included), then src/ → dist/.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci installs exactly what the lock file records. The lock lists every platform package of
# chdb (those the registry does not serve are recorded without a checksum; npm skips them as
# failed optional packages on their platform).
# --ignore-scripts: `prepare` would compile before src/ is here; the build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.page.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and the compiled CLI only.
FROM node:22-bookworm-slim AS runtime
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional leaves out the embedded ClickHouse (chdb, ~540 MB), which Compose does not
# use, and native speed-ups that have portable fallbacks. --ignore-scripts: no `prepare`
# (TypeScript is not here) and no install script runs.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /app/dist ./dist
# The CLI's default data and cache folders (.kch/…) resolve under /app: let the user write there.
RUN mkdir -p /app/.kch && chown node:node /app/.kch
# The base image's unprivileged user.
USER node
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["--help"]
