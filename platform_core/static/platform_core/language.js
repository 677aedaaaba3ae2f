// The language menu submits its form when a language is chosen (no inline handler: the CSP forbids them).
document.querySelectorAll("select[data-submit-on-change]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
