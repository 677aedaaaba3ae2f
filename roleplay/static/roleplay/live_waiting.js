// Waiting room: join the queue, show live position and waiting time, open the chat when matched.
(function () {
  "use strict";
  var room = document.getElementById("waiting-room");
  var statusEl = document.getElementById("queue-status");
  if (!room || !statusEl) return;
  var labels = JSON.parse(document.getElementById("live-waiting-labels").textContent);
  var leave = document.getElementById("leave");
  var socket = null;
  var wantedSide = sessionStorage.getItem("troupe.queue.side");
  var matched = false;  // leaving for the chat: one navigation only, no re-join, no reconnect

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return String(values[key]); });
  }
  function send(frame) { if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame)); }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + room.dataset.wsPath);
    socket.onopen = function () {
      reconnector.opened();
      if (wantedSide) send({ type: "join", side: wantedSide });
    };
    socket.onmessage = function (event) {
      if (matched) return;
      var frame = JSON.parse(event.data);
      if (frame.type === "queue") {
        if (frame.status === "waiting") {
          statusEl.textContent = format(labels.waiting, {
            position: frame.position, total: frame.waiting_total, seconds: Math.round(frame.waiting_s)
          });
          leave.hidden = false;
        } else {
          statusEl.textContent = labels.idle;
          leave.hidden = true;
        }
      } else if (frame.type === "match") {
        matched = true;
        wantedSide = null;
        statusEl.textContent = labels.matched;
        sessionStorage.removeItem("troupe.queue.side");
        location.assign(frame.url);
      } else if (frame.type === "error") {
        statusEl.textContent = frame.message;
      }
    };
    socket.onclose = function () {
      if (matched) return;
      statusEl.textContent = labels.offline;
      reconnector.closed();
    };
  }
  var reconnector = window.troupeReconnector(connect, function () {
    statusEl.textContent = labels.accessLost;
    room.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
  });

  room.querySelectorAll("button[data-side]").forEach(function (button) {
    button.addEventListener("click", function () {
      wantedSide = button.dataset.side;
      sessionStorage.setItem("troupe.queue.side", wantedSide);
      send({ type: "join", side: wantedSide });
    });
  });
  leave.addEventListener("click", function () {
    wantedSide = null;
    sessionStorage.removeItem("troupe.queue.side");
    send({ type: "leave" });
  });
  connect();
})();
