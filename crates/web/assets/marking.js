// Keyboard marking: J / K for the previous / next student, quick-score buttons fill the score,
// Enter in the score field saves and moves on (the form's own submit). With a rubric, the number
// keys 1–9 tick or untick scoring point N and the score becomes the sum of the ticked points;
// typing a score afterwards overrides it.
(function () {
  "use strict";
  function go(id) {
    const link = document.getElementById(id);
    if (link) window.location.href = link.getAttribute("href");
  }
  const points = Array.from(document.querySelectorAll("#rubric input[type=checkbox]"));
  function sumTicked() {
    const score = document.getElementById("score");
    if (!score) return;
    const sum = points.filter((box) => box.checked).reduce((total, box) => total + Number(box.dataset.points), 0);
    // Points like 0.5 add up exactly; rounding keeps 0.1 + 0.2 from showing as 0.30000000000000004.
    score.value = String(Math.round(sum * 1000) / 1000);
  }
  points.forEach((box) => box.addEventListener("change", sumTicked));
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    // A ticked checkbox has focus while marking by rubric; it is not a place one types into.
    const typing =
      target &&
      (target.tagName === "TEXTAREA" ||
        (target.tagName === "INPUT" && target.type !== "checkbox" && target.type !== "radio"));
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "j" || event.key === "J") go("prev-student");
    if (event.key === "k" || event.key === "K") go("next-student");
    if (/^[1-9]$/.test(event.key)) {
      const box = points[Number(event.key) - 1];
      if (!box) return;
      event.preventDefault();
      box.checked = !box.checked;
      sumTicked();
    }
    // Enter on a ticked checkbox saves, as it does in the score field.
    if (event.key === "Enter" && target && target.type === "checkbox" && target.form) {
      event.preventDefault();
      target.form.requestSubmit();
    }
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
