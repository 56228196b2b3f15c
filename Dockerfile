# vext in a container: built with the project's own toolchain steps (scripts/lib.sh, through
# scripts/release), run as a non-root user with its data in the /data volume.
#   docker build -t vext .
#   docker run -d -p 3000:3000 -v vext-data:/data --name vext vext
#   docker exec -it vext vext admin create --email you@example.com --role full
# Not built on the machines vext is developed on (they cannot build images); linted by
# hadolint in scripts/test. See README, "Run it yourself".

FROM rust:1.95-bookworm AS build
# Node.js and npm: the end2end packages bring binaryen's wasm-opt, which cargo-leptos runs.
# Debian's versions are not pinned: a stable release only takes security fixes.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The same steps as a release on a developer's machine: the wasm target, cargo-leptos and
# wasm-bindgen at the versions scripts/lib.sh pins, then the release folder (binary + site).
RUN VEXT_CACHE_DIR=/cache bash scripts/release --folder /opt/vext

FROM debian:bookworm-slim
# curl answers the HEALTHCHECK; ca-certificates for a PostgreSQL server with TLS.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin vext \
    && mkdir -p /data \
    && chown 10001:10001 /data
COPY --from=build /opt/vext /opt/vext
ENV PATH="/opt/vext:${PATH}" \
    DATABASE_URL="sqlite:///data/vext.db" \
    LEPTOS_SITE_ADDR="0.0.0.0:3000" \
    VEXT_LOG_FORMAT="json"
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:3000/readyz"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["vext"]
CMD ["serve"]
