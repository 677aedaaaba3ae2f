// Keyboard review: a/r/s/t decide, b/m focus bonus/message, j/k move through the queue, x selects.
(function () {
  const form = document.querySelector("[data-review-form]");
  if (!form) return;
  const decision = form.querySelector("[data-decision]");
  form.querySelectorAll("[data-set-decision]").forEach((button) => {
    button.addEventListener("click", () => { decision.value = button.dataset.setDecision; });
  });
  const rows = Array.from(document.querySelectorAll("[data-row]"));
  let current = 0;
  const mark = () => rows.forEach((row, i) => { row.style.outline = i === current ? "2px solid var(--accent)" : ""; });
  if (rows.length) mark();
  document.addEventListener("keydown", (event) => {
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || event.ctrlKey || event.metaKey || event.altKey) return;
    const button = form.querySelector(`[data-key="${event.key}"]`);
    if (button) { event.preventDefault(); button.click(); return; }
    if (event.key === "b") { event.preventDefault(); form.querySelector("[data-bonus]").focus(); }
    if (event.key === "m") { event.preventDefault(); form.querySelector("[data-message]").focus(); }
    if (!rows.length) return;
    if (event.key === "j") { current = Math.min(rows.length - 1, current + 1); mark(); }
    if (event.key === "k") { current = Math.max(0, current - 1); mark(); }
    if (event.key === "x") { const box = rows[current].querySelector("input[type=checkbox]"); box.checked = !box.checked; }
    if (event.key === "Enter") { window.location = rows[current].dataset.href; }
  });
})();
