// Human–machine chat: the worker is the player, the deployed model streams the character's replies.
// Frames follow docs/chat-protocol.md; user and model text is always set with textContent.
(function () {
  "use strict";
  const root = document.getElementById("hm-chat");
  if (!root) return;
  const history = document.getElementById("history");
  const input = document.getElementById("message-input");
  const send = document.getElementById("send");
  const statusLine = document.getElementById("status");
  const errorLine = document.getElementById("chat-error");
  const labels = root.dataset;
  let socket = null, state = null, lastSeq = 0, streaming = null, waiting = false;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => {
      const r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
  }

  function item(seq) { return history.querySelector('li[data-seq="' + seq + '"]'); }

  function lastModelSeq() {
    const items = history.querySelectorAll("li[data-seq]");
    const last = items[items.length - 1];
    return last && last.dataset.model === "1" ? Number(last.dataset.seq) : null;
  }

  function render() {
    const open = state && state.open;
    const canSend = open && !waiting && !streaming;
    input.disabled = !canSend;
    send.disabled = !canSend;
    const editable = open && !streaming ? lastModelSeq() : null;
    history.querySelectorAll(".turn-actions").forEach((actions) => {
      actions.hidden = Number(actions.parentNode.dataset.seq) !== editable;
    });
    document.getElementById("finish").disabled = !open || !!streaming;
  }

  function showTurn(frame) {
    let li = item(frame.seq);
    if (!li) {
      li = document.createElement("li");
      li.dataset.seq = frame.seq;
      li.dataset.testid = "turn";
      li.className = "turn " + frame.speaker;
      const text = document.createElement("span");
      text.className = "text";
      li.appendChild(text);
      history.appendChild(li);
    }
    li.dataset.model = frame.model ? "1" : "0";
    li.querySelector(".text").textContent = frame.text;
    let mark = li.querySelector(".edited-mark");
    if (frame.edited && !mark) {
      mark = document.createElement("span");
      mark.className = "edited-mark";
      mark.textContent = "(" + labels.labelEdited + ")";
      li.appendChild(mark);
    }
    if (frame.model && !li.querySelector(".turn-actions")) {
      const actions = document.createElement("div");
      actions.className = "turn-actions";
      const regenerate = document.createElement("button");
      regenerate.type = "button";
      regenerate.textContent = labels.labelRegenerate;
      regenerate.dataset.testid = "regenerate";
      regenerate.addEventListener("click", () => { errorLine.textContent = ""; frameSend({ type: "regenerate" }); });
      const edit = document.createElement("button");
      edit.type = "button";
      edit.textContent = labels.labelEdit;
      edit.dataset.testid = "edit";
      edit.addEventListener("click", () => startEdit(li));
      actions.append(regenerate, edit);
      li.appendChild(actions);
    }
    li.classList.remove("streaming");
    lastSeq = Math.max(lastSeq, frame.seq);
  }

  function startEdit(li) {
    const text = li.querySelector(".text");
    const area = document.createElement("textarea");
    area.value = text.textContent;
    area.dataset.testid = "edit-input";
    const save = document.createElement("button");
    save.type = "button";
    save.dataset.testid = "edit-save";
    save.textContent = labels.labelSave;
    save.addEventListener("click", () => {
      frameSend({ type: "edit", seq: Number(li.dataset.seq), text: area.value });
      area.remove(); save.remove(); text.hidden = false;
    });
    text.hidden = true;
    li.insertBefore(save, text.nextSibling);
    li.insertBefore(area, save);
    area.focus();
  }

  function showStream(frame) {
    let li = frame.replace_seq ? item(frame.replace_seq) : document.getElementById("stream-" + frame.reply_id);
    if (!li) {
      li = document.createElement("li");
      li.id = "stream-" + frame.reply_id;
      li.dataset.testid = "streaming-turn";
      li.className = "turn character";
      const text = document.createElement("span");
      text.className = "text";
      li.appendChild(text);
      history.appendChild(li);
    }
    li.classList.add("streaming");
    li.querySelector(".text").textContent = frame.text;
    streaming = frame.reply_id;
  }

  function frameSend(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(frame)); return true; }
    return false;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    socket.onopen = () => { statusLine.textContent = ""; frameSend({ type: "hello", last_seq: lastSeq }); };
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.type === "session") {
        state = frame;
        if (!frame.open) { statusLine.textContent = labels.labelEnded; document.getElementById("finish-panel").hidden = true; }
      } else if (frame.type === "turn") {
        if (frame.reply_id) {
          const temporary = document.getElementById("stream-" + frame.reply_id);
          if (temporary) temporary.remove();
          streaming = null;
        }
        showTurn(frame);
        if (frame.speaker === "player") waiting = true;
        if (frame.speaker === "character") waiting = false;
      } else if (frame.type === "stream") {
        showStream(frame);
      } else if (frame.type === "ack") {
        input.value = "";
      } else if (frame.type === "error") {
        errorLine.textContent = frame.message;
        streaming = null;
        if (frame.code !== "not_your_turn") waiting = false;
      }
      render();
    };
    socket.onclose = () => { statusLine.textContent = "…"; setTimeout(connect, 2000); };
  }

  document.getElementById("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    errorLine.textContent = "";
    frameSend({ type: "message", client_msg_id: uuid(), text: text });
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      document.getElementById("composer").requestSubmit();
    }
  });
  document.getElementById("finish").addEventListener("click", () => {
    const checked = document.querySelector('input[name="rating"]:checked');
    frameSend({ type: "finish", rating: checked ? Number(checked.value) : null });
  });
  connect();
  render();
})();
