"""The browser's ring signature (src/dissent/anonymous/static/anonymous/ring.js) timed in
Debian's Chromium, driven by Playwright the way the browser tests drive it (no browser is
ever downloaded; $DISSENT_CHROMIUM overrides /usr/bin/chromium).

Prints the median time of sign() with every check; of checkRingInWorker() (a Web Worker checks
the ring's members, which the memo page starts when it opens) and of sign() with the ring so
checked (what the memo page does when "Sign anonymously" is pressed); and of verify(), for
rings of 10, 100 and 1,000 members (5 runs each), and of 10,000 (2 runs) when a
1,000-member signature took under 3 s, plus the machine. Times are taken inside the page
with performance.now(), around the call only: the keys are made beforehand; the fixed-base
tables ring.js builds per call are included.

Run:  .venv/bin/python bench/ring_browser.py [--sizes 10 100 1000 10000] [--runs 5]
"""

import argparse
import functools
import http.server
import os
import statistics
import sys
import threading
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright
from ring import cpu_model  # bench/ring.py

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests/
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS

STATIC = Path(__file__).resolve().parents[1] / "src" / "dissent" / "anonymous" / "static" / "anonymous"
#: Makes n keys, then signs and verifies `runs` times; returns the milliseconds of each.
MEASURE = """async ([n, runs]) => {
  const ring = await import("/ring.js");
  const text = (value) => new TextEncoder().encode(value);
  const secrets = Array.from({length: n}, () => ring.generateSecret());
  const keys = secrets.map((secret) => ring.publicKey(secret));
  const event = text("dissent-memo:bench.example:1");
  const message = text("I co-sign this memo.");
  const sign = [], check = [], checked = [], verify = [];
  for (let run = 0; run < runs; run++) {
    const index = (run * 7919) % n;
    let start = performance.now();
    const signature = ring.sign(event, message, keys, index, secrets[index]);
    sign.push(performance.now() - start);
    start = performance.now();
    await ring.checkRingInWorker(keys);
    check.push(performance.now() - start);
    start = performance.now();
    ring.sign(event, message, keys, index, secrets[index], {ringChecked: true});
    checked.push(performance.now() - start);
    start = performance.now();
    const valid = ring.verify(event, message, keys, signature);
    verify.push(performance.now() - start);
    if (!valid) throw new Error("a signature did not verify");
  }
  return {sign, check, checked, verify};
}"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def milliseconds(value: float) -> str:
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(STATIC))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(f"Machine: {cpu_model()}, {os.cpu_count()} cores; Chromium {browser.version}")
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            page.evaluate(MEASURE, [10, 2])  # load the modules and warm the JIT
            print(
                f"{'ring':>7} {'signature':>10} {'runs':>5} {'sign':>10} {'worker check':>13}"
                f" {'sign, checked':>14} {'verify':>10}   (medians)"
            )
            last_sign_ms = 0.0
            for n in options.sizes:
                runs = options.runs
                if n >= 10000:
                    if last_sign_ms * n / 1000 > 30000 or last_sign_ms > 3000:
                        print(f"{n:>7,}: skipped (would take over ~30 s a signature)")
                        continue
                    runs = min(runs, 2)
                result = page.evaluate(MEASURE, [n, runs])
                sign_ms = statistics.median(result["sign"])
                check_ms = statistics.median(result["check"])
                checked_ms = statistics.median(result["checked"])
                verify_ms = statistics.median(result["verify"])
                last_sign_ms = sign_ms
                size = 32 + 64 * n
                shown = f"{size / 1000:.1f} KB" if size >= 1000 else f"{size} B"
                print(
                    f"{n:>7,} {shown:>10} {runs:>5} {milliseconds(sign_ms):>10} {milliseconds(check_ms):>13}"
                    f" {milliseconds(checked_ms):>14} {milliseconds(verify_ms):>10}"
                )
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
