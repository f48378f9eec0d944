#!/usr/bin/env python3
"""Regenerate the dashboard's screenshots: docs/screenshots/*-{desktop,phone}.png.

Starts a local cloud with the demo house and the dashboard, signs in with Debian's Chromium
(through Playwright), and photographs the dashboard, a device page, an energy page and the main
screen by room with scenes (rooms and scenes as ``kasacloud group`` and ``scene`` keep them, in a
home file of the script's own) at desktop and phone sizes. Run it from the repository's
virtualenv::

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--chromium /usr/bin/chromium]

The images are kept small (well under 300 KB each): PNG at a device scale factor of 1.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from kasacloud.client.home import Home, HomeStore, SceneDevice, account_key
from kasacloud.server import LocalCloud
from kasacloud.sim.demo import DEMO_HOUSE
from kasacloud.web import DashboardServer

ROOT = Path(__file__).resolve().parent.parent
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
SIZES = {
    "desktop": ({"width": 1280, "height": 860}, False),
    "phone": ({"width": 390, "height": 844}, True),
}
MAX_BYTES = 300_000
ROOMS = ("Kitchen", "Living room", "Hall")
"""The demo house's rooms the rooms screenshot shows; the other devices are "Other devices"."""


def _home(cloud: LocalCloud) -> Home:
    """Rooms from the demo house's own (``docs/devices.md``) and two scenes."""
    ids = {cloud.device(i).cloud_info()["alias"]: i for i in cloud.device_ids()}
    groups: dict[str, list[str]] = {}
    for spec in DEMO_HOUSE:
        if spec.room in ROOMS and spec.alias in ids:
            groups.setdefault(spec.room, []).append(ids[spec.alias])
    scenes = {
        "Evening": [
            SceneDevice(ids["Living room bulb"], True, brightness=40, color_temp_k=2700),
            SceneDevice(ids["Hall lamp"], True),
            SceneDevice(ids["Kettle"], False),
        ],
        "Away": [SceneDevice(ids[a], False) for a in ("Hall lamp", "Living room bulb", "Kettle")],
    }
    return Home(groups=groups, scenes=scenes)


def main(argv: list[str]) -> int:
    """Take the screenshots; return an exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="kasacloud-screenshots-"))
    home_file = scratch / "home.json"
    with (
        LocalCloud() as cloud,
        DashboardServer(
            cloud.url,
            poll_interval_s=60,
            home_file=home_file,
            history_file=scratch / "history.sqlite3",
        ) as dashboard,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        for name, (viewport, mobile) in SIZES.items():
            context = browser.new_context(
                viewport=viewport, device_scale_factor=1, is_mobile=mobile, has_touch=mobile
            )
            page = context.new_page()
            page.goto(dashboard.url)
            page.get_by_label("E-mail address").fill("demo@example.com")
            page.get_by_label("Password").fill("demo")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Your devices")).to_be_visible()
            shots = [(f"{name}.png", None), (f"device-{name}.png", "Kettle")]
            shots.append((f"energy-{name}.png", "energy"))
            shots.append((f"rooms-{name}.png", "rooms"))
            for filename, step in shots:
                if step == "Kettle":
                    page.get_by_role("link", name="Details of Kettle").click()
                    expect(page.get_by_role("heading", name="Kettle", level=1)).to_be_visible()
                elif step == "energy":
                    page.get_by_role("link", name="Energy history of Kettle").first.click()
                    expect(page.get_by_role("heading", name="Energy: Kettle")).to_be_visible()
                elif step == "rooms":
                    HomeStore(home_file).save(
                        account_key(cloud.url, "demo@example.com"), _home(cloud)
                    )
                    page.goto(dashboard.url)
                    expect(page.get_by_role("heading", name="Kitchen")).to_be_visible()
                path = args.out / filename
                page.screenshot(path=str(path), full_page=False)
                size = path.stat().st_size
                shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                print(f"{shown}: {size} bytes")
                if size > MAX_BYTES:
                    print(f"{path} is larger than {MAX_BYTES} bytes", file=sys.stderr)
                    return 1
            context.close()
            home_file.unlink(missing_ok=True)  # the next size starts by kind again
        browser.close()
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
