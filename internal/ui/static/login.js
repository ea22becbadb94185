// A login link (the demo prints one) carries the token in the URL
// fragment, which the browser never sends to a server: fill the form
// from it, drop it from the address bar and history, and submit.
document.addEventListener("DOMContentLoaded", function () {
  var m = /^#token=(.+)$/.exec(window.location.hash);
  if (!m) { return; }
  history.replaceState(null, "", window.location.pathname + window.location.search);
  document.getElementById("token").value = decodeURIComponent(m[1]);
  document.getElementById("login").submit();
});
