#!/usr/bin/env bash
# Run serverless-wsgi 3.1.0's own handler suite (wsgi_handler_test.py, with the plugin's
# wsgi_handler.py) against adapters.compat.serverless_wsgi.
#
# The suite is published only in the project's git repository: the sdists on the package
# index (1.7.8 to 3.0.5) and the npm package carry no tests, and 3.1.0 is a wheel only.
# So this script takes a checkout of github.com/logandk/serverless-wsgi at its 3.1.0
# release (commit c8655da3) and checks the two files by hash before running them:
#
#   bash scripts/run-serverless-wsgi-suite.sh /path/to/serverless-wsgi
#
# It fails unless at least 90% of the tests pass (issue 11).
set -euo pipefail
cd "$(dirname "$0")/.."
checkout="${1:?usage: $0 /path/to/a/serverless-wsgi/checkout (git work tree or bare repo)}"
out=.tools/peer-suites/serverless_wsgi
rm -rf "$out" && mkdir -p "$out"
for file in wsgi_handler_test.py wsgi_handler.py; do
  if [ -f "$checkout/$file" ]; then
    cp "$checkout/$file" "$out/$file"
  else
    git -C "$checkout" show "c8655da32f31281be0953e6e5243e8326c8a367e:$file" > "$out/$file"
  fi
done
sha256sum --check --quiet <<SUMS
47d4dd20e6c72f5417ac9cd653de0c3321f12140744f981b2018ca21466b8150  $out/wsgi_handler_test.py
85b7a0775206bcdbd0777bd4dc33fabb7934bdd54a92ad707d178017c8c55491  $out/wsgi_handler.py
SUMS
cd "$out"
log=$(PYTHONPATH="$OLDPWD/tests/peer_suites/shims:." "$OLDPWD/.venv/bin/python" -m pytest \
  -p no:cacheprovider -q -rA --timeout=30 wsgi_handler_test.py 2>&1 || true)
passed=$(grep -c '^PASSED ' <<<"$log" || true)
failed=$(grep -cE '^(FAILED|ERROR) [^ ]+::' <<<"$log" || true)
grep -E '^(FAILED|ERROR) [^ ]+::' <<<"$log" || true
total=$((passed + failed))
echo "serverless-wsgi: $passed of $total pass"
[ "$total" -gt 0 ] && [ $((passed * 100)) -ge $((total * 90)) ]
