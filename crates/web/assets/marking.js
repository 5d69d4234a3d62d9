// Keyboard marking: J / K for the previous / next student, quick-score buttons fill the score,
// Enter in the score field saves and moves on (the form's own submit).
(function () {
  "use strict";
  function go(id) {
    const link = document.getElementById(id);
    if (link) window.location.href = link.getAttribute("href");
  }
  document.addEventListener("keydown", (event) => {
    const typing = event.target && (event.target.tagName === "TEXTAREA" || event.target.tagName === "INPUT");
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "j" || event.key === "J") go("prev-student");
    if (event.key === "k" || event.key === "K") go("next-student");
  });
  document.querySelectorAll("[data-score]").forEach((button) => {
    button.addEventListener("click", () => {
      const score = document.getElementById("score");
      if (!score) return;
      score.value = button.getAttribute("data-score");
      score.focus();
    });
  });
})();
