#!/usr/bin/env bash
# The Kotlin/JVM client's generated code is not committed: every Maven build generates it from
# proto/ into target/generated-sources/protobuf (protobuf-java messages, grpc-java stubs,
# grpc-kotlin coroutine stubs; see pom.xml). This script runs just that step, e.g. for an IDE or
# to look at the generated sources. scripts/test.sh's regenerate-and-diff check skips it: there
# is nothing committed to compare.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec mvn -q -B -ntp -f "$here/pom.xml" generate-sources
