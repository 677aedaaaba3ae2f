// Live view of one training job. Its progress WebSocket frames carry the status, step and log tail
// (shown at once) and say "something changed": the new metrics events are then fetched from the
// API and drawn as an inline SVG loss chart, with the per-split data counts and the runner's notices.
(function () {
  "use strict";
  const box = document.getElementById("job");
  const svg = document.getElementById("loss-chart");
  if (!box || !svg) return;
  const NS = "http://www.w3.org/2000/svg";
  const W = 600, H = 240, PAD = 36;
  const train = [], evals = [];
  let lastId = 0, busy = false, finished = box.dataset.finished === "1";
  const labelsNode = document.getElementById("job-status-labels");
  const statusLabels = labelsNode ? JSON.parse(labelsNode.textContent) : {};
  const pill = box.querySelector("[data-testid=status]");
  const logBox = document.querySelector("[data-testid=log]");
  const reports = document.querySelector("[data-testid=data-reports] tbody");
  const notices = document.querySelector("[data-testid=notices]");
  const REPORT_FIELDS = ["split", "examples", "kept", "truncated", "dropped", "supervised_tokens", "mask_source"];

  function showState(state) {
    if (state.status && pill && pill.dataset.status !== state.status) {
      pill.dataset.status = state.status;
      pill.textContent = statusLabels[state.status] || state.status;
    }
    if (state.current_step !== undefined) {
      box.querySelector("[data-testid=step]").textContent = state.current_step + "/" + state.max_steps;
    }
    if (state.finished && !finished) location.reload();  // the error or the registered model
  }

  function showLog(text) {
    if (!logBox || typeof text !== "string") return;
    const atBottom = logBox.scrollTop + logBox.clientHeight >= logBox.scrollHeight - 4;
    logBox.textContent = text;
    if (atBottom) logBox.scrollTop = logBox.scrollHeight;
  }

  function showReport(detail) {
    if (!reports || !detail.split) return;
    let row = reports.querySelector('tr[data-split="' + CSS.escape(detail.split) + '"]');
    if (!row) {
      row = document.createElement("tr");
      row.dataset.split = detail.split;
      for (let i = 0; i < REPORT_FIELDS.length; i++) row.appendChild(document.createElement("td"));
      reports.appendChild(row);
    }
    REPORT_FIELDS.forEach((name, i) => { row.children[i].textContent = detail[name] === null ? "—" : String(detail[name]); });
  }

  function showNotice(message) {
    if (!notices || !message) return;
    for (const item of notices.children) if (item.textContent === message) return;
    const item = document.createElement("li");
    item.textContent = message;
    notices.appendChild(item);
  }

  function el(name, attrs, text) {
    const node = document.createElementNS(NS, name);
    for (const key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function draw() {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const points = train.concat(evals);
    if (!points.length) { svg.appendChild(el("text", { x: PAD, y: H / 2 }, "…")); return; }
    const maxStep = Math.max(1, ...points.map((p) => p.step));
    const losses = points.map((p) => p.loss);
    let lo = Math.min(...losses), hi = Math.max(...losses);
    if (hi - lo < 1e-6) { hi += 0.5; lo -= 0.5; }
    const x = (s) => PAD + (s / maxStep) * (W - 2 * PAD);
    const y = (v) => H - PAD - ((v - lo) / (hi - lo)) * (H - 2 * PAD);
    svg.appendChild(el("line", { class: "axis", x1: PAD, y1: H - PAD, x2: W - PAD, y2: H - PAD }));
    svg.appendChild(el("line", { class: "axis", x1: PAD, y1: PAD, x2: PAD, y2: H - PAD }));
    svg.appendChild(el("text", { x: 2, y: y(hi) + 4 }, hi.toFixed(3)));
    svg.appendChild(el("text", { x: 2, y: y(lo) + 4 }, lo.toFixed(3)));
    svg.appendChild(el("text", { x: W - PAD - 20, y: H - 8 }, String(maxStep)));
    if (train.length) {
      const d = train.map((p, i) => (i ? "L" : "M") + x(p.step).toFixed(1) + " " + y(p.loss).toFixed(1)).join(" ");
      svg.appendChild(el("path", { class: "train", d: d }));
    }
    for (const p of evals) svg.appendChild(el("circle", { class: "eval", cx: x(p.step), cy: y(p.loss), r: 4 }));
  }

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      const response = await fetch(box.dataset.metricsUrl + "?after=" + lastId, { credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      for (const event of data.events) {
        lastId = Math.max(lastId, event.id);
        if (event.event === "log" && event.loss !== null) train.push({ step: event.step, loss: event.loss });
        if (event.event === "eval" && event.eval_loss !== null) evals.push({ step: event.step, loss: event.eval_loss });
        if (event.event === "data" && event.detail) showReport(event.detail);
        if (event.event === "notice" && event.detail) showNotice(event.detail.message);
        if (event.tokens_per_s) {
          document.getElementById("throughput").textContent =
            Math.round(event.tokens_per_s) + " tokens/s" + (event.gpu_mem_mb ? " · " + Math.round(event.gpu_mem_mb) + " MiB" : "");
        }
      }
      draw();
      const progress = box.querySelector("progress");
      if (progress) progress.value = data.progress;
      showState(data);
      // Polling (no live frame yet, or the socket is gone) brings the log too, not only the state.
      const log = await fetch(box.dataset.metricsUrl.replace(/metrics\/?(\?.*)?$/, "log/"), { credentials: "same-origin" });
      if (log.ok) showLog((await log.json()).log);
    } finally {
      busy = false;
    }
  }

  refresh();
  if (finished) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(scheme + "://" + location.host + "/ws/progress/" + box.dataset.topic + "/");
  socket.onmessage = (message) => {
    const frame = JSON.parse(message.data);
    if (frame.message) document.getElementById("progress-message").textContent = frame.message;
    if (frame.detail) {
      const progress = box.querySelector("progress");
      if (progress) progress.value = frame.percent;
      showState(frame.detail);
      showLog(frame.detail.log_tail);
    }
    refresh();
  };
  // Polling as a fallback when the socket is down (e.g. behind a proxy without WebSockets).
  setInterval(refresh, 5000);
})();
