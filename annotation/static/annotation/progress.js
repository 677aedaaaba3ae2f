// Live batch progress: listens on ws/progress/<topic>/ and reloads the page when the batch ends.
(function () {
  const box = document.getElementById("progress");
  if (!box || !box.dataset.running) return;
  const bar = box.querySelector("progress");
  const percent = box.querySelector("[data-testid=progress-percent]");
  const message = box.querySelector("[data-testid=progress-message]");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/progress/${box.dataset.topic}/`);
  socket.onmessage = (event) => {
    const data = JSON.parse(event.data);
    bar.value = data.percent;
    percent.textContent = `${data.percent}%`;
    message.textContent = data.message;
    if (data.percent >= 100) setTimeout(() => location.reload(), 800);
  };
  // Polling fallback when WebSockets are blocked: reload every 10 s while running.
  socket.onerror = () => setTimeout(() => location.reload(), 10000);
})();
