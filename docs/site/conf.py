# Sphinx configuration of icgd's documentation site (docs/site.md explains the choices).
#
# The sources are not this folder: `icgd report` writes them (the hand-written pages of docs/,
# the generated catalogue and paper sections, the figures of the runs) into the folder that
# scripts/site/build_site.py passes to sphinx-build, with `-c docs/site` pointing here.
# Everything is offline: MathJax is Debian's copy (libjs-mathjax), copied next to the pages.
import json
import os

project = "icgd"
author = "the icgd authors"
extensions = ["myst_parser", "sphinx.ext.graphviz", "sphinx.ext.mathjax"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["extra/**", "figures/**/*.md"]

# MyST: $…$ and $$…$$ math, ::: fences, and GitHub-style anchors for the headings (the
# hand-written pages link to #claim-definitions and the like).
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 4
myst_dmath_double_inline = True

# MathJax 2 from Debian (/usr/share/javascript/mathjax, copied into _static/mathjax by the
# build script), SVG output: no web fonts needed. Never a CDN.
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS_SVG"
# MathJax 2's own configuration (Sphinx 5 writes a MathJax 3 one by default): typeset what
# Sphinx marks as math, nothing else.
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                "processEscapes": True, "processClass": "math", "ignoreClass": "document"},
    "SVG": {"linebreaks": {"automatic": True}},
}
mathjax3_config = None

graphviz_output_format = "svg"
graphviz_dot_args = ["-Gbgcolor=transparent"]

html_theme = "alabaster"
html_theme_options = {"page_width": "min(1400px, 96vw)", "sidebar_width": "230px", "fixed_sidebar": False,
                      "description": "claims checked, from what ran", "show_relbars": True}
html_static_path = ["_static"] + ([os.environ["ICGD_SITE_MATHJAX"]] if os.environ.get("ICGD_SITE_MATHJAX") else [])
html_css_files = ["icgd.css"]
html_js_files = ["icgd-check.js"]
templates_path = ["_templates"]
html_copy_source = False
html_show_sourcelink = False
html_extra_path = []

# The stamp of every page (icgd version, compiler, build date, where the runs came from), from
# the record `icgd report` wrote beside the sources.
_record = {}
_site_json = os.path.join(os.environ.get("ICGD_SITE_SRC", ""), "site.json")
if os.path.isfile(_site_json):
    with open(_site_json, encoding="utf-8") as f:
        _record = json.load(f)
    html_extra_path = [os.path.join(os.environ["ICGD_SITE_SRC"], "extra")]
html_context = {"icgd_stamp": _record.get("stamp", "not built by icgd report")}
html_title = "icgd " + _record.get("icgd_version", "")
