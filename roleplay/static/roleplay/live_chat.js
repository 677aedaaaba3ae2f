// Live chat client (docs/chat-protocol.md). User text is only ever set with textContent.
// Pages that add panels of their own (an evaluation's labels and ratings) listen on document for
// "live:turn" ({frame, li}: a committed turn shown or changed) and "live:session" (the state).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("live-config").textContent);
  var labels = JSON.parse(document.getElementById("live-chat-labels").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var history = $("history"), input = $("message-input"), sendButton = $("send");
  var storeKey = "troupe.live." + config.sessionId;
  var stored = JSON.parse(sessionStorage.getItem(storeKey) || "{}");
  var lastSeq = 0;               // highest committed seq shown; sent as last_seq on reconnect
  var pending = stored.pending || {}; // client_msg_id -> text, until acknowledged (survives reloads)
  var seen = {};                 // seq -> true
  var state = null, socket = null, closedForGood = false, deadline = null, typingTimer = null, lastTyping = 0;
  var modelSeat = config.modelSeat;  // the seat a model plays (its replies stream; regenerate/edit), or null
  var modelActions = config.modelActions || {};  // which of regenerate / edit this chat offers
  var streaming = null;              // reply_id of the model reply being streamed

  function save() { sessionStorage.setItem(storeKey, JSON.stringify({ pending: pending })); }
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return String(values[key]); });
  }
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(frame)); return true; }
    return false;
  }
  function bubble(speaker, text, extraClass) {
    var li = document.createElement("li");
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = speaker === config.side ? labels.you : config.names[speaker];
    var body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    li.appendChild(who); li.appendChild(body);
    li.className = (speaker === config.side ? "mine " : "") + (extraClass || "");
    return li;
  }
  function setText(li, frame) {
    li.querySelector(".text").textContent = frame.text;
    li.classList.remove("streaming");
    var mark = li.querySelector(".edited-mark");
    if (frame.edited && !mark) {
      mark = document.createElement("span");
      mark.className = "edited-mark";
      mark.textContent = "(" + labels.edited + ")";
      li.querySelector(".text").after(mark);
    } else if (frame.edited === false && mark) {
      mark.remove();  // regenerated: a fresh reply, not edited
    }
  }
  function announce(name, detail) { document.dispatchEvent(new CustomEvent(name, { detail: detail })); }
  function showTurn(frame) {
    if (seen[frame.seq]) {
      // A turn's text can change (a model reply regenerated or corrected): the newest frame wins.
      var shown = history.querySelector('li[data-seq="' + frame.seq + '"]');
      if (shown) { setText(shown, frame); announce("live:turn", { frame: frame, li: shown }); }
      return;
    }
    seen[frame.seq] = true;
    if (frame.client_msg_id) {
      var pendingLi = history.querySelector('li[data-pending="' + frame.client_msg_id + '"]');
      if (pendingLi) pendingLi.remove();
      if (pending[frame.client_msg_id] !== undefined) { delete pending[frame.client_msg_id]; save(); }
    }
    var li = bubble(frame.speaker, frame.text);
    li.dataset.seq = frame.seq;
    li.dataset.speaker = frame.speaker;
    if (frame.model) li.dataset.model = "1";
    li.setAttribute("data-testid", "turn");
    if (frame.edited) setText(li, frame);
    // Keep seq order even when a replayed turn arrives after a newer one.
    var after = null;
    history.querySelectorAll("li[data-seq]").forEach(function (other) {
      if (!after && Number(other.dataset.seq) > frame.seq) after = other;
    });
    if (!after) after = history.querySelector("li[data-pending]");
    history.insertBefore(li, after);
    lastSeq = Math.max(lastSeq, frame.seq);
    history.scrollTop = history.scrollHeight;
    $("typing").textContent = "";
    announce("live:turn", { frame: frame, li: li });
  }
  // --- a model's seat: streamed replies, regenerate and edit on its last reply ------------------
  function showStream(frame) {
    var li = frame.replace_seq ? history.querySelector('li[data-seq="' + frame.replace_seq + '"]')
      : document.getElementById("stream-" + frame.reply_id);
    if (!li) {
      li = bubble(frame.speaker, "");
      li.id = "stream-" + frame.reply_id;
      li.setAttribute("data-testid", "streaming-turn");
      history.insertBefore(li, history.querySelector("li[data-pending]"));
    }
    li.classList.add("streaming");
    li.querySelector(".text").textContent = frame.text;
    streaming = frame.reply_id;
    history.scrollTop = history.scrollHeight;
  }
  function endStreams() {
    history.querySelectorAll('li[data-testid="streaming-turn"]').forEach(function (li) { li.remove(); });
    history.querySelectorAll("li.streaming").forEach(function (li) { li.classList.remove("streaming"); });
    streaming = null;
  }
  function startEdit(li) {
    var text = li.querySelector(".text");
    if (li.querySelector("textarea")) return;
    var area = document.createElement("textarea");
    area.value = text.textContent;
    area.setAttribute("data-testid", "edit-input");
    var saveButton = document.createElement("button");
    saveButton.type = "button";
    saveButton.setAttribute("data-testid", "edit-save");
    saveButton.textContent = labels.save;
    saveButton.addEventListener("click", function () {
      $("chat-error").textContent = "";
      send({ type: "edit", seq: Number(li.dataset.seq), text: area.value });
      area.remove(); saveButton.remove(); text.hidden = false;
    });
    text.hidden = true;
    text.after(area, saveButton);
    area.focus();
  }
  function offerModelActions() {
    // Offered on the model's last reply only, while the chat runs and nothing streams.
    history.querySelectorAll(".turn-actions").forEach(function (el) { el.remove(); });
    if (!modelSeat || !state || state.status !== "active" || streaming) return;
    var turns = history.querySelectorAll("li[data-seq]");
    var last = turns[turns.length - 1];
    if (!last || last.dataset.speaker !== modelSeat) return;
    if (!modelActions.regenerate && !modelActions.edit) return;
    var actions = document.createElement("div");
    actions.className = "turn-actions";
    if (modelActions.regenerate && Number(last.dataset.seq) > 1) {  // the greeting is the character's own, not a reply
      var again = document.createElement("button");
      again.type = "button";
      again.textContent = labels.regenerate;
      again.setAttribute("data-testid", "regenerate");
      again.addEventListener("click", function () { $("chat-error").textContent = ""; send({ type: "regenerate" }); });
      actions.appendChild(again);
    }
    if (modelActions.edit) {
      var edit = document.createElement("button");
      edit.type = "button";
      edit.textContent = labels.edit;
      edit.setAttribute("data-testid", "edit");
      edit.addEventListener("click", function () { startEdit(last); });
      actions.appendChild(edit);
    }
    last.appendChild(actions);
  }
  function showPending(id, text) {
    var li = bubble(config.side, text, "pending");
    li.dataset.pending = id;
    history.appendChild(li);
    history.scrollTop = history.scrollHeight;
  }
  function myTurn() {
    return state && state.status === "active" && (state.next_speaker === config.side || state.next_speaker === "any");
  }
  function render() {
    if (!state) return;
    $("turn-counter").textContent = state.turns;
    var open = state.open;
    $("topic-panel").hidden = state.status !== "topic";
    if (state.topic_proposal) {
      $("topic-proposal").textContent = labels.proposedBy + " " + state.topic_proposal.topic;
      $("topic-accept").hidden = state.topic_proposal.by === config.side;
    } else {
      $("topic-proposal").textContent = "";
      $("topic-accept").hidden = true;
    }
    $("topic-line").textContent = state.topic ? labels.topicLine + " " + state.topic : "";
    var canWrite = myTurn() && Object.keys(pending).length === 0 && !streaming;
    input.disabled = !(state.status === "active");
    sendButton.disabled = !canWrite;
    var rated = state.rated[config.side];
    if (config.finishInChat) {
      $("finish").disabled = !open || rated || !(state.finish_unlocked || state.status === "rating");
      $("finish-hint").textContent = state.status === "rating" ? (rated ? labels.rated : labels.rating)
        : (state.finish_unlocked ? labels.finishUnlocked : $("finish-hint").textContent);
    }
    var partner = config.side === "character" ? "player" : "character";
    $("partner-state").textContent = open ? (state.connected[partner] ? labels.partnerHere : labels.partnerAway) : "";
    var statusText = {
      joining: labels.joining, topic: labels.topic, rating: rated ? labels.rated : labels.rating,
      finished: labels.finished, partner_left: labels.partner_left, idle_timeout: labels.idle_timeout, expired: labels.expired
    }[state.status];
    if (modelSeat && state.status === "topic") statusText = labels.modelTopic;
    if (state.status === "active") statusText = myTurn() && !streaming ? labels.yourTurn : (modelSeat ? labels.modelAnswering : labels.theirTurn);
    $("status").textContent = statusText || state.status;
    deadline = state.deadline;
    if (!open) {
      $("ended-panel").hidden = false;
      $("ended-text").textContent = statusText || state.status;
      if (config.finishInChat) $("finish-panel").hidden = true;
      input.disabled = true; sendButton.disabled = true;
      closedForGood = true;
      if (socket) socket.close();
    }
    offerModelActions();
    announce("live:session", state);
  }
  function tickClock() {
    if (!deadline || !state || !state.open) { $("time-left").textContent = "–"; return; }
    var left = Math.max(0, Math.round(deadline - Date.now() / 1000));
    $("time-left").textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
  }
  setInterval(tickClock, 1000);

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + config.wsPath);
    socket.onopen = function () {
      reconnector.opened();
      send({ type: "hello", last_seq: lastSeq });
      // Resend what was never acknowledged: the server stores each client_msg_id once.
      Object.keys(pending).forEach(function (id) { send({ type: "message", client_msg_id: id, text: pending[id], side: config.side }); });
    };
    socket.onmessage = function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "turn") { if (frame.speaker === modelSeat) endStreams(); showTurn(frame); if (state) { state.turns = Math.max(state.turns, frame.seq); state.next_speaker = frame.speaker === "character" ? "player" : "character"; if (state.deadline !== null) state.deadline = Date.now() / 1000 + state.idle_timeout_s; } render(); }
      else if (frame.type === "ack") { delete pending[frame.client_msg_id]; save(); render(); }
      else if (frame.type === "session") { state = frame; render(); }
      else if (frame.type === "stream") { showStream(frame); render(); }
      else if (frame.type === "typing") {
        $("typing").textContent = format(labels.typing, { name: config.names[frame.side] });
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { $("typing").textContent = ""; }, 3000);
      } else if (frame.type === "error") {
        $("chat-error").textContent = frame.message;
        if (streaming && frame.code !== "model_busy") { endStreams(); render(); }
        if (frame.code === "replaced") { closedForGood = true; $("status").textContent = labels.replaced; }
        if (frame.client_msg_id && pending[frame.client_msg_id] !== undefined) {
          // Refused and not stored: give the text back to edit.
          input.value = pending[frame.client_msg_id];
          delete pending[frame.client_msg_id]; save();
          var li = history.querySelector('li[data-pending="' + frame.client_msg_id + '"]');
          if (li) li.remove();
          render();
        }
      }
    };
    socket.onclose = function (event) {
      if (closedForGood || event.code === 4403 || event.code === 4409) return;
      $("status").textContent = labels.offline;
      reconnector.closed();
    };
  }
  var reconnector = window.troupeReconnector(connect, function () {
    closedForGood = true;
    $("status").textContent = labels.accessLost;
    input.disabled = true; sendButton.disabled = true;
  });

  $("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { $("chat-error").textContent = ""; return; }
    if (!myTurn()) return;
    var id = uuid4();
    pending[id] = text; save();
    showPending(id, text);
    input.value = "";
    $("chat-error").textContent = "";
    send({ type: "message", client_msg_id: id, text: text, side: config.side });
    render();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("composer").requestSubmit(); }
  });
  input.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTyping > 2000) { lastTyping = now; send({ type: "typing" }); }
  });
  $("topic-propose").addEventListener("click", function () {
    send({ type: "topic.propose", topic: $("topic-input").value, kind: $("topic-kind").value });
  });
  $("topic-accept").addEventListener("click", function () { send({ type: "topic.accept" }); });
  if (config.finishInChat) $("finish").addEventListener("click", function () {
    var checked = document.querySelector('input[name="rating"]:checked');
    send({ type: "finish", rating: checked ? Number(checked.value) : null, flag: $("flag").checked, flag_reason: $("flag-reason").value });
  });
  Object.keys(pending).forEach(function (id) { showPending(id, pending[id]); });
  // The stored transcript and state first: the socket then sends only what is newer.
  state = config.session;
  (config.turns || []).forEach(showTurn);
  render();
  connect();
})();
