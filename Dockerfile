# One image for every sport-connect service; the command picks the part (ingest, api, broker, up, simulate).
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN node bin/build-dashboard.js
ENV NODE_ENV=production DATA_DIR=/data
VOLUME /data
USER node
ENTRYPOINT ["node", "bin/sport-connect.js"]
