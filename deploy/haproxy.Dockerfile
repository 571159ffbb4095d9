# HAProxy for deploy/compose.yaml, with Streamlit's frontend bundles gzipped at build time (precompress.py) for
# static_gz.lua to serve from memory. Build from the repository root (compose does).
FROM python:3.11-slim AS bundles
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.txt deploy/precompress.py /build/
# The app's own Streamlit version, for its bundles (without torch: only the frontend files are needed).
RUN pip install "$(grep '^streamlit==' /build/requirements.txt)" \
    && python -c "import pathlib, streamlit; print(pathlib.Path(streamlit.__file__).parent / 'static')" > /build/static \
    && python /build/precompress.py /usr/local/etc/haproxy/static-gz "$(cat /build/static)"

FROM haproxy:2.6
COPY --from=bundles /usr/local/etc/haproxy/static-gz /usr/local/etc/haproxy/static-gz
COPY deploy/haproxy.cfg.template deploy/static_gz.lua /usr/local/etc/haproxy/
COPY deploy/haproxy-entrypoint /usr/local/bin/haproxy-entrypoint
ENV GDINVERSE_STATIC_GZ=/usr/local/etc/haproxy/static-gz
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/haproxy-entrypoint"]
