#!/bin/bash
# Lambda handler of the dashboard function: the Lambda Web Adapter (AWS_LAMBDA_EXEC_WRAPPER)
# runs this script, waits for port 3000, then forwards every request to it.
set -euo pipefail
export PORT="${AWS_LWA_PORT:-3000}"
export HOSTNAME="127.0.0.1"
cd "$(dirname "$0")"
exec node lambda-start.cjs
