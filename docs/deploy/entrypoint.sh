#!/bin/sh
# Container entry point for Albany (docs/deploy/Dockerfile). Settings come from the
# environment, so one image runs anywhere:
#   ALBANY_APP     the app, MODULE:ATTR (required)
#   PORT           the port to listen on (default 8000), on HOST (default 0.0.0.0)
#   FORWARDED_ALLOW_IPS   the load balancer's addresses, trusted for X-Forwarded-* (default
#                  127.0.0.1; in a cluster, the pod network's CIDR)
#   ALBANY_ARGS    more options, e.g. "--loop uvloop --limit-concurrency 1000"
# `exec` makes Albany the container's PID 1: `docker stop` / Kubernetes' SIGTERM reaches it,
# and it drains (in-flight requests finish within --timeout-graceful-shutdown) before exiting.
set -eu
: "${ALBANY_APP:?set ALBANY_APP to MODULE:ATTR}"
# shellcheck disable=SC2086  # ALBANY_ARGS is a list of options
exec albany "$ALBANY_APP" \
  --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}" \
  --proxy-headers \
  --timeout-graceful-shutdown "${GRACEFUL_TIMEOUT:-25}" \
  ${ALBANY_ARGS:-}
