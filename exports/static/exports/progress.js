// Live export progress: listens on ws/progress/<topic>/, reloads when the build is published or fails.
(function () {
  const box = document.getElementById("export-progress");
  if (!box) return;
  const bar = box.querySelector("progress");
  const percent = box.querySelector("[data-testid=percent]");
  const message = box.querySelector("[data-testid=progress-message]");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  let live = false;
  try {
    const socket = new WebSocket(`${scheme}://${location.host}/ws/progress/${box.dataset.topic}/`);
    socket.onopen = () => { live = true; };
    socket.onmessage = (event) => {
      const data = JSON.parse(event.data);
      if (data.type !== "progress") return;
      bar.value = data.percent;
      percent.textContent = Math.round(data.percent);
      message.textContent = data.message;  // text, never HTML
      if (data.message === "published" || data.message.startsWith("failed")) location.reload();
    };
    socket.onclose = () => { live = false; };
  } catch (error) { live = false; }
  // Polling fallback when WebSockets are blocked: reload every 10 s while the build runs.
  setInterval(() => { if (!live) location.reload(); }, 10000);
})();
