"""The browser playground, measured in Debian's Chromium: start-up, training speed, size.

    python playground/build.py                  # once (needs npm)
    python benchmarks/playground_speed.py       # about two minutes
    python benchmarks/playground_speed.py --rounds 5 --epochs 30

1. Time from opening the page to the first example's output (micrograd's README numbers),
   cold (a fresh browser profile: nothing cached) and from cache (a second visit, which
   the service worker answers), then offline (the network switched off, a third visit).
2. The main job's training in the page against CPython: the moons (100 points), a
   2-16-16-1 ReLU MLP from PyTorch's initial weights, Adam at lr 0.03, batches of 32
   (`chainrule train --dataset moons`'s defaults), `--epochs` epochs of `nn.fit`, timed
   inside each interpreter with `time.perf_counter`. Rounds alternate page and CPython,
   so a change in the machine's load lands on both; the table shows medians and the
   ratio page / CPython.
3. The download: every file of playground/dist/ the first visit fetches, with its size
   and its gzip size (what a server that compresses would send).

The site is served by nn/playground.py's server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nn.playground import PLAYGROUND, make_server  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip

# the main job, timed from the inside; prints one line the harness reads
TRAINING = """
import time
import nn
X, y = nn.datasets.make_moons(100, noise=0.1, seed=0)
model = nn.MLP(2, [16, 16, 1], activation="relu", seed=0, init="pytorch")
optimizer = nn.Adam(model.parameters(), lr=0.03)
started = time.perf_counter()
history = nn.fit(model, X, y, loss="bce", optimizer=optimizer, epochs=EPOCHS, batch_size=32,
                 seed=0)
seconds = time.perf_counter() - started
print(f"ms per epoch: {1000 * seconds / EPOCHS:.3f}; accuracy {history['accuracy'][-1]:.2f}")
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--verbose", action="store_true", help="the worker's start-up phases")
    args = parser.parse_args()
    site = PLAYGROUND / "dist"
    if not (site / "index.html").is_file():
        print("playground/dist/ is missing: run python playground/build.py first")
        return 2
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        print("Chromium is not installed")
        return 2
    from playwright.sync_api import sync_playwright

    server = make_server(site, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    code = TRAINING.replace("EPOCHS", str(args.epochs))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            visits, fetched = start_up(browser, url)
            page_ms, cpython_ms = training(browser, url, code, args.rounds)
        finally:
            browser.close()
    server.shutdown()

    print("\nStart-up: opening the page to the first example's output (Chromium "
          f"{browser.version}, this machine)")  # fmt: skip
    for name, seconds in visits.items():
        print(f"  {name:<12} {seconds:6.2f} s")
    page_median, cpython_median = statistics.median(page_ms), statistics.median(cpython_ms)
    print(f"\nTraining the moons MLP ({args.epochs} epochs x {args.rounds} rounds, medians)")
    print(f"  in the page  {page_median:8.2f} ms per epoch   (rounds: {fmt(page_ms)})")
    print(f"  CPython {sys.version.split()[0]:<5}{cpython_median:8.2f} ms per epoch   "
          f"(rounds: {fmt(cpython_ms)})")  # fmt: skip
    print(f"  ratio page / CPython: {page_median / cpython_median:.2f}")
    print("\nDownload of the first visit (files of playground/dist/)")
    total = total_gzip = 0
    for name in sorted(fetched, key=lambda n: -(site / n).stat().st_size):
        data = (site / name).read_bytes()
        packed = len(gzip.compress(data, 9))
        total, total_gzip = total + len(data), total_gzip + packed
        print(f"  {name:<36} {len(data) / 1e3:10,.1f} kB  (gzip {packed / 1e3:9,.1f} kB)")
    print(f"  {'total':<36} {total / 1e6:10,.2f} MB  (gzip {total_gzip / 1e6:9,.2f} MB)")
    return 0


def fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def first_output(page: Any, url: str, timeout_ms: int = 180_000) -> float:
    """Seconds from navigating to the README numbers appearing in the output area."""
    started = time.perf_counter()
    page.goto(url)
    page.locator("[data-role=output]", has_text="a.grad = 138.8338").wait_for(timeout=timeout_ms)
    seconds = time.perf_counter() - started
    if VERBOSE:
        print(
            "  worker start-up, ms since it began:", page.get_attribute("html", "data-boot-times")
        )
    return seconds


VERBOSE = "--verbose" in sys.argv


def start_up(browser: Any, url: str) -> tuple[dict[str, float], set[str]]:
    context = browser.new_context()
    fetched: set[str] = set()
    context.on(
        "request",
        lambda request: (
            fetched.add(request.url[len(url) :] or "index.html")
            if request.url.startswith(url)
            else None
        ),
    )
    page = context.new_page()
    visits = {"cold": first_output(page, url)}
    # the service worker has copied the site once it is active and its install finished
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    time.sleep(1.0)
    visits["from cache"] = first_output(page, url)
    context.set_offline(True)
    visits["offline"] = first_output(page, url)
    context.close()
    files = {name.split("?")[0] for name in fetched if name != "sw.js"} | {"sw.js"}
    return visits, {name for name in files if (PLAYGROUND / "dist" / name).is_file()}


def training(browser: Any, url: str, code: str, rounds: int) -> tuple[list[float], list[float]]:
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.goto(url)
    page.locator("[data-role=output]", has_text="a.grad").wait_for(timeout=180_000)
    page_ms, cpython_ms = [], []
    for _ in range(rounds):
        page.locator("[data-role=editor]").click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.insert_text(code)
        page.click("[data-action=run]")
        line = page.locator("[data-role=output]", has_text="ms per epoch")
        line.wait_for(timeout=600_000)
        page_ms.append(float(line.inner_text().split("ms per epoch: ")[1].split(";")[0]))
        finished = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
        )
        cpython_ms.append(float(finished.stdout.split("ms per epoch: ")[1].split(";")[0]))
    context.close()
    return page_ms, cpython_ms


if __name__ == "__main__":
    sys.exit(main())
