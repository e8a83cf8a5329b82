#!/usr/bin/env bash
# Regenerates the Kotlin/JVM client code from proto/ into src/main/java (protobuf-java messages,
# grpc-java stubs) and src/main/kotlin-gen (grpc-kotlin coroutine stubs). Deterministic.
# The generators are fetched from Maven Central through Maven (versions pinned in pom.xml).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/scripts/tools.sh"   # buf
tools="$here/.tools"
if [ ! -x "$tools/protoc-linux-x86_64.exe" ] || [ ! -x "$tools/protoc-gen-grpc-java-linux-x86_64.exe" ] \
   || [ ! -f "$tools/protoc-gen-grpc-kotlin-jdk8.jar" ]; then
  mvn -q -B -f "$here/pom.xml" dependency:copy@gen-tools
  chmod +x "$tools/protoc-linux-x86_64.exe" "$tools/protoc-gen-grpc-java-linux-x86_64.exe"
fi
rm -rf "$here/src/main/java" "$here/src/main/kotlin-gen"
cd "$root"
buf generate --template clients/kotlin/buf.gen.yaml
