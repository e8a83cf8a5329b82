# syntax=docker/dockerfile:1
# Two images from one build context:
#   docker build -t switchboard .                        the server with the dashboard
#   docker build --target agent -t switchboard-agent .   switchboard-agent (MCP server, hooks,
#                                                        wrapper, runner; the Kubernetes target's
#                                                        workload image, see deploy/kubernetes)
# The build steps are the ones CI runs (scripts/test.sh); no Docker engine runs in CI, so this
# file is exercised by those scripts, not by a `docker build` there.

FROM rust:1.95-bookworm AS rust
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY proto proto
COPY server server
COPY migrations migrations
COPY clients/rust clients/rust
# protoc comes from protoc-bin-vendored (build.rs): nothing to install.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --release --workspace --bins \
 && install -D target/release/switchboard /out/switchboard \
 && install -D target/release/switchboard-agent /out/switchboard-agent

FROM node:20-bookworm AS web
WORKDIR /src
COPY clients/typescript clients/typescript
COPY clients/web clients/web
RUN clients/web/build.sh

FROM debian:bookworm-slim AS base
# The system's roots for https webhooks, SMTP over TLS and OIDC issuers; a non-root user.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 switchboard \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/switchboard --create-home switchboard

FROM base AS agent
# The runner clones repositories with git.
RUN apt-get update && apt-get install -y --no-install-recommends git \
 && rm -rf /var/lib/apt/lists/*
COPY --from=rust /out/switchboard-agent /usr/local/bin/switchboard-agent
USER 10001:10001
ENTRYPOINT ["switchboard-agent"]

FROM base AS server
COPY --from=rust /out/switchboard /usr/local/bin/switchboard
COPY --from=web /src/clients/web/dist /usr/share/switchboard/web
# Production uses an external PostgreSQL (SWITCHBOARD__DATABASE_URL); the embedded one is for
# laptops and is not in this image. TLS is either terminated in front
# (SWITCHBOARD__TLS__TERMINATED_BY_PROXY) or served from mounted files (README, Production).
ENV SWITCHBOARD__WEB_DIR=/usr/share/switchboard/web \
    SWITCHBOARD__DATA_DIR=/var/lib/switchboard \
    SWITCHBOARD__LISTEN=0.0.0.0:50051
USER 10001:10001
EXPOSE 50051 9464
ENTRYPOINT ["switchboard"]
CMD ["serve"]
