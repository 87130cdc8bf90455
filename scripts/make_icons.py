"""Draws the app icons (static/icons/) from static/favicon.svg with Chromium.

Phones want PNG icons at fixed sizes for the installed app; the favicon is the one drawing,
so the PNGs are made from it rather than kept by hand. Run `python -m scripts.make_icons`
after changing the favicon, then commit the PNGs. The maskable icon keeps the drawing in
the middle 80% (the "safe zone") on the brand colour, because a launcher may crop it to a
circle.
"""

import base64
import os
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
FAVICON = ROOT / "static" / "favicon.svg"
ICONS = ROOT / "static" / "icons"
BRAND = "#205067"  # --brand in static/css/stepwise.css
# name: (size in pixels, share of the square the drawing fills)
ICON_SIZES = {
    "icon-192.png": (192, 1.0),
    "icon-512.png": (512, 1.0),
    "maskable-512.png": (512, 0.8),
    "apple-touch-icon.png": (180, 1.0),
}


def icon_page(size: int, share: float) -> str:
    """A page holding only the drawing, centred on the brand colour."""
    svg = base64.b64encode(FAVICON.read_bytes()).decode()
    drawn = round(size * share)
    return (
        f"<html><body style='margin:0;background:{BRAND}'>"
        f"<div style='width:{size}px;height:{size}px;display:flex;"
        "align-items:center;justify-content:center'>"
        f"<img src='data:image/svg+xml;base64,{svg}' width='{drawn}' height='{drawn}'>"
        "</div></body></html>"
    )


def main() -> None:
    ICONS.mkdir(exist_ok=True)
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        for name, (size, share) in ICON_SIZES.items():
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(icon_page(size, share))
            page.screenshot(path=ICONS / name, omit_background=False)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
