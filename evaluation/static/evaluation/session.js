// The pairwise evaluation page: two models answer each message side by side (streamed as NDJSON,
// evaluation/streaming.py); the evaluator picks left, right, tie or both bad. (A pointwise session
// is chatted on the live chat page: live_session.js.)
(function () {
  "use strict";
  const root = document.getElementById("session");
  const api = root.dataset.api;
  const $ = (id) => document.getElementById(id);
  const texts = JSON.parse(document.getElementById("session-texts").textContent);
  let state = null;
  let busy = false;

  function csrf() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function call(path, body) {
    const response = await fetch(api + path, {
      method: body === undefined ? "GET" : "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = data.detail || Object.values(data).flat().join(" ") || response.statusText;
      throw new Error(detail);
    }
    return data;
  }

  function setStatus(text) { $("status").textContent = text || ""; }

  function render() {
    if (!state) return;  // not loaded yet
    const list = $("turns");
    list.innerHTML = "";
    state.turns.forEach((turn) => {
      const item = document.createElement("li");
      item.className = "turn " + turn.speaker;
      item.dataset.seq = turn.seq;
      const text = document.createElement("span");
      text.className = "text";
      text.textContent = turn.text;
      item.appendChild(text);
      list.appendChild(item);
    });
    const pair = state.pending_pair;
    $("pair").hidden = !pair;
    if (pair) { $("left").textContent = pair.left_text; $("right").textContent = pair.right_text; }
    const last = state.turns[state.turns.length - 1];
    const waiting = last && last.speaker === "player" && !pair;
    $("pair").classList.remove("streaming");
    $("retry").hidden = busy || !waiting || state.status !== "active";
    $("text").disabled = busy || !!pair || waiting || state.status !== "active";
    if (state.status !== "active") setStatus(texts.finished);
  }

  async function run(action) {
    busy = true; render();
    try { state = await action(); setStatus(""); }
    catch (error) {
      setStatus(error.message);
      try { state = await call(""); } catch (ignored) { /* keep the last state */ }
    }
    finally { busy = false; render(); }
  }

  // The evaluator's message, then both replies streamed as NDJSON lines (evaluation/streaming.py).
  async function send(text) {
    const response = await fetch(root.dataset.reply, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      credentials: "same-origin",
      body: JSON.stringify(text === null ? {} : { text }),
    });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      throw new Error(data.detail || response.statusText);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let final = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n")) >= 0) {
        const frame = JSON.parse(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 1);
        if (frame.type === "turn") { state.turns.push(frame.turn); render(); }
        else if (frame.type === "stream") showStream(frame.side, frame.text);
        else if (frame.type === "state") final = frame.state;
        else if (frame.type === "error") throw new Error(frame.detail);
      }
    }
    if (!final) throw new Error(texts.interrupted);
    return final;
  }

  function showStream(side, text) {
    $("pair").hidden = false;
    $("pair").classList.add("streaming");
    $(side).textContent = text;
  }

  // The composer stays disabled until the session's state has loaded (render enables it).
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value.trim();
    if (!text || !state || busy) return;
    setStatus(texts.both_answering);
    run(async () => { const next = await send(text); $("text").value = ""; return next; });
  });

  $("retry").addEventListener("click", () => {
    setStatus(texts.both_answering);
    run(() => send(null));
  });

  document.querySelectorAll("[data-choice]").forEach((button) => button.addEventListener("click", () => {
    const pair = state.pending_pair;
    if (!pair) return;
    run(() => call("judge/", { turn_seq: pair.turn_seq, choice: button.dataset.choice, reason: $("reason").value }));
    $("reason").value = "";
  }));

  $("finish").addEventListener("click", () => run(() => call("finish/", {})));
  $("abandon").addEventListener("click", () => {
    if (!window.confirm(texts.abandon_confirm)) return;
    run(async () => { const next = await call("abandon/", {}); window.location = root.dataset.work; return next; });
  });

  call("").then((data) => { state = data; render(); }).catch((error) => setStatus(error.message));
})();
