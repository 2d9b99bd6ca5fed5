# order-relay: one image for both services (ORDER_RELAY_ROLES=api or worker).
# Node.js 24: the newest maintained LTS of the versions package.json supports (engines.node).
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# npm ci: exactly the committed package-lock.json (reproducible), or fail.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY config ./config
COPY scripts ./scripts
# Compiles src/ and bundles workflows/ into dist/workflow-bundle.js (workers start without webpack) and its
# traced twin dist/workflow-bundle.traced.js (loaded instead when OTEL_EXPORTER_OTLP_ENDPOINT is set).
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 DATA_DIR=/data WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
COPY package.json ./
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
