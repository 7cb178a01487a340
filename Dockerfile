# The AppointEase sidecar. TypeScript runs through tsx (a runtime dependency), so there is
# no compile step; the widget bundle is built here because widget/dist is not in git.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8787

# Dependencies first, so editing source does not reinstall them. Dev dependencies are
# needed for the widget build and pruned afterwards.
COPY package.json package-lock.json ./
RUN npm ci --include=dev

COPY . .
RUN npm run build:widget && npm prune --omit=dev

USER node
EXPOSE 8787
# /health answers 503 when MySQL is unreachable; a Redis outage is "degraded", still healthy.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/appointease/v1/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["npm", "start"]
