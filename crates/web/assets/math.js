// Typesets the TeX inside every element with class "math" with KaTeX's auto-render extension.
// Load it after katex.min.js and auto-render.min.js (all three with `defer`, in that order).
// Without KaTeX (a build that embedded no front-end libraries) it does nothing and the TeX stays
// readable as written. Bad TeX never breaks the page: with throwOnError false KaTeX shows the
// error inline in red, unbalanced delimiters are left as text, and each element is typeset on
// its own so one failure cannot stop the rest.
(function () {
  "use strict";

  var options = {
    // Longer delimiters first, so "$$" is not read as two empty "$…$".
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "\\(", right: "\\)", display: false },
      { left: "$", right: "$", display: false }
    ],
    throwOnError: false
  };

  function typeset() {
    if (typeof window.katex === "undefined" || typeof window.renderMathInElement !== "function") {
      return;
    }
    var elements = document.querySelectorAll(".math");
    for (var i = 0; i < elements.length; i++) {
      try {
        window.renderMathInElement(elements[i], options);
      } catch (err) {
        if (window.console) {
          window.console.warn("math: cannot typeset", elements[i], err);
        }
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", typeset);
  } else {
    typeset();
  }
})();
