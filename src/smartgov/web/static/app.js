/* smartgov pages: what every page does. No inline handlers: the Content-Security-Policy
   (smartgov.web.headers) runs no inline code without the page's nonce. */
document.addEventListener("htmx:configRequest", function (e) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { e.detail.headers["X-CSRF-Token"] = meta.content; }
});

// <form data-confirm="确定…？">: ask before submitting (instead of an onsubmit attribute)
document.addEventListener("submit", function (e) {
  var message = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { e.preventDefault(); }
});

document.addEventListener("click", function (e) {
  if (!e.target.closest) { return; }
  // <a data-back>: back to the previous page (instead of a javascript: link)
  var back = e.target.closest("a[data-back]");
  if (back && window.history.length > 1) { e.preventDefault(); window.history.back(); }
  // <button data-print>: print this page (instead of an onclick attribute)
  if (e.target.closest("[data-print]")) { e.preventDefault(); window.print(); }
});
