// A WebSocket whose handshake the server refuses (HTTP 403: signed out, or no longer allowed on this
// page) closes in the browser exactly as a lost connection does, before it ever opened. After such a
// close the live pages ask for themselves: a sign-in redirect or a refusal means that reconnecting
// cannot succeed; anything else, a network failure included, means try again.
window.troupeAccessLost = function () {
  return fetch(location.href, { method: "HEAD", credentials: "same-origin", redirect: "manual", cache: "no-store" })
    .then(function (response) {
      return response.type === "opaqueredirect" || [401, 403, 404].indexOf(response.status) !== -1;
    }, function () { return false; });
};
