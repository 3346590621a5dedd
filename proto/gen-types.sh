#!/usr/bin/env bash
# Regenerates src/runtime/generated/ from cri-v1.proto. Run after editing the .proto and commit
# the result; the options must match the loader options in src/runtime/grpc/proto.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/runtime/generated
npx proto-loader-gen-types --keepCase --longs=String --enums=String --defaults --oneofs \
  --grpcLib=@grpc/grpc-js --importFileExtension=.js \
  -O src/runtime/generated proto/cri-v1.proto
