#!/usr/bin/python3
"""Builds icgd's documentation site from what actually ran (docs/site.md).

  1. the demo runs: --runs DIR (full-size runs, e.g. `icgd demo all --out DIR`), or else
     `icgd demo all --quick` into <work>/runs-quick (seconds);
  2. the documentation examples (docs/examples), run again; their output is pasted into the pages;
  3. the API from the headers (Doxygen, lib/include), with a tag file;
  4. `icgd report`: a fresh verify, the catalogue, the claims graph, the paper pages, the figures;
  5. Sphinx + MyST + Graphviz (docs/site/conf.py), MathJax from Debian's libjs-mathjax, offline;
  6. the finished site replaces --out as a whole (built in <out>.partial, then renamed).

Every tool is a Debian package (scripts/setup.sh); nothing is downloaded. Exit status 2 with one
line for bad input, 1 when a step fails.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

MATHJAX = "/usr/share/javascript/mathjax"
# What MathJax 2 needs for TeX input and SVG output (no web fonts): about 4 MB of its 54.
MATHJAX_PARTS = ["MathJax.js", "config/TeX-AMS_SVG.js", "extensions", "jax/input/TeX", "jax/output/SVG", "jax/element"]


def fail(message, status=1):
    print(f"build_site: {message}", file=sys.stderr)
    sys.exit(status)


def run(command, what, **kwargs):
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-15:]
        fail(f"{what} failed (exit {result.returncode}): {' '.join(command)}\n  " + "\n  ".join(tail))
    return result, time.monotonic() - started


def doxygen(source, work):
    """The API pages of lib/include and their tag file (which header has which page)."""
    api = os.path.join(work, "api")
    shutil.rmtree(api, ignore_errors=True)
    os.makedirs(api)
    doxyfile = os.path.join(work, "Doxyfile")
    settings = {
        "PROJECT_NAME": "icgd", "PROJECT_BRIEF": '"API of lib/include"',
        "INPUT": os.path.join(source, "lib/include"), "RECURSIVE": "YES", "FILE_PATTERNS": "*.hpp",
        "STRIP_FROM_PATH": os.path.join(source, "lib/include"), "FULL_PATH_NAMES": "YES",
        "OUTPUT_DIRECTORY": api, "HTML_OUTPUT": "html", "GENERATE_LATEX": "NO", "GENERATE_HTML": "YES",
        "GENERATE_TAGFILE": os.path.join(work, "api.tag"), "EXTRACT_ALL": "YES", "EXTRACT_STATIC": "YES",
        "HAVE_DOT": "NO", "QUIET": "YES", "WARNINGS": "NO", "WARN_IF_UNDOCUMENTED": "NO", "SEARCHENGINE": "NO",
        "USE_MATHJAX": "NO", "SOURCE_BROWSER": "YES", "TIMESTAMP": "YES",
    }
    with open(doxyfile, "w", encoding="utf-8") as f:
        for key, value in settings.items():
            f.write(f"{key} = {value}\n")
    _, seconds = run(["doxygen", doxyfile], "doxygen")
    return os.path.join(api, "html"), os.path.join(work, "api.tag"), seconds


def examples(manifest, work):
    """Runs every documentation example again; <work>/examples/<name>.out as the page shows it."""
    folder = os.path.join(work, "examples")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    count = 0
    if not manifest:
        return folder, count
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            name, executable, shown_as, arguments = (line.rstrip("\n").split("\t") + ["", "", ""])[:4]
            command = [executable] + arguments.split()
            result, _ = run(command, f"documentation example {name}")
            text = (f"$ {shown_as} {arguments}\n" if shown_as else "") + result.stdout
            with open(os.path.join(folder, name + ".out"), "w", encoding="utf-8") as out:
                out.write(text)
            count += 1
    return folder, count


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--icgd", required=True, help="the icgd binary")
    p.add_argument("--source", required=True, help="the repository")
    p.add_argument("--work", required=True, help="a folder for the intermediate files")
    p.add_argument("--out", required=True, help="where the finished HTML site goes")
    p.add_argument("--runs", default="", help="demo run folders to build from (default: fresh --quick runs)")
    p.add_argument("--examples", default="", help="the manifest of documentation examples (built by CMake)")
    a = p.parse_args()
    for tool in ("sphinx-build", "doxygen", "dot"):
        if shutil.which(tool) is None:
            fail(f"{tool} is not installed: run `sh scripts/setup.sh`", 2)
    if not os.path.isfile(os.path.join(MATHJAX, "MathJax.js")):
        fail(f"{MATHJAX}/MathJax.js is missing: run `sh scripts/setup.sh` (libjs-mathjax)", 2)
    if not os.access(a.icgd, os.X_OK):
        fail(f"--icgd {a.icgd}: not an executable", 2)
    if a.runs and not os.path.isdir(a.runs):
        fail(f"--runs {a.runs}: not a folder", 2)
    source, work, out = (os.path.abspath(x) for x in (a.source, a.work, a.out))
    os.makedirs(work, exist_ok=True)
    times = {}
    started = time.monotonic()

    runs = os.path.abspath(a.runs) if a.runs else os.path.join(work, "runs-quick")
    if not a.runs:
        _, times["quick demo runs"] = run([a.icgd, "demo", "all", "--quick", "--force", "--no-progress", "--seed", "1",
                                           "--threads", "2", "--out", runs], "icgd demo all --quick")
    example_outputs, example_count = examples(a.examples, work)
    api_html, api_tags, times["doxygen"] = doxygen(source, work)

    commit = subprocess.run(["git", "-C", source, "describe", "--always", "--dirty"], capture_output=True, text=True)
    src = os.path.join(work, "src")
    report = [a.icgd, "report", "--runs", runs, "--out", src, "--source", source, "--examples", example_outputs,
              "--api-tags", api_tags]
    if commit.returncode == 0 and commit.stdout.strip():
        report += ["--commit", commit.stdout.strip()]
    result, times["icgd report"] = run(report, "icgd report")
    print(result.stdout.strip())

    static = os.path.join(work, "static")
    shutil.rmtree(static, ignore_errors=True)
    for part in MATHJAX_PARTS:
        target = os.path.join(static, "mathjax", part)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        (shutil.copytree if os.path.isdir(os.path.join(MATHJAX, part)) else shutil.copy)(os.path.join(MATHJAX, part), target)

    staging = out + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    env = dict(os.environ, ICGD_SITE_SRC=src, ICGD_SITE_MATHJAX=static)
    # -W: a warning (a broken cross-reference, a missing image) fails the build; -E: no stale pages.
    _, times["sphinx"] = run(["sphinx-build", "-b", "html", "-W", "--keep-going", "-E", "-q", "-j", "2",
                              "-c", os.path.join(source, "docs/site"), "-d", os.path.join(work, "doctrees"), src, staging],
                             "sphinx-build", env=env)
    shutil.copytree(api_html, os.path.join(staging, "api"))
    shutil.copy(os.path.join(src, "site.json"), os.path.join(staging, "site.json"))
    shutil.copy(os.path.join(src, "verify.json"), os.path.join(staging, "verify.json"))
    previous = out + ".previous"
    shutil.rmtree(previous, ignore_errors=True)
    if os.path.exists(out):
        os.rename(out, previous)
    os.rename(staging, out)
    shutil.rmtree(previous, ignore_errors=True)
    total = time.monotonic() - started
    print(f"build_site: {example_count} examples run, site in {out} ({total:.1f} s: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()) + f"); open {out}/index.html")


if __name__ == "__main__":
    main()
