#!/usr/bin/env bash
# Builds the Kotlin/JVM client and runs its JUnit 5 tests (Maven Surefire) against the server
# described by SWITCHBOARD_* (run as `scripts/with-server.sh clients/kotlin/test.sh`).
# Dependencies go to ~/.m2 (downloaded once, reused afterwards).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export MAVEN_OPTS="${MAVEN_OPTS:--XX:+TieredCompilation -XX:TieredStopAtLevel=1}"
exec mvn -B -ntp -Dstyle.color=never test
