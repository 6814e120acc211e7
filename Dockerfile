# The nevermiss service.   docker build -t nevermiss .
# Node 24, the LTS line (docs/decisions/0022). Runs: node bin/nevermiss.js serve --config /app/config/nevermiss.yaml (mount that file).

# Prompts get their own stage: they change only with prompts/ or the script, so a code
# change doesn't speak them again. Same stage as in docker/asterisk/Dockerfile.
FROM debian:bookworm-slim AS prompts
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng sox \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/make-prompts.sh scripts/
COPY prompts/ prompts/
RUN bash scripts/make-prompts.sh /out

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Dependencies first: this layer is reused until package-lock.json changes.
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules/ node_modules/
COPY --from=build /app/dist/ dist/
COPY --from=build /app/bin/ bin/
COPY --from=build /app/dialplan/ dialplan/
# Served at /prompts/<lang>/nevermiss/<name>.wav when prompts.source is http.
COPY --from=prompts /out/ prompts/build/
# data.directory (../data from /app/config/): the spool of records Redis could not take in time.
# Owned by "node" here, so the named volume mounted on it in docker-compose.yml is writable.
RUN mkdir -p /app/data && chown node:node /app/data
# The image's unprivileged "node" user: the service needs no root.
USER node
EXPOSE 8080
# No curl in the slim image; Node's own fetch does. Assumes the default HTTP port 8080.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/nevermiss.js", "serve", "--config", "/app/config/nevermiss.yaml"]
