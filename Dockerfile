# The Space as a container, for Hugging Face's Docker SDK (sdk: docker in README.md) or any
# container platform. HF runs containers as uid 1000 and sends traffic to app_port 7860.
FROM node:20-slim

# onnxruntime-node's postinstall would fetch CUDA binaries; its CPU build ships in the package.
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip \
    PORT=7860

# node:20-slim's "node" user is uid 1000, the user HF runs the container as.
WORKDIR /home/node/app
COPY --chown=node:node package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --chown=node:node . .
USER node

EXPOSE 7860
CMD ["npm", "start"]
