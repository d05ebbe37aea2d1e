// What the site test reads back from a rendered page (tests/site, headless Chromium):
// <html data-icgd-check='{...}'> once the page, its images and its formulas are done.
// It changes nothing a reader sees.
(function () {
  function report() {
    var images = Array.prototype.slice.call(document.images);
    var broken = images.filter(function (i) { return !i.complete || i.naturalWidth === 0; })
                       .map(function (i) { return i.getAttribute("src"); });
    var objects = Array.prototype.slice.call(document.querySelectorAll("object"));
    var emptyObjects = objects.filter(function (o) { return o.getBoundingClientRect().height < 20; })
                              .map(function (o) { return o.getAttribute("data"); });
    var math = document.querySelectorAll("span.math, div.math").length;
    var rendered = document.querySelectorAll(".MathJax_SVG, .MathJax_SVG_Display").length;
    var errors = document.querySelectorAll(".MathJax_Error, [data-mjx-error], .MathJax_SVG merror, .merror").length;
    var body = document.querySelector("div.body") || document.body;
    var result = {
      text_length: (body.innerText || "").trim().length,
      images: images.length, broken_images: broken, objects: objects.length, empty_objects: emptyObjects,
      math: math, math_rendered: rendered, math_errors: errors,
      overflow_px: document.documentElement.scrollWidth - window.innerWidth
    };
    document.documentElement.setAttribute("data-icgd-check", JSON.stringify(result));
  }
  // MathJax 2 (loaded async) typesets after its start-up: report once that has ended and its
  // queue is empty; a page without formulas reports at once; after 15 s it reports what it has.
  var waited = 0;
  function whenTypeset() {
    var hasMath = document.querySelector("span.math, div.math") !== null;
    if (!hasMath || waited > 15000) return report();
    if (window.MathJax && MathJax.Hub && MathJax.Hub.Register) {
      MathJax.Hub.Register.StartupHook("End", function () { MathJax.Hub.Queue(report); });
      return;
    }
    waited += 100;
    setTimeout(whenTypeset, 100);
  }
  window.addEventListener("load", whenTypeset);
})();
