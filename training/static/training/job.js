// Live loss curve of one training job: a progress WebSocket says "something changed", then the
// new metrics events are fetched from the API and drawn as an inline SVG chart.
(function () {
  "use strict";
  const box = document.getElementById("job");
  const svg = document.getElementById("loss-chart");
  if (!box || !svg) return;
  const NS = "http://www.w3.org/2000/svg";
  const W = 600, H = 240, PAD = 36;
  const train = [], evals = [];
  let lastId = 0, busy = false, finished = box.dataset.finished === "1";

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
        if (event.tokens_per_s) {
          document.getElementById("throughput").textContent =
            Math.round(event.tokens_per_s) + " tokens/s" + (event.gpu_mem_mb ? " · " + Math.round(event.gpu_mem_mb) + " MiB" : "");
        }
      }
      draw();
      const progress = box.querySelector("progress");
      if (progress) progress.value = data.progress;
      box.querySelector("[data-testid=step]").textContent = data.current_step + "/" + data.max_steps;
      if (data.finished && !finished) location.reload();
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
    document.getElementById("progress-message").textContent = frame.message || "";
    refresh();
  };
  // Polling as a fallback when the socket is down (e.g. behind a proxy without WebSockets).
  setInterval(refresh, 5000);
})();
