# syntax=docker/dockerfile:1
# Sparks: multi-stage build. The build stage compiles better-sqlite3 with the dev toolchain
# and checks the project; the runtime stage has production dependencies only and runs as
# a non-root user with the database on a volume.

FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc --noEmit && npm run build
# Keep only what runs: production dependencies (the bot runs the built dist/; the
# operations scripts — backup, restore, verify — run their TypeScript under tsx).
RUN npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATABASE_PATH=/data/sparks.db \
    WEBHOOK_PORT=8080
WORKDIR /app
RUN groupadd --system sparks && useradd --system --gid sparks --home /app sparks \
    && mkdir -p /data && chown sparks:sparks /data
COPY --from=build --chown=sparks:sparks /app/node_modules ./node_modules
COPY --from=build --chown=sparks:sparks /app/package.json ./package.json
COPY --from=build --chown=sparks:sparks /app/dist ./dist
COPY --from=build --chown=sparks:sparks /app/src ./src
COPY --from=build --chown=sparks:sparks /app/drizzle ./drizzle
USER sparks
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.WEBHOOK_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# npm start (already built above), without npm in the signal path so SIGTERM reaches the
# bot for a clean shutdown.
CMD ["node", "--max-semi-space-size=4", "--expose-gc", "dist/index.js"]
