// A pointwise evaluation session on the live chat page: error labels on each of the model's
// replies and the rating form, both sent to the sessions API. The chat itself is live_chat.js,
// which announces every turn ("live:turn") and every state ("live:session") on document.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("evaluation-config").textContent);
  var texts = config.texts;
  var $ = function (id) { return document.getElementById(id); };
  var labels = config.labels || {};      // turn seq -> labels, as stored
  var submitted = config.status !== "active";
  // Label saves and the rating go to the server one after another, in the order they were made:
  // a quick uncheck is never overtaken by an earlier save, and the rating comes after every label.
  var queue = Promise.resolve();
  function queued(work) {
    var next = queue.then(work);
    queue = next.catch(function () {});
    return next;
  }

  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function call(path, body) {
    return fetch(config.api + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      credentials: "same-origin",
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.detail || response.statusText);
        return data;
      });
    });
  }
  function say(text) { $("evaluation-status").textContent = text || ""; }

  // Several labels per model reply, editable until the session is submitted.
  function labelBoxes(li, seq) {
    var holder = document.createElement("span");
    holder.className = "labels";
    holder.setAttribute("data-testid", "labels");
    config.errorLabels.forEach(function (pair) {
      var label = document.createElement("label");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.value = pair[0];
      box.checked = (labels[String(seq)] || []).indexOf(pair[0]) >= 0;
      box.disabled = submitted;
      box.setAttribute("data-testid", "label-" + pair[0]);
      box.addEventListener("change", function () {
        var chosen = Array.prototype.map.call(holder.querySelectorAll("input:checked"), function (b) { return b.value; });
        say("");
        queued(function () { return call("labels/", { turn_seq: seq, labels: chosen }); }).then(function (state) {
          labels = state.error_labels;
          say(texts.labels_saved);
        }).catch(function (error) { box.checked = !box.checked; say(error.message); });
      });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + pair[1]));
      holder.appendChild(label);
    });
    li.appendChild(holder);
  }
  document.addEventListener("live:turn", function (event) {
    var li = event.detail.li;
    if (event.detail.frame.model && !li.querySelector(".labels")) labelBoxes(li, event.detail.frame.seq);
  });

  document.addEventListener("live:session", function (event) {
    var state = event.detail;
    if (!state.open) submitted = true;
    var unlocked = state.turns >= state.min_turns;
    $("rating").hidden = submitted || !unlocked;
    $("rating-locked").textContent = submitted || unlocked ? ""
      : texts.unlocks.replace("{n}", state.min_turns).replace("{now}", state.turns);
    $("abandon").hidden = submitted;
    if (submitted) {
      document.querySelectorAll('[data-testid="labels"] input').forEach(function (box) { box.disabled = true; });
      if (config.status !== "abandoned") say(texts.finished);
    }
  });

  $("rating").addEventListener("submit", function (event) {
    event.preventDefault();
    var ratings = {};
    Array.prototype.forEach.call($("rating").querySelectorAll("input[type=radio]:checked"), function (box) {
      ratings[box.name.replace(/^dim-/, "")] = Number(box.value);
    });
    var button = $("rating").querySelector("button[type=submit]");
    button.disabled = true;
    // The session's end comes back over the chat socket too (a "session" frame, open: false).
    queued(function () { return call("rate/", { ratings: ratings, comment: $("comment").value }); }).then(function (state) {
      config.status = state.status;
      submitted = true;
      $("rating").hidden = true;
      say(texts.finished);
    }).catch(function (error) { button.disabled = false; say(error.message); });
  });

  $("abandon").addEventListener("click", function () {
    if (!window.confirm(texts.abandon_confirm)) return;
    call("abandon/", {}).then(function () { window.location = config.work; })
      .catch(function (error) { say(error.message); });
  });
})();
