#!/usr/bin/env bash
# The demo's deploy command: replaces the running container with $IMAGE_REF, by digest, on the
# Docker host of this runner (host network, so the service listens on 127.0.0.1:$DEMO_PORT).
#
# Environment: IMAGE_REF (<image>@sha256:…, from the pipeline), DEPLOY_ENVIRONMENT; optional
# REGISTRY_USERNAME / REGISTRY_PASSWORD (the environment's secrets, through deploy-secrets) to
# pull; DEMO_PORT (8080), DEMO_CONTAINER (drafts-<environment>); DEMO_DEPLOY_LOG, a file that gets
# one line per deploy; DEMO_FAIL_REVISION, a commit: deploying an image built from it fails after
# the new container started, as a deploy tool whose later step breaks would.
set -euo pipefail

: "${IMAGE_REF:?IMAGE_REF is not set: the pipeline passes <image>@sha256:…}"
if [[ ! "$IMAGE_REF" =~ ^[^@]+@sha256:[0-9a-f]{64}$ ]]; then
  echo "deploy.sh: IMAGE_REF must be <image>@sha256:<digest>, got '$IMAGE_REF'" >&2
  exit 2
fi
environment="${DEPLOY_ENVIRONMENT:-production}"
container="${DEMO_CONTAINER:-drafts-$environment}"
port="${DEMO_PORT:-8080}"

# The pull logs in with a client configuration of its own, removed afterwards, so that the
# environment's registry credentials never stay on the runner.
pull_config="$(mktemp -d)"
trap 'rm -rf "$pull_config"' EXIT
if [[ -n "${REGISTRY_PASSWORD:-}" ]]; then
  printf '%s' "$REGISTRY_PASSWORD" | DOCKER_CONFIG="$pull_config" docker login "${IMAGE_REF%%/*}" --username "${REGISTRY_USERNAME:?REGISTRY_USERNAME is not set}" --password-stdin >/dev/null
fi
DOCKER_CONFIG="$pull_config" docker pull --quiet "$IMAGE_REF" >/dev/null
docker rm --force "$container" >/dev/null 2>&1 || true
docker run --detach --name "$container" --network host --env "PORT=$port" "$IMAGE_REF" >/dev/null
echo "deploy.sh: $container runs $IMAGE_REF on port $port ($environment)"
if [[ -n "${DEMO_DEPLOY_LOG:-}" ]]; then
  echo "$environment $IMAGE_REF" >>"$DEMO_DEPLOY_LOG"
fi
if [[ -n "${DEMO_FAIL_REVISION:-}" ]]; then
  revision="$(docker inspect --format '{{index .Config.Labels "org.opencontainers.image.revision"}}' "$IMAGE_REF")"
  if [[ "$revision" == "$DEMO_FAIL_REVISION" ]]; then
    echo "deploy.sh: the post-deploy step failed for revision $revision (DEMO_FAIL_REVISION)" >&2
    exit 1
  fi
fi
