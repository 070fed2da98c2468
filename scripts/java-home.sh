#!/usr/bin/env bash
# Prints a JAVA_HOME whose java is 21 or newer: $JAVA_HOME if it qualifies, else the newest JDK
# under /usr/lib/jvm. The default java on our build machines is 17; the build needs >= 21.
set -euo pipefail

major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1; }

if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(major "$JAVA_HOME")" -ge 21 ]; then
  echo "$JAVA_HOME"; exit 0
fi
# macOS: /usr/bin/java is a stub; java_home names the real JDKs.
if [ -x /usr/libexec/java_home ] && home=$(/usr/libexec/java_home -v 21+ 2>/dev/null) && [ -x "$home/bin/java" ]; then
  echo "$home"; exit 0
fi
if command -v java >/dev/null 2>&1; then
  # readlink -f: GNU, and macOS from 12.3 on; without it the path as found.
  java=$(readlink -f "$(command -v java)" 2>/dev/null || command -v java)
  home=$(dirname "$(dirname "$java")")
  if [ "$(major "$home")" -ge 21 ]; then echo "$home"; exit 0; fi
fi
best=""; best_major=0
for candidate in /usr/lib/jvm/*; do
  [ -x "$candidate/bin/javac" ] || continue
  m=$(major "$candidate" 2>/dev/null || echo 0)
  if [ "${m:-0}" -gt "$best_major" ]; then best=$candidate; best_major=$m; fi
done
if [ "$best_major" -ge 21 ]; then echo "$best"; exit 0; fi
echo "no JDK >= 21 found: install one (e.g. Temurin 21+) and set JAVA_HOME" >&2
exit 1
