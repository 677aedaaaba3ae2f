// Rewrite and dialogue review: line navigation, live inline diff (rewrites only), keyboard shortcuts.
(function () {
  const form = document.getElementById("review-form");
  if (!form) return;
  const lines = Array.from(form.querySelectorAll(".line"));
  let current = 0;

  function diff(before, after) {
    // Character-level LCS diff; lines are short, so O(n*m) is fine.
    const n = before.length, m = after.length;
    const table = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        table[i][j] = before[i] === after[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    const out = [];
    let i = 0, j = 0;
    const push = (op, ch) => {
      const last = out[out.length - 1];
      if (last && last[0] === op) last[1] += ch; else out.push([op, ch]);
    };
    while (i < n && j < m) {
      if (before[i] === after[j]) { push("equal", before[i]); i++; j++; }
      else if (table[i + 1][j] >= table[i][j + 1]) { push("delete", before[i]); i++; }
      else { push("insert", after[j]); j++; }
    }
    while (i < n) push("delete", before[i++]);
    while (j < m) push("insert", after[j++]);
    return out;
  }

  function renderDiff(line) {
    const area = line.querySelector("textarea");
    if (!area) return;  // a dialogue review: lines are read, not rewritten
    const view = line.querySelector(".diff-view");
    view.replaceChildren();
    if (area.value === area.dataset.original) return;
    const wrap = document.createElement("span");
    wrap.className = "diff";
    for (const [op, text] of diff(area.dataset.original, area.value)) {
      const node = document.createElement(op === "delete" ? "del" : op === "insert" ? "ins" : "span");
      node.textContent = text;  // user text is never parsed as HTML
      wrap.appendChild(node);
    }
    view.appendChild(wrap);
  }

  function select(index) {
    current = Math.max(0, Math.min(lines.length - 1, index));
    lines.forEach((line, i) => line.classList.toggle("current", i === current));
    lines[current].scrollIntoView({ block: "nearest" });
  }

  lines.forEach((line, i) => {
    const area = line.querySelector("textarea");
    if (area) {
      area.addEventListener("input", () => renderDiff(line));
      area.addEventListener("focus", () => select(i));
    }
    line.addEventListener("click", () => select(i));
    line.querySelector("input[name=ooc]").addEventListener("change", (e) => line.classList.toggle("ooc", e.target.checked));
  });

  function submitWith(decision) {
    const button = form.querySelector(`button[value=${decision}]`);
    if (decision === "reject" && !form.reason.value.trim()) { form.reason.focus(); return; }
    if (!form.rating.value) { form.rating.focus(); return; }
    form.requestSubmit(button);
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target.matches("textarea, input[type=text], select");
    if (typing) {
      if (event.key === "Escape") target.blur();
      if (event.ctrlKey && event.key === "ArrowDown" && target.closest(".line")) {
        event.preventDefault(); select(current + 1); lines[current].querySelector("textarea").focus();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const line = lines[current];
    switch (event.key) {
      case "j": case "ArrowDown": event.preventDefault(); select(current + 1); break;
      case "k": case "ArrowUp": event.preventDefault(); select(current - 1); break;
      case "e": case "Enter": if (line.querySelector("textarea")) { event.preventDefault(); line.querySelector("textarea").focus(); } break;
      case "n": event.preventDefault(); form.reason.focus(); break;
      case "o": line.querySelector("input[name=ooc]").click(); break;
      case "1": case "2": case "3": case "4": case "5": form.rating.value = event.key; break;
      case "a": event.preventDefault(); submitWith("accept"); break;
      case "r": event.preventDefault(); submitWith("reject"); break;
    }
  });
  lines.forEach(renderDiff);
  if (lines.length) select(0);
})();
