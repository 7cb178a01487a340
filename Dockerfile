# The AppointEase sidecar, built as on any production host (docs/deploy.md): production
# dependencies only, the server compiled once into server/dist, no compiler at run time.
# The widget's build is committed (widget/dist), so no browser tooling is needed here.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787

# Dependencies first, so editing source does not reinstall them. esbuild is a production
# dependency: it builds server/dist below.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

COPY . .
RUN npm run build:server

USER node
EXPOSE 8787
# /health answers 503 when MySQL is unreachable; a Redis outage is "degraded", still healthy.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/appointease/v1/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node itself is PID 1: SIGTERM from `docker stop` reaches the sidecar, which drains and exits.
# The V8 flags are npm start's (docs/deploy.md, Memory and start-up).
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "server/dist/index.js"]
