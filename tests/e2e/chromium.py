"""Which Chromium the browser tests and benchmarks start, and how: no Django here, so that
bench/ring_browser.py can import it too."""

import os

#: Debian's Chromium; Playwright's own browser builds are never downloaded.
CHROMIUM = os.environ.get("DISSENT_CHROMIUM", "/usr/bin/chromium")
#: Headless as root, in the fresh profile Playwright makes, with nothing that calls out:
#: without the background-networking flags Chromium's own connections are refused by the
#: closed network and it logs errors.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
