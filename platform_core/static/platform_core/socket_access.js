// How a live page reconnects its WebSocket: after a lost connection, again in 0.5 s, doubling to 8 s.
// A handshake the server refuses (HTTP 403: signed out, or no longer allowed on this page) closes
// in the browser exactly as a lost connection does, before the socket ever opened; after such a
// close the page asks for itself, and a sign-in redirect or a refusal means that reconnecting cannot
// succeed: ``onAccessLost`` is called instead. Anything else, a network failure included, retries.
window.troupeReconnector = function (connect, onAccessLost) {
  var delay = 500, opened = false;

  function accessLost() {
    return fetch(location.href, { method: "HEAD", credentials: "same-origin", redirect: "manual", cache: "no-store" })
      .then(function (response) {
        return response.type === "opaqueredirect" || [401, 403, 404].indexOf(response.status) !== -1;
      }, function () { return false; });
  }

  return {
    opened: function () { opened = true; delay = 500; },
    closed: function () {
      var wasOpen = opened;
      opened = false;
      (wasOpen ? Promise.resolve(false) : accessLost()).then(function (lost) {
        if (lost) { onAccessLost(); return; }
        setTimeout(connect, delay);
        delay = Math.min(delay * 2, 8000);
      });
    }
  };
};
