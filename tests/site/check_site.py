#!/usr/bin/python3
"""Checks a built documentation site the way a reader would (docs/site.md, "The site test").

  check_site.py --site DIR --icgd BIN --screenshots DIR [--chromium BIN]

1. every page, link, anchor, image, graph and script a page points to exists (API pages
   included), and nothing is loaded from the network;
2. the catalogue lists every claim of the registry (`icgd verify --list`) exactly once;
3. every status a page shows (its badges' data-status, the graph's node labels) equals the verify
   data the site was built from (verify.json);
4. headless Chromium opens the index, the catalogue, a paper page and the site page: none is
   blank, every image and the graph loaded, every formula typeset without error, no page is
   wider than its window; a screenshot of each is kept.
Exit 0 when all holds, 1 with one line per problem otherwise.
"""
import argparse
import html.parser
import json
import os
import re
import subprocess
import sys
import urllib.parse

problems = []


def problem(text):
    problems.append(text)


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.resources, self.badges = [], [], [], []
        self._badge = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.append(a[key])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "img" and a.get("src") is not None:
            self.resources.append(("image", a["src"]))
        if tag == "object" and a.get("data"):
            self.resources.append(("graph", a["data"]))
        if tag == "script" and a.get("src"):
            self.resources.append(("script", a["src"]))
        if tag == "link" and a.get("href") and "stylesheet" in (a.get("rel") or ""):
            self.resources.append(("stylesheet", a["href"]))
        if tag == "span" and a.get("data-claim"):
            self._badge = [a["data-claim"], a.get("data-status", ""), ""]

    def handle_data(self, data):
        if self._badge is not None:
            self._badge[2] += data

    def handle_endtag(self, tag):
        if tag == "span" and self._badge is not None:
            self.badges.append(tuple(self._badge))
            self._badge = None


def parse(path):
    page = Page()
    with open(path, encoding="utf-8", errors="replace") as f:
        page.feed(f.read())
    return page


def svg_links_and_nodes(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    links = [html.unescape(u) for u in re.findall(r'(?:xlink:href|href)="([^"]+)"', text)]
    nodes = {}
    for group in re.findall(r'<g id="[^"]*" class="node">(.*?)</g>\s*(?=<g id|</g>)', text, re.S):
        title = re.search(r"<title>([^<]*)</title>", group)
        texts = [t for t in re.findall(r"<text[^>]*>([^<]*)</text>", group)]
        if title:
            nodes[html.unescape(title.group(1))] = [html.unescape(t) for t in texts]
    return links, nodes


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--site", required=True)
    p.add_argument("--icgd", required=True)
    p.add_argument("--screenshots", required=True)
    p.add_argument("--chromium", default="chromium")
    p.add_argument("--paper", default="papers/von_oswald.html")
    a = p.parse_args()
    site = os.path.abspath(a.site)
    for f in ("index.html", "catalogue.html", "site.json", "verify.json", a.paper):
        if not os.path.isfile(os.path.join(site, f)):
            print(f"check_site: {site}/{f} is missing: the site was not built", file=sys.stderr)
            return 1
    with open(os.path.join(site, "verify.json"), encoding="utf-8") as f:
        verify = {c["id"]: c["status"] for c in json.load(f)["claims"]}

    # 1. Pages, links, anchors, resources.
    pages, page_files = {}, []
    for root, _, files in os.walk(site):
        for name in files:
            if name.endswith(".html"):
                page_files.append(os.path.join(root, name))
    for path in page_files:
        pages[path] = parse(path)
    svgs = set()
    checked_links = 0
    for path, page in pages.items():
        if os.path.relpath(path, site).startswith("api" + os.sep):
            # Doxygen's pages: their resources must exist; their many internal links are Doxygen's own.
            links = []
        else:
            links = page.links
        for kind, url in page.resources:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme in ("http", "https") or url.startswith("//"):
                problem(f"{os.path.relpath(path, site)}: loads a {kind} from the network: {url}")
                continue
            if parts.scheme == "data":
                continue
            target = os.path.normpath(os.path.join(os.path.dirname(path), urllib.parse.unquote(parts.path)))
            if not os.path.isfile(target):
                problem(f"{os.path.relpath(path, site)}: {kind} {url} does not exist")
            elif kind == "image" and target.endswith(".png"):
                with open(target, "rb") as f:
                    if f.read(8) != b"\x89PNG\r\n\x1a\n":
                        problem(f"{os.path.relpath(path, site)}: image {url} is not a PNG")
            if kind == "graph" and target.endswith(".svg"):
                svgs.add(target)
        for url in links:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            checked_links += 1
            target = path if not parts.path else os.path.normpath(
                os.path.join(os.path.dirname(path), urllib.parse.unquote(parts.path)))
            if os.path.isdir(target):
                target = os.path.join(target, "index.html")
            if not os.path.isfile(target):
                problem(f"{os.path.relpath(path, site)}: link {url} leads nowhere")
                continue
            if parts.fragment and target.endswith(".html"):
                if target not in pages:
                    pages[target] = parse(target)
                if urllib.parse.unquote(parts.fragment) not in pages[target].ids:
                    problem(f"{os.path.relpath(path, site)}: link {url}: no anchor #{parts.fragment} there")

    # 2. The catalogue lists every registry claim exactly once.
    listing = subprocess.run([a.icgd, "verify", "--list"], capture_output=True, text=True)
    registry = re.findall(r"^  (\S+) +\S", listing.stdout, re.M)
    if listing.returncode != 0 or not registry:
        problem("`icgd verify --list` gave no claims")
    catalogue = pages[os.path.join(site, "catalogue.html")]
    entries = [i for i in catalogue.ids if i.startswith("claim-")]
    for claim in registry:
        anchor = "claim-" + re.sub(r"[^a-z0-9]+", "-", claim.lower()).strip("-")
        n = entries.count(anchor)
        if n != 1:
            problem(f"catalogue.html: claim {claim} has {n} entries (#{anchor}), not exactly one")
    expected = {"claim-" + re.sub(r"[^a-z0-9]+", "-", c.lower()).strip("-") for c in registry}
    for extra in sorted(set(entries) - expected):
        problem(f"catalogue.html: entry #{extra} is not a claim of the registry")
    if set(registry) != set(verify):
        problem(f"verify.json and the registry disagree on the claims: {sorted(set(registry) ^ set(verify))}")

    # 3. Every status shown equals the verify data.
    badges = 0
    for path, page in pages.items():
        for claim, status, text in page.badges:
            badges += 1
            if claim not in verify:
                problem(f"{os.path.relpath(path, site)}: a badge names {claim}, which the verify data does not hold")
            elif status != verify[claim] or text.strip() != verify[claim]:
                problem(f"{os.path.relpath(path, site)}: {claim} shown as '{text.strip()}' (data-status '{status}'), "
                        f"the verify data says '{verify[claim]}'")
    per_claim = {c: 0 for c in registry}
    for claim, _, _ in catalogue.badges:
        per_claim[claim] = per_claim.get(claim, 0) + 1
    for claim, n in per_claim.items():
        if n == 0:
            problem(f"catalogue.html: no status shown for {claim}")
    if not svgs:
        problem("catalogue.html: no dependency graph (SVG) found")
    graph_nodes = {}
    for svg in svgs:
        links, nodes = svg_links_and_nodes(svg)
        graph_nodes.update(nodes)
        for url in links:
            parts = urllib.parse.urlsplit(url)
            target = os.path.normpath(os.path.join(os.path.dirname(svg), parts.path))
            if not os.path.isfile(target):
                problem(f"{os.path.relpath(svg, site)}: node link {url} leads nowhere")
            elif parts.fragment:
                if target not in pages:
                    pages[target] = parse(target)
                if parts.fragment not in pages[target].ids:
                    problem(f"{os.path.relpath(svg, site)}: node link {url}: no anchor there")
    for claim in registry:
        if claim not in graph_nodes:
            problem(f"the dependency graph has no node for {claim}")
        elif verify.get(claim) not in graph_nodes[claim]:
            problem(f"the dependency graph labels {claim} {graph_nodes[claim]}, the verify data says '{verify.get(claim)}'")

    # 4. Rendered in a browser.
    os.makedirs(a.screenshots, exist_ok=True)
    shots = []
    views = (("index.html", "index"), ("catalogue.html", "catalogue"), (a.paper, "paper"), ("site.html", "site"))
    for page, name in views:
        url = "file://" + os.path.join(site, page)
        common = [a.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--allow-file-access-from-files",
                  "--no-first-run", "--disable-dev-shm-usage", "--virtual-time-budget=20000", "--window-size=1280,1000"]
        dom = subprocess.run(common + ["--dump-dom", url], capture_output=True, text=True, timeout=120)
        found = re.search(r"data-icgd-check=\"([^\"]*)\"", dom.stdout)
        if not found:
            problem(f"{page}: Chromium did not finish rendering it (no data-icgd-check; exit {dom.returncode})")
            continue
        check = json.loads(html.unescape(found.group(1)))
        if check["text_length"] < 200:
            problem(f"{page}: blank in the browser ({check['text_length']} characters of text)")
        if check["broken_images"]:
            problem(f"{page}: images did not load in the browser: {check['broken_images']}")
        if check["empty_objects"]:
            problem(f"{page}: the graph did not render: {check['empty_objects']}")
        if check["math_errors"] or check["math_rendered"] < check["math"]:
            problem(f"{page}: formulas did not typeset: {check['math']} formulas, {check['math_rendered']} typeset, "
                    f"{check['math_errors']} errors")
        if check["overflow_px"] > 0:
            problem(f"{page}: the layout is {check['overflow_px']} px wider than the window")
        shot = os.path.abspath(os.path.join(a.screenshots, name + ".png"))
        subprocess.run(common[:-1] + ["--window-size=1280,1600", f"--screenshot={shot}", url], capture_output=True, timeout=120)
        if not os.path.isfile(shot):
            problem(f"{page}: no screenshot was taken")
            continue
        from PIL import Image, ImageStat
        image = Image.open(shot).convert("L")
        stddev = ImageStat.Stat(image).stddev[0]
        if stddev < 8:
            problem(f"{page}: the screenshot is blank (pixel standard deviation {stddev:.1f})")
        shots.append(f"{name}.png ({check['text_length']} chars, {check['images']} images, {check['math_rendered']}/{check['math']} formulas)")
        if page == "site.html" and check["math"] == 0:
            problem("site.html: no formula on the page that shows one: the math check is not exercised")

    for text in problems:
        print("check_site: " + text, file=sys.stderr)
    print(f"check_site: {len(pages)} pages, {checked_links} links, {len(registry)} claims, {badges} statuses, "
          f"{len(graph_nodes)} graph nodes; screenshots: {'; '.join(shots)}; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
